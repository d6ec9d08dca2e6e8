"""Rules of numbering series: which series numbers a document, and issuing its number.

Every entry point that numbers something (registering an incoming letter, a letter
received from another region or sent inside the region, signing an outgoing letter)
asks ``series_for`` and then ``issue``, inside the transaction that saves the
numbered record (see ``eoffice.numbering`` for why that makes numbers gap-free).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.extensions import db
from eoffice.org.models import Unit
from eoffice.series.models import AGENDA, OUTGOING_PREFIX, SCOPES, NumberingSeries

# Counter keys of the defaults, as the counters were named before series were data.
LEGACY_KEYS = {"agenda": "agenda", "outgoing": "surat"}
FIELDS = ("name", "scope", "unit_id", "kinds", "classification_codes", "pattern",
          "yearly_reset", "per_code", "active")


class SeriesError(ValueError):
    """A series cannot be saved or used; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- The organisation: OPDs --------------------------------------------------------------

def opd_of(unit: Unit | None) -> Unit | None:
    """The OPD ``unit`` belongs to: the top-level unit of its branch of the tree, or,
    when the tree has the region itself (kind ``pemda``) at the top, the unit just
    below it. None for the region's own unit and for no unit."""
    chain: list[Unit] = []
    seen: set[int] = set()
    while unit is not None and unit.id not in seen:
        chain.append(unit)
        seen.add(unit.id)
        unit = unit.parent
    if not chain:
        return None
    if chain[-1].kind == "pemda":
        return chain[-2] if len(chain) > 1 else None
    return chain[-1]


def opd_choices() -> list[tuple[int, str]]:
    """Every active OPD, for the choice of a central clerk and of a series' scope."""
    units = db.session.scalars(sa.select(Unit).where(Unit.active.is_(True)).order_by(
        Unit.sort_order, Unit.name)).all()
    by_id = {u.id: u for u in units}
    roots = [u for u in units if u.parent_id is None or u.parent_id not in by_id]
    opds: list[Unit] = []
    for root in roots:
        if root.kind == "pemda":
            opds.extend(c for c in units if c.parent_id == root.id)
        else:
            opds.append(root)
    return [(u.id, f"{u.name} ({u.code})") for u in opds]


def user_opd(user) -> Unit | None:
    staff = getattr(user, "staff", None)
    return opd_of(staff.unit) if staff is not None and staff.unit is not None else None


def is_region_wide(user) -> bool:
    """A central clerk (TU of the Sekretariat Daerah): registers incoming letters for
    any OPD and reads any OPD's agenda book. Who that is: the clerks of the unit named
    by ``NUMBERING_CENTRAL_UNIT`` in region.toml and of the units below it."""
    from eoffice.org.services import descendant_unit_ids
    from eoffice.security import can, user_unit_id

    code = current_app.config.get("NUMBERING_CENTRAL_UNIT") or ""
    unit_id = user_unit_id(user)
    if not code or unit_id is None or not can(user, "letters.register"):
        return False
    central = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
    return central is not None and unit_id in descendant_unit_ids(central)


# --- Which series numbers a document --------------------------------------------------------

def kind_choices() -> list[tuple[str, str]]:
    """The agenda, and every naskah type (``eoffice.naskah``), switched off or not: a
    series may keep numbering a type an office no longer writes."""
    from eoffice.naskah.services import all_types

    return [(AGENDA, str(_l("Agenda of incoming letters")))] + [
        (OUTGOING_PREFIX + item.code, str(_l("Outgoing: %(t)s", t=item.name)))
        for item in all_types()]


def series_for(kind: str, unit: Unit | None, classification=None) -> NumberingSeries:
    """The most specific active series that numbers ``kind`` for ``unit``.

    A series of the unit itself (or of the nearest unit above it that has one) beats
    one of its OPD, which beats the region's; at the same level a series restricted
    to the document's classification code beats an unrestricted one. Raises
    SeriesError when none applies (an administrator deactivated them all).
    """
    code = getattr(classification, "code", None) or ""
    series = _candidates(kind)
    if not series:
        ensure_defaults()
        series = _candidates(kind)
    chain: list[int] = []
    current, seen = unit, set()
    while current is not None and current.id not in seen:
        chain.append(current.id)
        seen.add(current.id)
        current = current.parent
    opd = opd_of(unit)
    best: tuple[tuple[int, int, int], NumberingSeries] | None = None
    for item in series:
        if item.scope == "unit" and item.unit_id in chain:
            level = chain.index(item.unit_id)
        elif item.scope == "opd" and opd is not None and item.unit_id == opd.id:
            level = 1000
        elif item.scope == "region":
            level = 2000
        else:
            continue
        if item.classification_codes:
            if not item.covers_code(code):
                continue
            restricted = 0
        else:
            restricted = 1
        rank = (level, restricted, item.id)
        if best is None or rank < best[0]:
            best = (rank, item)
    if best is None:
        raise SeriesError(str(_l("No active numbering series covers %(k)s; ask the "
                                 "administrator to activate one.", k=kind_label(kind))))
    return best[1]


