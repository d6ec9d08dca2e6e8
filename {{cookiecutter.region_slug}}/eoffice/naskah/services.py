"""Rules of naskah types and of the signing-authority table.

Every entry point that makes or signs an outgoing letter asks here: which types the
drafter's OPD may write (``type_choices``, ``type_problem``), what a type looks like
(``naskah_type``, ``label``, ``layout_of``), and whether a position may sign it
(``authority_problem``). Acting officials (Plt/Plh) need nothing of their own: the
table speaks of positions, and whoever acts for a position signs with its authority.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import audit
from eoffice.extensions import db
from eoffice.naskah.models import LAYOUTS, LEVELS, NaskahType, SigningAuthority
from eoffice.org.models import Position, Unit

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,11}$")
NUMBER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,15}$")
CACHE_KEY = "eoffice_naskah_types"
FIELDS = ("name", "number_code", "layout", "internal_only", "all_opds", "active", "sort_order")

LAYOUT_LABELS = {"biasa": _l("Letter (addressee, text, signature)"),
                 "nota_dinas": _l("Nota dinas (To / From / Subject, internal)"),
                 "undangan": _l("Invitation (date, time, place, agenda)"),
                 "tugas": _l("Assignment (staff assigned, dates, destination)"),
                 "edaran": _l("Titled document (title and number, no addressee block)")}
LEVEL_LABELS = {"kepala_daerah": _l("Head of the region"),
                "kepala_opd": _l("Head of an OPD (or above)"),
                "kepala_unit": _l("Head of any unit (or above)"),
                "semua": _l("Any position")}


class NaskahError(ValueError):
    """A type or rule cannot be saved; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Reading the types -----------------------------------------------------------------------

def all_types(active_only: bool = False) -> list[NaskahType]:
    query = sa.select(NaskahType).order_by(NaskahType.sort_order, NaskahType.name)
    if active_only:
        query = query.where(NaskahType.active.is_(True))
    return list(db.session.scalars(query))


def naskah_type(code: str | None) -> NaskahType | None:
    """The type of ``code`` (cached in the session: a form and a PDF ask several times;
    the session's own cache, so an object never outlives the session it belongs to)."""
    if not code:
        return None
    cache = db.session.info.setdefault(CACHE_KEY, {})
    cached = cache.get(code)
    if code not in cache or (cached is not None and not sa.inspect(cached).persistent):
        cache[code] = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == code))
    return cache[code]


def label(code: str | None) -> str:
    item = naskah_type(code)
    return item.name if item is not None else (code or "")


def layout_of(code: str | None) -> str:
    item = naskah_type(code)
    return item.layout if item is not None and item.layout in LAYOUTS else "biasa"


def number_code(code: str | None) -> str:
    item = naskah_type(code)
    return item.number_code if item is not None else (code or "")


def enabled_for(item: NaskahType, opd: Unit | None) -> bool:
    """Whether the OPD may write the type. Positions outside every OPD (the region's
    own unit: the head of the region, the Sekda's staff when Setda is the root) may
    write every active type."""
    if not item.active:
        return False
    if item.all_opds or opd is None:
        return True
    return any(u.id == opd.id for u in item.opds)


def drafter_opd(user) -> Unit | None:
    from eoffice.series.services import user_opd

    return user_opd(user)


def type_choices(user, current: str | None = None) -> list[tuple[str, str]]:
    """The types the drafter's OPD may write, for the draft form; ``current`` (the
    type of the draft being edited) stays offered even if it was switched off since."""
    opd = drafter_opd(user)
    out = [(t.code, t.name) for t in all_types() if enabled_for(t, opd) or t.code == current]
    return out


def type_problem(code: str, user, current: str | None = None) -> str | None:
    """Why ``user`` may not write a draft of type ``code`` (None: they may)."""
    item = naskah_type(code)
    if item is None:
        return str(_l("Unknown letter type."))
    if code == current:
        return None
    if not item.active:
        return str(_l("The naskah type %(t)s is switched off.", t=item.name))
    opd = drafter_opd(user)
    if not enabled_for(item, opd):
        return str(_l("Your OPD (%(o)s) does not write %(t)s; ask the administrator to "
                      "enable it.", o=opd.name if opd else "-", t=item.name))
    return None


def layouts() -> dict[str, str]:
    """code -> layout of every type, for the draft form's script (which fields to show)."""
    return {t.code: t.layout for t in all_types()}


# --- Managing the types ----------------------------------------------------------------------

def _opds(unit_ids) -> list[Unit]:
    from eoffice.series.services import opd_of

    out = []
    for unit_id in dict.fromkeys(unit_ids or []):
        unit = db.session.get(Unit, unit_id)
        if unit is None or opd_of(unit) is not unit:
            raise NaskahError(str(_l("Only OPDs (top-level units) can be chosen.")), "opds")
        out.append(unit)
    return out


