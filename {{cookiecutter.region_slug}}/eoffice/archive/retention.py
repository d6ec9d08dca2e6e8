"""The retention lifecycle of closed berkas (jadwal retensi arsip at work).

A closed berkas is active until ``active_until``; the daily scan (``flask eoffice retensi
scan``, also run by ``flask eoffice maintain``) then moves it to inaktif (pemindahan to
the records centre). When ``inactive_until`` has passed too, the scan proposes it per
the final disposition copied from the JRA at closing: musnah -> usul_musnah, permanen
-> usul_serah (handover to the region's archive institution), dinilai kembali or none ->
dinilai_kembali (the arsiparis reviews it).

Nothing is destroyed by the scan. The arsiparis reviews the proposals and records the
berita acara approved by the head (its number and date, from the signed paper): only
then the berkas become musnah or diserahkan. A destroyed berkas keeps its record, its
list of letters and the audit trail; the letters themselves are never deleted (numbered
letters never are), so a letter still within retention elsewhere is never lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.archive.models import (
    BERKAS_STATUSES,
    PROPOSAL_STATUSES,
    BeritaAcara,
    Berkas,
    Classification,
)
from eoffice.extensions import db

# What the JRA's final disposition proposes once the inactive period has passed.
PROPOSAL_OF = {"musnah": "usul_musnah", "permanen": "usul_serah",
               "dinilai_kembali": "dinilai_kembali", None: "dinilai_kembali"}
# A berita acara ends the berkas of one proposal kind.
BERITA_ACARA_KINDS = {"musnah": ("usul_musnah", "musnah"), "serah": ("usul_serah", "diserahkan")}
BATCH = 500


class RetentionError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class ScanResult:
    moved_inactive: int = 0
    proposed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.moved_inactive + sum(self.proposed.values())


def _today() -> dt.date:
    from eoffice.letters.services import today_local

    return today_local()


def scan(today: dt.date | None = None, *, actor=None) -> ScanResult:
    """Move every berkas whose period has passed one or two steps on (each step audited):
    closed -> inaktif when ``active_until`` <= today; inaktif -> the proposal of its final
    disposition when ``inactive_until`` <= today. Both answered from the status/date
    indexes; run again on the same day it changes nothing. A berkas under legal hold
    stays where it is."""
    numbering.begin_write()
    today = today or _today()
    result = ScanResult()
    while True:
        batch = list(db.session.scalars(
            sa.select(Berkas).where(Berkas.status == "closed", Berkas.active_until <= today,
                                    Berkas.legal_hold.is_(False))
            .order_by(Berkas.id).limit(BATCH)))
        for berkas in batch:
            berkas.status = "inaktif"
            audit.record("berkas.inactive", berkas, actor=actor,
                         data={"active_until": berkas.active_until.isoformat()})
            result.moved_inactive += 1
        db.session.flush()
        if len(batch) < BATCH:
            break
    while True:
        batch = list(db.session.scalars(
            sa.select(Berkas).where(Berkas.status == "inaktif", Berkas.inactive_until <= today,
                                    Berkas.legal_hold.is_(False))
            .order_by(Berkas.id).limit(BATCH)))
        for berkas in batch:
            berkas.status = PROPOSAL_OF.get(berkas.final_disposition, "dinilai_kembali")
            audit.record("berkas.proposed", berkas, actor=actor, data={
                "status": berkas.status, "inactive_until": berkas.inactive_until.isoformat()})
            result.proposed[berkas.status] = result.proposed.get(berkas.status, 0) + 1
        db.session.flush()
        if len(batch) < BATCH:
            break
    return result


def record_berita_acara(*, kind: str, berkas_ids: list[int], number: str,
                        signed_on: dt.date | None, approved_by: str, note: str | None = None,
                        actor) -> BeritaAcara:
    """Record the signed berita acara of destruction (``musnah``) or handover (``serah``)
    for berkas proposed for it: they become musnah / diserahkan. All or nothing: a berkas
    that is not (or no longer) proposed for this stops the whole record."""
    numbering.begin_write()
    if kind not in BERITA_ACARA_KINDS:
        raise RetentionError(str(_l("Choose destruction or handover.")), "kind")
    proposal, final = BERITA_ACARA_KINDS[kind]
    number = " ".join((number or "").split())
    if not number:
        raise RetentionError(str(_l("Give the number of the berita acara.")), "number")
    if signed_on is None:
        raise RetentionError(str(_l("Give the date of the berita acara.")), "signed_on")
    if signed_on > _today():
        raise RetentionError(str(_l("The date of the berita acara is in the future.")),
                             "signed_on")
    approved_by = " ".join((approved_by or "").split())
    if not approved_by:
        raise RetentionError(str(_l("Name the head who approved it.")), "approved_by")
    ids = sorted(set(berkas_ids))[:1000]
    if not ids:
        raise RetentionError(str(_l("Tick the berkas the berita acara covers.")), "berkas")
    berkas = list(db.session.scalars(sa.select(Berkas).where(Berkas.id.in_(ids))
                                     .order_by(Berkas.id)))
    wrong = [b for b in berkas if b.status != proposal]
    if len(berkas) != len(ids) or wrong:
        labels = ", ".join(f"{b.number}/{b.year}" for b in wrong) or "?"
        raise RetentionError(str(_l("These berkas are not proposed for this: %(b)s.",
                                    b=labels)), "berkas")
    held = [b for b in berkas if b.legal_hold]
    if held:
        raise RetentionError(str(_l("These berkas are under legal hold: %(b)s.", b=", ".join(
            f"{b.number}/{b.year}" for b in held))), "berkas")
    record = BeritaAcara(kind=kind, number=number[:128], signed_on=signed_on,
                         approved_by=approved_by[:255], note=(note or "").strip() or None,
                         recorded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    for item in berkas:
        item.status, item.berita_acara_id = final, record.id
        audit.record("berkas.destroyed" if kind == "musnah" else "berkas.handed_over", item,
                     actor=actor, data={"berita_acara": record.number})
    audit.record("berita_acara.recorded", record, actor=actor, data={
        "kind": kind, "number": record.number, "signed_on": signed_on.isoformat(),
        "approved_by": record.approved_by, "berkas": [b.id for b in berkas]})
    return record


def place_legal_hold(berkas: Berkas, reason: str, *, actor) -> None:
    """Stop every retention step of the berkas (a case, an audit or an inquiry needs it)."""
    numbering.begin_write()
    reason = " ".join((reason or "").split())
    if not reason:
        raise RetentionError(str(_l("Say why the berkas is held.")), "reason")
    if berkas.status in ("musnah", "diserahkan"):
        raise RetentionError(str(_l("The berkas has already been destroyed or handed over.")))
    berkas.legal_hold, berkas.legal_hold_reason = True, reason[:500]
    audit.record("berkas.hold_placed", berkas, actor=actor, data={"reason": reason[:500]})


def lift_legal_hold(berkas: Berkas, *, actor) -> None:
    """The hold ends: the next scan moves the berkas on if its dates have passed."""
    numbering.begin_write()
    if not berkas.legal_hold:
        raise RetentionError(str(_l("The berkas is not under legal hold.")))
    audit.record("berkas.hold_lifted", berkas, actor=actor,
                 data={"reason": berkas.legal_hold_reason})
    berkas.legal_hold, berkas.legal_hold_reason = False, None


# --- Reports ---------------------------------------------------------------------------

def counts_by_status(scope: set[int] | None) -> dict[str, int]:
    """Berkas per status, within the units of ``scope`` (None: every unit)."""
    query = sa.select(Berkas.status, sa.func.count()).group_by(Berkas.status)
    if scope is not None:
        query = query.where(Berkas.unit_id.in_(scope or {-1}))
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in BERKAS_STATUSES}


def counts_by_classification(scope: set[int] | None, limit: int = 500) -> list[tuple]:
    """(code, name, {status: count}) per classification code that has berkas, in the
    regulation's order."""
    query = (sa.select(Classification.code, Classification.name, Classification.sort_key,
                       Berkas.status, sa.func.count())
             .join(Classification, Classification.id == Berkas.classification_id)
             .group_by(Classification.code, Classification.name, Classification.sort_key,
                       Berkas.status)
             .order_by(Classification.sort_key))
    if scope is not None:
        query = query.where(Berkas.unit_id.in_(scope or {-1}))
    rows: dict[str, tuple[str, dict[str, int]]] = {}
    for code, name, _key, status, number in db.session.execute(query):
        rows.setdefault(code, (name, {}))[1][status] = number
    return [(code, name, counts) for code, (name, counts) in list(rows.items())[:limit]]