def _candidates(kind: str) -> list[NumberingSeries]:
    rows = db.session.scalars(sa.select(NumberingSeries).where(
        NumberingSeries.active.is_(True)).order_by(NumberingSeries.id)).all()
    return [s for s in rows if kind in (s.kinds or [])]


def kind_label(kind: str) -> str:
    return dict(kind_choices()).get(kind, kind)


def default_series_values(config) -> list[dict]:
    """The two series that number everything as region.toml said before series were data."""
    from eoffice.naskah.services import all_types

    return [
        {"name": "Agenda surat masuk", "scope": "region", "kinds": [AGENDA],
         "classification_codes": [], "pattern": config["AGENDA_PATTERN"], "yearly_reset": True,
         "per_code": False, "active": True, "counter_key": LEGACY_KEYS["agenda"],
         "default_for": "agenda"},
        {"name": "Nomor surat keluar", "scope": "region",
         "kinds": [OUTGOING_PREFIX + item.code for item in all_types()],
         "classification_codes": [],
         "pattern": config["LETTER_PATTERN"], "yearly_reset": True,
         "per_code": config["LETTER_COUNTER"] == "per_code", "active": True,
         "counter_key": LEGACY_KEYS["outgoing"], "default_for": "outgoing"},
    ]


def ensure_defaults() -> None:
    """Create the region-wide defaults from region.toml when they were never made (the
    migration makes them; a database built another way gets them on first use). Two
    requests at once insert them once: the unique ``default_for`` decides."""
    values = default_series_values(current_app.config)
    existing = set(db.session.scalars(sa.select(NumberingSeries.default_for).where(
        NumberingSeries.default_for.is_not(None))))
    missing = [v for v in values if v["default_for"] not in existing]
    if not missing:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        db.session.execute(insert(NumberingSeries).values(missing).on_conflict_do_nothing(
            index_elements=["default_for"]))
    else:
        db.session.add_all(NumberingSeries(**v) for v in missing)
        db.session.flush()


# --- Issuing a number ------------------------------------------------------------------------

@dataclass
class Issued:
    number: str
    series: NumberingSeries
    key: str  # the counter's series key
    period: str
    seq: int


def counter_of(series: NumberingSeries, year: int, code: str = "") -> tuple[str, str]:
    return series.key(code), series.period(year)


def issue(series: NumberingSeries, when: dt.date, fields: dict[str, str]) -> Issued:
    """Take the next number of ``series`` inside the current transaction and render it.

    ``fields`` fills the pattern's placeholders (``code``, ``unit``, ``opd``, ``type``).
    """
    key, period = counter_of(series, when.year, fields.get("code", ""))
    seq = numbering.next_value(key, period)
    try:
        number = numbering.format_number(series.pattern, seq, when, fields)
    except numbering.PatternError as exc:
        raise SeriesError(str(exc)) from exc
    if len(number) > numbering.MAX_NUMBER:
        raise SeriesError(str(_l("The number %(n)s is longer than %(m)d characters; ask the "
                                 "administrator to shorten the pattern of %(s)s.", n=number,
                                 m=numbering.MAX_NUMBER, s=series.name)))
    return Issued(number, series, key, period, seq)


def preview(series: NumberingSeries, when: dt.date, fields: dict[str, str] | None = None,
            ) -> str:
    """The number the series would issue next (nothing is taken)."""
    fields = dict(fields or {})
    key, period = counter_of(series, when.year, fields.get("code", ""))
    return numbering.format_number(series.pattern, numbering.peek(key, period) + 1, when,
                                   fields)