def save_type(item: NaskahType | None, *, actor, series_id: int | None = None,
              **values) -> NaskahType:
    """Create or change a naskah type; raises NaskahError (nothing saved) for wrong
    input. ``series_id``: a numbering series that should number the type from now on
    (it is added to the series' documents; a new type without one goes to the
    region's default outgoing series, so that it can always be numbered)."""
    is_new = item is None
    if is_new:
        code = (values.get("code") or "").strip()
        if not CODE_RE.match(code):
            raise NaskahError(str(_l("The code is 2 to 12 lower-case letters, digits or _, "
                                     "starting with a letter (e.g. keputusan).")), "code")
        if db.session.scalar(sa.select(NaskahType.id).where(NaskahType.code == code)):
            raise NaskahError(str(_l("A naskah type with the code %(c)s exists.", c=code)),
                              "code")
    name = (values.get("name") or "").strip()
    if not name or len(name) > 120:
        raise NaskahError(str(_l("Give the type a name (at most 120 characters).")), "name")
    number = (values.get("number_code") or "").strip()
    if not NUMBER_CODE_RE.match(number):
        raise NaskahError(str(_l("The number code is 1 to 16 letters, digits, dots or "
                                 "hyphens (e.g. ND, SE, KEP).")), "number_code")
    layout = values.get("layout")
    if layout not in LAYOUTS:
        raise NaskahError(str(_l("Unknown layout.")), "layout")
    all_opds = bool(values.get("all_opds"))
    opds = [] if all_opds else _opds(values.get("opds"))
    if not all_opds and not opds:
        raise NaskahError(str(_l("Choose the OPDs that write this type, or tick Every "
                                 "OPD.")), "opds")
    sort_order = values.get("sort_order") or 0
    if not isinstance(sort_order, int) or not 0 <= sort_order <= 9999:
        raise NaskahError(str(_l("The order is a number from 0 to 9999.")), "sort_order")
    series = _series_to_add(series_id) if series_id or is_new else None
    new = {"name": name, "number_code": number, "layout": layout,
           "internal_only": bool(values.get("internal_only")), "all_opds": all_opds,
           "active": bool(values.get("active")), "sort_order": sort_order}
    before = {f: getattr(item, f) for f in FIELDS} if item is not None else {}
    old_opds = sorted(u.code for u in item.opds) if item is not None else []
    item = item or NaskahType(code=code)
    for name_, value in new.items():
        setattr(item, name_, value)
    item.opds = opds
    db.session.add(item)
    db.session.flush()
    db.session.info.pop(CACHE_KEY, None)
    new_opds = sorted(u.code for u in opds)
    if is_new:
        audit.record("naskah.type_created", item, actor=actor,
                     data={"code": item.code, **new, "opds": new_opds})
    else:
        changes = {f: [before[f], new[f]] for f in FIELDS if before[f] != new[f]}
        if old_opds != new_opds:
            changes["opds"] = [old_opds, new_opds]
        audit.record("naskah.type_changed", item, actor=actor,
                     data={"code": item.code, "changes": changes})
    if series is not None:
        _add_to_series(series, item, actor)
    return item


def _series_to_add(series_id: int | None):
    from eoffice.series.models import NumberingSeries
    from eoffice.series.services import ensure_defaults

    if series_id:
        series = db.session.get(NumberingSeries, series_id)
        if series is None:
            raise NaskahError(str(_l("Unknown numbering series.")), "series_id")
        return series
    ensure_defaults()
    return db.session.scalar(sa.select(NumberingSeries).where(
        NumberingSeries.default_for == "outgoing"))


def _add_to_series(series, item: NaskahType, actor) -> None:
    from eoffice.series.models import OUTGOING_PREFIX

    kind = OUTGOING_PREFIX + item.code
    if kind in (series.kinds or []):
        return
    before = list(series.kinds or [])
    series.kinds = [*before, kind]
    db.session.flush()
    audit.record("numbering.series_changed", series, actor=actor,
                 data={"name": series.name, "changes": {"kinds": [before, series.kinds]}})


def series_covering(item: NaskahType) -> list:
    """The numbering series that list the type (its numbers come from the most specific
    of them for the signer's unit: ``eoffice.series.services.series_for``)."""
    from eoffice.series.models import OUTGOING_PREFIX, NumberingSeries

    kind = OUTGOING_PREFIX + item.code
    return [s for s in db.session.scalars(sa.select(NumberingSeries).order_by(
        NumberingSeries.scope, NumberingSeries.name)) if kind in (s.kinds or [])]


