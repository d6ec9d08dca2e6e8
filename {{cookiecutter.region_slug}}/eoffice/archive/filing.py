"""Pemberkasan: opening a berkas, filing letters into it, closing it.

Who may do what:
- ``records.view``: the daftar berkas of the units the user's unit holds (their unit and
  the units below it); ``records.view_all`` (the arsiparis): every unit.
- ``records.file``: open a berkas for a unit in that scope, file letters the user may see
  into it, take a letter out again while it is open, close it.

The access rule holds: a berkas lists only the letters the reader may see
(``eoffice.access`` grants, the same rule as the letter lists), so filing an R or SR
letter into a berkas never shows it to someone else.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from eoffice import audit, numbering, paging
from eoffice.archive.models import Berkas, BerkasItem, Classification
from eoffice.archive.services import code_prefix
from eoffice.extensions import db
from eoffice.letters.models import IncomingLetter
from eoffice.outgoing.models import OutgoingLetter, OutgoingRecipient
from eoffice.security import (
    can,
    can_view_letter,
    can_view_outgoing,
    letter_access_clause,
    outgoing_access_clause,
    user_unit_id,
)

# Letters that may be filed: registered or filed incoming letters (not cancelled, not
# waiting in the exchange inbox); outgoing letters once signed.
INCOMING_FILEABLE = ("registered", "filed")
OUTGOING_FILEABLE = ("signed", "sent")
SEARCH_LIMIT = 20
CANDIDATES = 50  # letters of each kind offered at once for bulk filing


class FilingError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Scope ------------------------------------------------------------------------------

def unit_scope(user) -> set[int] | None:
    """Units whose berkas ``user`` may see; None means every unit (the arsiparis)."""
    if can(user, "records.view_all"):
        return None
    if not can(user, "records.view"):
        return set()
    unit_id = user_unit_id(user)
    if unit_id is None:
        return set()
    from eoffice.org.services import descendant_unit_ids

    return descendant_unit_ids(unit_id)


def in_scope(user, unit_id: int) -> bool:
    scope = unit_scope(user)
    return scope is None or unit_id in scope


def visible_berkas(berkas_id: int, user) -> Berkas | None:
    """The berkas when it exists and ``user`` may see it."""
    berkas = db.session.get(Berkas, berkas_id)
    return berkas if berkas is not None and in_scope(user, berkas.unit_id) else None


def unit_choices(user) -> list[tuple[int, str]]:
    """The units ``user`` may open a berkas for: (id, name)."""
    from eoffice.org.models import Unit

    query = sa.select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)
    scope = unit_scope(user)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    return [(uid, name) for uid, name in db.session.execute(query)]


# --- Retention --------------------------------------------------------------------------

@dataclass(frozen=True)
class Retention:
    active_years: int | None
    inactive_years: int | None
    final_disposition: str | None
    code: str | None  # the code the retention was read from (the berkas's or a parent's)

    @property
    def known(self) -> bool:
        return self.active_years is not None and self.inactive_years is not None


def retention_of(classification: Classification) -> Retention:
    """The JRA entry of the code, or of its nearest parent that has one (a berkas may be
    opened on a series' parent code)."""
    item: Classification | None = classification
    while item is not None:
        if item.retention_active_years is not None or item.retention_inactive_years is not None:
            return Retention(item.retention_active_years or 0, item.retention_inactive_years or 0,
                             item.final_disposition, item.code)
        item = item.parent
    return Retention(None, None, None, None)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later (29 February becomes 28 February in a common year)."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


# --- Opening, filing, closing --------------------------------------------------------

def _check_filer(user, berkas_unit_id: int) -> None:
    if not can(user, "records.file") or not in_scope(user, berkas_unit_id):
        raise FilingError(str(_l("You may not file letters for this unit.")))


def open_berkas(*, unit_id: int | None, classification_id: int | None, year: int | None,
                title: str, description: str | None = None, actor) -> Berkas:
    """A new open berkas, numbered within its unit and year (gap-free counter)."""
    numbering.begin_write()
    if unit_id is None:
        raise FilingError(str(_l("Choose the unit.")), "unit_id")
    try:
        _check_filer(actor, unit_id)
    except FilingError as exc:
        raise FilingError(str(exc), "unit_id") from None
    classification = db.session.get(Classification, classification_id) \
        if classification_id else None
    if classification is None:
        raise FilingError(str(_l("Choose the classification code.")), "classification_id")
    if not classification.active:
        raise FilingError(str(_l("The classification code %(c)s is no longer in use.",
                                 c=classification.code)), "classification_id")
    from eoffice.letters.services import today_local

    this_year = today_local().year
    if year is None or not 1945 <= year <= this_year + 1:
        raise FilingError(str(_l("The year must be between 1945 and %(y)d.", y=this_year + 1)),
                          "year")
    title = " ".join((title or "").split())
    if not title:
        raise FilingError(str(_l("Give the berkas a title.")), "title")
    number = numbering.next_value(f"berkas:{unit_id}", str(year))
    berkas = Berkas(unit_id=unit_id, classification_id=classification.id, year=year,
                    number=number, title=title[:500],
                    description=(description or "").strip() or None, status="open",
                    opened_by_id=actor.id)
    db.session.add(berkas)
    db.session.flush()
    audit.record("berkas.opened", berkas, actor=actor,
                 data={"code": classification.code, "year": year, "number": number})
    return berkas


def code_matches(berkas_code: str, letter_code: str) -> bool:
    """A letter belongs in a berkas of its own code or of a parent of it."""
    return letter_code == berkas_code or letter_code.startswith(berkas_code + ".")


Letter = IncomingLetter | OutgoingLetter


def _letter_ref(letter: Letter) -> str:
    kind = "incoming_letters" if isinstance(letter, IncomingLetter) else "outgoing_letters"
    return f"{kind} {letter.id}"


def letter_number(letter: Letter) -> str:
    if isinstance(letter, IncomingLetter):
        return letter.agenda_number
    return letter.number or f"#{letter.id}"


def item_of(letter: Letter) -> BerkasItem | None:
    """The berkas item holding ``letter``, if it is filed."""
    column = (BerkasItem.incoming_letter_id if isinstance(letter, IncomingLetter)
              else BerkasItem.outgoing_letter_id)
    return db.session.scalar(sa.select(BerkasItem).options(joinedload(BerkasItem.berkas))
                             .where(column == letter.id))


def _check_letter(berkas: Berkas, letter: Letter, actor) -> None:
    if isinstance(letter, IncomingLetter):
        if not can_view_letter(actor, letter):
            raise FilingError(str(_l("Letter not found.")))
        if letter.status not in INCOMING_FILEABLE:
            raise FilingError(str(_l("Letter %(n)s is cancelled or not yet accepted; it "
                                     "cannot be filed.", n=letter_number(letter))))
    else:
        if not can_view_outgoing(actor, letter):
            raise FilingError(str(_l("Letter not found.")))
        if letter.status not in OUTGOING_FILEABLE:
            raise FilingError(str(_l("Letter %(n)s is not signed yet; only signed letters "
                                     "are filed.", n=letter_number(letter))))
    if letter.classification is None:
        raise FilingError(str(_l("Letter %(n)s has no classification code; a berkas "
                                 "holds letters of its code.", n=letter_number(letter))))
    if not code_matches(berkas.classification.code, letter.classification.code):
        raise FilingError(str(_l(
            "Letter %(n)s has code %(c)s; this berkas holds letters of %(b)s.",
            n=letter_number(letter), c=letter.classification.code,
            b=berkas.classification.code)))
    existing = item_of(letter)
    if existing is not None:
        raise FilingError(str(_l("Letter %(n)s is already in berkas %(b)s.",
                                 n=letter_number(letter), b=existing.berkas.label)))


def file_letter(berkas: Berkas, letter: Letter, *, actor) -> BerkasItem:
    """File one letter the actor may see into an open berkas of their units."""
    numbering.begin_write()
    _check_filer(actor, berkas.unit_id)
    if berkas.status != "open":
        raise FilingError(str(_l("The berkas is closed; letters are filed only into an open "
                                 "berkas.")))
    _check_letter(berkas, letter, actor)
    item = BerkasItem(berkas_id=berkas.id, filed_by_id=actor.id)
    if isinstance(letter, IncomingLetter):
        item.incoming_letter_id = letter.id
    else:
        item.outgoing_letter_id = letter.id
    db.session.add(item)
    db.session.flush()
    audit.record("berkas.letter_filed", berkas, actor=actor,
                 data={"letter": _letter_ref(letter), "number": letter_number(letter)})
    return item


@dataclass
class BulkResult:
    filed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one message per letter not filed


def file_letters(berkas: Berkas, incoming_ids: list[int], outgoing_ids: list[int], *,
                 actor) -> BulkResult:
    """File several letters chosen from a list: each letter that fits is filed, each that
    does not is reported with its reason (the others are still filed)."""
    result = BulkResult()
    letters: list[Letter] = []
    if incoming_ids:
        letters += db.session.scalars(sa.select(IncomingLetter).where(
            IncomingLetter.id.in_(incoming_ids[:200])).order_by(IncomingLetter.id))
    if outgoing_ids:
        letters += db.session.scalars(sa.select(OutgoingLetter).where(
            OutgoingLetter.id.in_(outgoing_ids[:200])).order_by(OutgoingLetter.id))
    if len(letters) < len(set(incoming_ids[:200])) + len(set(outgoing_ids[:200])):
        result.refused.append(str(_l("Some letters were not found.")))
    for letter in letters:
        try:
            with db.session.begin_nested():
                file_letter(berkas, letter, actor=actor)
        except FilingError as exc:
            result.refused.append(str(exc))
        else:
            result.filed.append(letter_number(letter))
    return result


def unfile(item: BerkasItem, *, actor) -> None:
    """Take a letter filed by mistake out of a berkas that is still open."""
    numbering.begin_write()
    berkas = item.berkas
    _check_filer(actor, berkas.unit_id)
    if berkas.status != "open":
        raise FilingError(str(_l("The berkas is closed; its letters stay in it.")))
    letter = item.incoming_letter or item.outgoing_letter
    if not (can_view_letter(actor, letter) if item.incoming_letter_id
            else can_view_outgoing(actor, letter)):
        raise FilingError(str(_l("Letter not found.")))
    db.session.delete(item)
    audit.record("berkas.letter_removed", berkas, actor=actor,
                 data={"letter": _letter_ref(letter), "number": letter_number(letter)})


def item_count(berkas: Berkas) -> int:
    """Letters in the berkas, whoever may see them (for the rules, never shown as such)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(BerkasItem).where(
        BerkasItem.berkas_id == berkas.id)) or 0


def close_berkas(berkas: Berkas, *, actor, today: dt.date | None = None) -> Retention:
    """Close the berkas: no more letters go in, and its retention clock starts from
    today with the JRA entry of its code (copied onto the berkas)."""
    numbering.begin_write()
    _check_filer(actor, berkas.unit_id)
    if berkas.status != "open":
        raise FilingError(str(_l("The berkas is already closed.")))
    if item_count(berkas) == 0:
        raise FilingError(str(_l("The berkas is empty; file letters into it before closing "
                                 "it.")))
    from eoffice.letters.services import today_local

    today = today or today_local()
    retention = retention_of(berkas.classification)
    berkas.status, berkas.closed_on, berkas.closed_by_id = "closed", today, actor.id
    berkas.retention_active_years = retention.active_years
    berkas.retention_inactive_years = retention.inactive_years
    berkas.final_disposition = retention.final_disposition
    if retention.known:
        berkas.active_until = add_years(today, retention.active_years)
        berkas.inactive_until = add_years(berkas.active_until, retention.inactive_years)
    audit.record("berkas.closed", berkas, actor=actor, data={
        "active_until": berkas.active_until.isoformat() if berkas.active_until else None,
        "inactive_until": berkas.inactive_until.isoformat() if berkas.inactive_until else None,
        "final_disposition": berkas.final_disposition, "jra_code": retention.code})
    return retention


# --- Lists ----------------------------------------------------------------------------

@dataclass
class BerkasFilter:
    q: str = ""
    year: int | None = None
    status: str = ""
    unit_id: int | None = None


def berkas_query(user, filters: BerkasFilter) -> sa.Select:
    """The berkas ``user`` may see, with the filters, newest first."""
    query = sa.select(Berkas).options(joinedload(Berkas.classification),
                                      joinedload(Berkas.unit))
    scope = unit_scope(user)
    if scope is not None:
        query = query.where(Berkas.unit_id.in_(scope or {-1}))
    if filters.unit_id:
        query = query.where(Berkas.unit_id == filters.unit_id)
    if filters.year:
        query = query.where(Berkas.year == filters.year)
    if filters.status:
        query = query.where(Berkas.status == filters.status)
    text = " ".join((filters.q or "").split())[:100]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        codes = code_prefix(sa.select(Classification.id), text) if text[:1].isdigit() else None
        condition = Berkas.title.ilike(f"%{escaped}%", escape="\\")
        if codes is not None:
            condition = sa.or_(condition, Berkas.classification_id.in_(codes))
        query = query.where(condition)
    return query


def berkas_page(user, filters: BerkasFilter, *, cursor=None, per_page: int = 25,
                ) -> paging.KeysetPage:
    cursor = paging.fits(cursor, int)
    query = berkas_query(user, filters)
    descending = cursor is None or cursor.forward
    if cursor is not None:
        query = query.where(paging.after([Berkas.id], cursor.key, descending=descending))
    query = query.order_by(Berkas.id.desc() if descending else Berkas.id)
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    page = paging.page_from_rows(rows, per_page, cursor, lambda b: (b.id,))
    page.total, page.more_than = paging.capped_count(berkas_query(user, filters))
    return page


def items_query(berkas: Berkas, user) -> sa.Select:
    """The letters of the berkas that ``user`` may see, in filing order."""
    incoming = sa.and_(BerkasItem.incoming_letter_id.is_not(None),
                       _visible("incoming_letters", user, BerkasItem.incoming_letter_id))
    outgoing = sa.and_(BerkasItem.outgoing_letter_id.is_not(None),
                       _visible("outgoing_letters", user, BerkasItem.outgoing_letter_id))
    return (sa.select(BerkasItem)
            .options(selectinload(BerkasItem.incoming_letter)
                     .selectinload(IncomingLetter.classification),
                     selectinload(BerkasItem.outgoing_letter)
                     .selectinload(OutgoingLetter.classification),
                     selectinload(BerkasItem.outgoing_letter)
                     .selectinload(OutgoingLetter.recipients)
                     .joinedload(OutgoingRecipient.position))
            .where(BerkasItem.berkas_id == berkas.id, sa.or_(incoming, outgoing)))


def _visible(rule_name: str, user, column):
    """The letters' access rule (``eoffice.access``), asked for ``column`` (a letter id
    on the berkas item): the same grants the letter lists read."""
    from eoffice import access

    return access.visible_clause(access.rule(rule_name), user, column)


def items_page(berkas: Berkas, user, *, cursor=None, per_page: int = 25) -> paging.KeysetPage:
    cursor = paging.fits(cursor, int)
    query = items_query(berkas, user)
    forward = cursor is None or cursor.forward
    if cursor is not None:
        query = query.where(paging.after([BerkasItem.id], cursor.key, descending=not forward))
    query = query.order_by(BerkasItem.id if forward else BerkasItem.id.desc())
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    page = paging.page_from_rows(rows, per_page, cursor, lambda i: (i.id,))
    page.total, page.more_than = paging.capped_count(items_query(berkas, user))
    return page


def _code_ids(code: str) -> sa.Select:
    """Ids of the code and every code below it."""
    below = code_prefix(sa.select(Classification.id), code + ".")
    return sa.union(sa.select(Classification.id).where(Classification.code == code), below)


def candidates(berkas: Berkas, user, *, limit: int = CANDIDATES) -> tuple[list, list]:
    """Letters ``user`` may see that fit the open berkas and are in no berkas yet: its
    code or a code below, the berkas's year (agenda year, numbering year). What the
    bulk filing list offers."""
    codes = _code_ids(berkas.classification.code)
    incoming = list(db.session.scalars(
        sa.select(IncomingLetter).options(joinedload(IncomingLetter.classification))
        .where(IncomingLetter.classification_id.in_(codes),
               IncomingLetter.agenda_year == berkas.year,
               IncomingLetter.status.in_(INCOMING_FILEABLE),
               ~sa.exists().where(BerkasItem.incoming_letter_id == IncomingLetter.id),
               letter_access_clause(user))
        .order_by(IncomingLetter.received_date.desc(), IncomingLetter.id.desc()).limit(limit)))
    outgoing = list(db.session.scalars(
        sa.select(OutgoingLetter).options(joinedload(OutgoingLetter.classification))
        .where(OutgoingLetter.classification_id.in_(codes),
               OutgoingLetter.number_year == berkas.year,
               OutgoingLetter.status.in_(OUTGOING_FILEABLE),
               ~sa.exists().where(BerkasItem.outgoing_letter_id == OutgoingLetter.id),
               outgoing_access_clause(user))
        .order_by(OutgoingLetter.id.desc()).limit(limit)))
    return incoming, outgoing


@dataclass
class LetterFiling:
    """What a letter's page shows about pemberkasan."""

    item: BerkasItem | None
    can_file: bool
    choices: list[Berkas]
    berkas_visible: bool = False


def letter_filing(letter: Letter, user) -> LetterFiling:
    """The berkas holding the letter, or the open berkas of the user's units it could go
    into (those of its code or a parent code)."""
    item = item_of(letter)
    if item is not None:
        return LetterFiling(item, False, [], in_scope(user, item.berkas.unit_id)
                            and can(user, "records.view"))
    fileable = (letter.status in INCOMING_FILEABLE if isinstance(letter, IncomingLetter)
                else letter.status in OUTGOING_FILEABLE)
    if not can(user, "records.file") or not fileable or letter.classification is None:
        return LetterFiling(None, can(user, "records.file") and fileable, [])
    code = letter.classification.code
    parts = code.split(".")
    ancestors = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    query = (sa.select(Berkas).options(joinedload(Berkas.classification), joinedload(Berkas.unit))
             .join(Classification, Classification.id == Berkas.classification_id)
             .where(Berkas.status == "open", Classification.code.in_(ancestors))
             .order_by(Berkas.year.desc(), Berkas.id.desc()).limit(SEARCH_LIMIT))
    scope = unit_scope(user)
    if scope is not None:
        query = query.where(Berkas.unit_id.in_(scope or {-1}))
    return LetterFiling(None, True, list(db.session.scalars(query)))