def sample_fields(series: NumberingSeries) -> dict[str, str]:
    """Placeholder values for the preview: the series' own unit and OPD, its first
    classification code and kind."""
    unit = series.unit
    opd = opd_of(unit)
    kind = next((k for k in series.kinds or [] if k.startswith(OUTGOING_PREFIX)), "")
    return {"code": (series.classification_codes or [""])[0] if series.per_code or
            series.classification_codes else "000.1",
            "unit": unit.code if unit else "UNIT", "opd": opd.code if opd else "OPD",
            "type": kind.removeprefix(OUTGOING_PREFIX)}


def history(series: NumberingSeries) -> list[audit.AuditEvent]:
    return list(db.session.scalars(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.object_type == NumberingSeries.__tablename__,
        audit.AuditEvent.object_id == str(series.id)).order_by(audit.AuditEvent.id.desc())))


def has_issued(series: NumberingSeries) -> bool:
    key = series.key()
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(numbering.Counter)
                                  .where(sa.or_(numbering.Counter.series == key,
                                                numbering.Counter.series.like(key + ":%")),
                                         numbering.Counter.last_value > 0)))


# --- Managing series -------------------------------------------------------------------------

def save_series(series: NumberingSeries | None, *, actor, **values) -> NumberingSeries:
    """Create or change a series; raises SeriesError (nothing saved) for wrong input.

    Once a series has issued numbers, its counter cannot change (``yearly_reset``,
    ``per_code``): numbers would start again at 1 and be issued twice. A new series
    is made instead and the old one deactivated.
    """
    from eoffice.archive.models import Classification

    name = (values.get("name") or "").strip()
    if not name or len(name) > 120:
        raise SeriesError(str(_l("Give the series a name (at most 120 characters).")), "name")
    scope = values.get("scope")
    if scope not in SCOPES:
        raise SeriesError(str(_l("Unknown scope.")), "scope")
    unit_id = values.get("unit_id") if scope != "region" else None
    if scope != "region":
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None:
            raise SeriesError(str(_l("Choose the OPD or unit the series numbers for.")),
                              "unit_id")
        if scope == "opd" and opd_of(unit) is not unit:
            raise SeriesError(str(_l("%(u)s is not an OPD (a top-level unit); choose the "
                                     "scope Unit for it.", u=unit.name)), "unit_id")
    kinds = list(dict.fromkeys(values.get("kinds") or []))
    known = dict(kind_choices())
    if not kinds or any(k not in known for k in kinds):
        raise SeriesError(str(_l("Choose the documents the series numbers.")), "kinds")
    codes = [c.strip() for c in values.get("classification_codes") or [] if c.strip()]
    if codes:
        found = set(db.session.scalars(sa.select(Classification.code).where(
            Classification.code.in_(codes))))
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise SeriesError(str(_l("Unknown classification code(s): %(c)s.",
                                     c=", ".join(unknown))), "classification_codes")
    pattern = (values.get("pattern") or "").strip()
    try:
        numbering.check_pattern(pattern)
    except numbering.PatternError as exc:
        raise SeriesError(str(exc), "pattern") from exc
    per_code, yearly_reset = bool(values.get("per_code")), bool(values.get("yearly_reset"))
    if per_code and "{code" not in pattern:
        raise SeriesError(str(_l("A series with a counter per classification code must show "
                                 "{code} in its numbers, or they would repeat.")), "pattern")
    if scope != "region" and any(k.startswith(OUTGOING_PREFIX) for k in kinds) and not (
            "{opd" in pattern or "{unit" in pattern):
        raise SeriesError(str(_l("Outgoing numbers of an OPD or unit must contain {opd} or "
                                 "{unit}, so that they never equal another office's numbers.")),
                          "pattern")
    if series is not None and series.id is not None and has_issued(series) and (
            per_code != series.per_code or yearly_reset != series.yearly_reset):
        raise SeriesError(str(_l("This series has issued numbers: its counter cannot change. "
                                 "Make a new series and deactivate this one.")), "yearly_reset")
    new = {"name": name, "scope": scope, "unit_id": unit_id, "kinds": kinds,
           "classification_codes": codes, "pattern": pattern, "yearly_reset": yearly_reset,
           "per_code": per_code, "active": bool(values.get("active"))}
    is_new = series is None
    series = series or NumberingSeries()
    before = {f: getattr(series, f) for f in FIELDS}
    for field_name, value in new.items():
        setattr(series, field_name, value)
    db.session.add(series)
    db.session.flush()
    changes = {f: [before[f], new[f]] for f in FIELDS if before[f] != new[f]}
    audit.record("numbering.series_created" if is_new else "numbering.series_changed", series,
                 actor=actor, data={"name": name, "changes": changes} if not is_new else new)
    return series