def series_choices() -> list[tuple[int, str]]:
    from eoffice.series.models import NumberingSeries

    return [(s.id, s.name) for s in db.session.scalars(sa.select(NumberingSeries).where(
        NumberingSeries.active.is_(True)).order_by(NumberingSeries.scope,
                                                   NumberingSeries.name))]


# --- The signing-authority table -------------------------------------------------------------

def position_level(position: Position) -> int:
    """The position's rank in ``LEVELS`` (0 the highest): the head of a unit of kind
    ``pemda`` is the head of the region; the head of an OPD's own unit is a head of
    OPD; any other head is a head of unit; everyone else is any position."""
    from eoffice.series.services import opd_of

    if position.is_head and position.unit is not None:
        if position.unit.kind == "pemda":
            return 0
        if opd_of(position.unit) is position.unit:
            return 1
        return 2
    return 3


def rules_for(item: NaskahType, opd: Unit | None) -> list[SigningAuthority]:
    """The rules that decide for an authority position of ``opd``: the OPD's own for the
    type when it has any, else the region-wide ones."""
    own = [r for r in item.authorities if opd is not None and r.unit_id == opd.id]
    return own or [r for r in item.authorities if r.unit_id is None]


def allows(rule: SigningAuthority, position: Position) -> bool:
    if rule.position_id is not None:
        return rule.position_id == position.id
    return rule.level in LEVELS and position_level(position) <= LEVELS.index(rule.level)


def authority_problem(code: str, signer: Position | None, signing_as: str,
                      on_behalf: Position | None) -> tuple[str, str] | None:
    """Whether the table lets the letter be signed so: None when it does, else (field,
    message).

    The authority is the signing position's own when it signs in its own name, and the
    a.n. position's when it signs a.n. or u.b.: that rule must then also allow
    delegation. A type without rules may be signed by any position (as before the
    table existed)."""
    from eoffice.series.services import opd_of

    item = naskah_type(code)
    if item is None or signer is None:
        return None
    delegated = signing_as in ("an", "ub") and on_behalf is not None
    authority = on_behalf if delegated else signer
    rules = rules_for(item, opd_of(authority.unit))
    if not rules:
        return None
    matching = [r for r in rules if allows(r, authority)]
    if not matching:
        return ("on_behalf_position_id" if delegated else "signer_position_id", str(_l(
            "%(p)s may not sign a %(t)s. Who may: %(who)s.", p=authority.name, t=item.name,
            who="; ".join(describe(r) for r in rules))))
    if delegated and not any(r.delegable for r in matching):
        return "signing_as", str(_l(
            "A %(t)s is signed by %(p)s in person: a.n./u.b. is not allowed for it.",
            t=item.name, p=authority.name))
    return None


def describe(rule: SigningAuthority) -> str:
    who = rule.position.name if rule.position is not None else \
        str(LEVEL_LABELS.get(rule.level or "", rule.level or ""))
    if rule.delegable:
        who += " " + str(_l("(also a.n./u.b.)"))
    return who


def add_rule(item: NaskahType, *, actor, unit_id: int | None, level: str | None,
             position_id: int | None, delegable: bool) -> SigningAuthority:
    if bool(level) == bool(position_id):
        raise NaskahError(str(_l("Choose either a level or one position.")), "level")
    if level and level not in LEVELS:
        raise NaskahError(str(_l("Unknown level.")), "level")
    position = db.session.get(Position, position_id) if position_id else None
    if position_id and position is None:
        raise NaskahError(str(_l("Unknown position.")), "position_id")
    unit = _opds([unit_id])[0] if unit_id else None
    rule = SigningAuthority(naskah_type=item, unit=unit, level=level or None,
                            position=position, delegable=bool(delegable))
    db.session.add(rule)
    db.session.flush()
    audit.record("naskah.authority_added", item, actor=actor, data={
        "type": item.code, "opd": unit.code if unit else None, "level": rule.level,
        "position": position.name if position else None, "delegable": rule.delegable})
    return rule


def remove_rule(rule: SigningAuthority, *, actor) -> None:
    item = rule.naskah_type
    audit.record("naskah.authority_removed", item, actor=actor, data={
        "type": item.code, "opd": rule.unit.code if rule.unit else None, "level": rule.level,
        "position": rule.position.name if rule.position else None,
        "delegable": rule.delegable})
    item.authorities.remove(rule)
    db.session.flush()


def history(item: NaskahType) -> list[audit.AuditEvent]:
    return list(db.session.scalars(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.object_type == NaskahType.__tablename__,
        audit.AuditEvent.object_id == str(item.id)).order_by(audit.AuditEvent.id.desc())))