def proposals_due(scope: set[int] | None) -> int:
    """Berkas waiting for the arsiparis (a proposal of any kind)."""
    query = sa.select(sa.func.count()).select_from(Berkas).where(
        Berkas.status.in_(PROPOSAL_STATUSES))
    if scope is not None:
        query = query.where(Berkas.unit_id.in_(scope or {-1}))
    return db.session.scalar(query) or 0


def backlog(user, year: int) -> list[tuple[str, int, int]]:
    """Pemberkasan backlog: per unit, the letters of ``year`` that ``user`` may see and
    that are in no berkas yet: (unit name, incoming, outgoing). Incoming letters count
    for their registering unit, outgoing letters for their drafter's unit; only the units
    the user's berkas scope holds (every unit for the arsiparis)."""
    from eoffice.archive.filing import INCOMING_FILEABLE, OUTGOING_FILEABLE, unit_scope
    from eoffice.archive.models import BerkasItem
    from eoffice.letters.models import IncomingLetter
    from eoffice.org.models import Position, Unit
    from eoffice.outgoing.models import OutgoingLetter
    from eoffice.security import letter_access_clause, outgoing_access_clause

    scope = unit_scope(user)
    incoming_query = (
        sa.select(IncomingLetter.registering_unit_id, sa.func.count())
        .where(IncomingLetter.agenda_year == year,
               IncomingLetter.status.in_(INCOMING_FILEABLE),
               ~sa.exists().where(BerkasItem.incoming_letter_id == IncomingLetter.id),
               letter_access_clause(user))
        .group_by(IncomingLetter.registering_unit_id))
    outgoing_query = (
        sa.select(Position.unit_id, sa.func.count()).select_from(OutgoingLetter)
        .join(Position, Position.id == OutgoingLetter.drafter_position_id)
        .where(OutgoingLetter.number_year == year,
               OutgoingLetter.status.in_(OUTGOING_FILEABLE),
               ~sa.exists().where(BerkasItem.outgoing_letter_id == OutgoingLetter.id),
               outgoing_access_clause(user))
        .group_by(Position.unit_id))
    if scope is not None:
        incoming_query = incoming_query.where(
            IncomingLetter.registering_unit_id.in_(scope or {-1}))
        outgoing_query = outgoing_query.where(Position.unit_id.in_(scope or {-1}))
    incoming = dict(db.session.execute(incoming_query).all())
    outgoing = dict(db.session.execute(outgoing_query).all())
    unit_ids = {u for u in (set(incoming) | set(outgoing)) if u is not None}
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(
        Unit.id.in_(unit_ids or {-1}))).all())
    rows = [(names.get(u, "-"), incoming.get(u, 0), outgoing.get(u, 0))
            for u in unit_ids | ({None} if None in incoming else set())]
    return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0]))
