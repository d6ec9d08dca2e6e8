"""Rules of incoming letters, shared by the views, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload, selectinload

from eoffice import access, audit, events, files, numbering, paging
from eoffice.archive.models import Classification
from eoffice.db import utcnow
from eoffice.dispositions.models import Disposition, DispositionRecipient
from eoffice.extensions import db
from eoffice.letters import access as letter_rules
from eoffice.letters.models import (
    LETTER_STATUSES,
    SECURITY_LEVELS,
    SPEED_LEVELS,
    IncomingLetter,
    LetterAttachment,
    LetterRecipient,
)
from eoffice.org.models import Position, Unit
from eoffice.security import (
    held_position_ids,
    held_positions,
    letter_access_clause,
    user_unit_id,
)
from eoffice.series import services as series_services
from eoffice.ui import to_local

AGENDA_SERIES = "agenda"
OBJECT_TYPE = "incoming_letters"


class LetterError(ValueError):
    """Errors by field; ``errors`` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def today_local() -> dt.date:
    return to_local(utcnow()).date()


@dataclass
class LetterInput:
    sender: str
    sender_number: str
    letter_date: dt.date | None
    received_date: dt.date | None
    subject: str
    summary: str = ""
    classification_id: int | None = None
    security: str = "B"
    speed: str = "biasa"
    physical_attachments: int = 0
    to_positions: list[int] = field(default_factory=list)
    cc_positions: list[int] = field(default_factory=list)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content)
    confirm_duplicate: bool = False
    # The OPD whose agenda book the letter goes in; only a central clerk may choose one
    # (``eoffice.series.services.is_region_wide``). None: the clerk's own OPD.
    agenda_opd_id: int | None = None


def find_duplicates(sender: str, sender_number: str, year: int, user,
                    exclude_id: int | None = None) -> list[IncomingLetter]:
    """Letters of the same year with the same sender and sender's number, registered
    by ``user``'s unit and visible to ``user``.

    Another unit registering its own copy of a circular is no duplicate, and the
    warning never reveals a letter the clerk may not see (an R/SR letter of a colleague).
    """
    unit_id = user_unit_id(user)
    query = sa.select(IncomingLetter).where(
        sa.func.lower(IncomingLetter.sender) == sender.strip().lower(),
        sa.func.lower(IncomingLetter.sender_number) == sender_number.strip().lower(),
        IncomingLetter.agenda_year == year,
        IncomingLetter.registering_unit_id == unit_id if unit_id is not None
        else IncomingLetter.registered_by_id == user.id,
        letter_access_clause(user))
    if exclude_id:
        query = query.where(IncomingLetter.id != exclude_id)
    return list(db.session.scalars(query))


def check_input(data: LetterInput) -> tuple[dict[str, str], list[files.CheckedUpload]]:
    errors: dict[str, str] = {}
    today = today_local()
    if not data.sender.strip():
        errors["sender"] = str(_l("Who sent the letter?"))
    if not data.sender_number.strip():
        errors["sender_number"] = str(_l("The sender's letter number is required."))
    if not data.subject.strip():
        errors["subject"] = str(_l("The subject (perihal) is required."))
    if data.letter_date is None:
        errors["letter_date"] = str(_l("The letter date is required."))
    elif data.letter_date > today:
        errors["letter_date"] = str(_l("The letter date is in the future."))
    if data.received_date is None:
        errors["received_date"] = str(_l("The date received is required."))
    elif data.received_date > today:
        errors["received_date"] = str(_l("The date received is in the future."))
    elif data.letter_date and data.received_date < data.letter_date:
        errors["received_date"] = str(_l("A letter cannot be received before it was written."))
    if data.security not in SECURITY_LEVELS:
        errors["security"] = str(_l("Unknown security level."))
    if data.speed not in SPEED_LEVELS:
        errors["speed"] = str(_l("Unknown speed level."))
    if data.physical_attachments < 0 or data.physical_attachments > 10000:
        errors["physical_attachments"] = str(_l("Between 0 and 10000."))
    if data.classification_id is not None:
        item = db.session.get(Classification, data.classification_id)
        if item is None or not item.active:
            errors["classification_id"] = str(_l("Choose an active classification code."))
    if not data.to_positions:
        errors["to_positions"] = str(_l("Choose at least one addressee position."))
    wanted = set(data.to_positions) | set(data.cc_positions)
    if wanted:
        found = set(db.session.scalars(sa.select(Position.id).where(
            Position.id.in_(wanted), Position.active.is_(True))))
        if wanted - found:
            errors["to_positions"] = str(_l("An addressee or copy position does not exist."))
    if set(data.to_positions) & set(data.cc_positions):
        errors["cc_positions"] = str(_l("A position cannot be both addressee and copy."))
    checked, problem = files.check_uploads(data.uploads)
    if problem:
        errors["files"] = problem
    return errors, checked


def register_letter(data: LetterInput, *, actor) -> IncomingLetter:
    """Register an incoming letter and issue its agenda number, in one transaction.

    Raises LetterError (nothing saved) for wrong input, or with the key
    ``duplicate`` when the clerk's unit registered the same sender and number this
    year (``find_duplicates``) and the clerk has not confirmed.
    """
    errors, uploads = check_input(data)
    if errors:
        raise LetterError(errors)
    year = data.received_date.year
    actor_id, unit_id = actor.id, user_unit_id(actor)
    # Duplicates are looked for under the agenda counter's lock, so two clerks
    # registering the same letter at the same moment cannot both miss the other.
    numbering.begin_write()
    opd = agenda_opd_for(actor, data.agenda_opd_id)
    classification = (db.session.get(Classification, data.classification_id)
                      if data.classification_id else None)
    try:
        series = series_services.series_for(AGENDA_SERIES, opd, classification)
    except series_services.SeriesError as exc:
        raise LetterError({"agenda_opd": str(exc)}) from exc
    code = classification.code if classification else ""
    numbering.lock(*series_services.counter_of(series, year, code))
    if not data.confirm_duplicate:
        duplicates = find_duplicates(data.sender, data.sender_number, year, actor)
        if duplicates:
            raise LetterError({"duplicate": str(_l(
                "%(s)s number %(n)s was already registered this year as agenda %(a)s. "
                "Register it again anyway?", s=data.sender.strip(), n=data.sender_number.strip(),
                a=", ".join(d.agenda_number for d in duplicates)))})
    try:
        issued = series_services.issue(series, data.received_date, agenda_fields(
            opd, db.session.get(Unit, unit_id) if unit_id else None, code))
    except series_services.SeriesError as exc:
        raise LetterError({"agenda_opd": str(exc)}) from exc
    agenda_number = issued.number
    letter = IncomingLetter(
        agenda_number=agenda_number, agenda_year=year, agenda_seq=issued.seq,
        agenda_counter=issued.key, agenda_opd_id=opd.id if opd else None,
        sender=data.sender.strip(), sender_number=data.sender_number.strip(),
        letter_date=data.letter_date, received_date=data.received_date,
        subject=data.subject.strip(), summary=(data.summary or "").strip() or None,
        classification_id=data.classification_id, security=data.security, speed=data.speed,
        physical_attachments=data.physical_attachments, registered_by_id=actor_id,
        registering_unit_id=unit_id,
    )
    letter.recipients = [LetterRecipient(position_id=p, kind="to") for p in data.to_positions] + [
        LetterRecipient(position_id=p, kind="cc") for p in data.cc_positions]
    for upload in uploads:
        stored = files.store(upload)
        letter.attachments.append(LetterAttachment(file=stored, filename=upload.filename))
    db.session.add(letter)
    db.session.flush()
    audit.record("letter.registered", letter, actor=actor, data={
        "agenda_number": agenda_number, "files": len(uploads),
        "duplicate_confirmed": bool(data.confirm_duplicate)})
    emit_registered(letter, actor=actor)
    return letter


def emit_registered(letter: IncomingLetter, *, actor) -> None:
    """Tell the addressees (``letter_registered``) and the copy positions
    (``copy_received``) that the letter is theirs: domain events, after the commit."""
    data = {"agenda_number": letter.agenda_number}
    for name, kind in (("letter_registered", "to"), ("copy_received", "cc")):
        positions = [r.position_id for r in letter.recipients if r.kind == kind]
        if positions:
            events.emit(name, "incoming_letters", letter.id, actor=actor, positions=positions,
                        restricted=letter.is_restricted, data=data)


def agenda_opd_for(actor, chosen_id: int | None) -> Unit | None:
    """The OPD whose agenda book a letter registered by ``actor`` goes in: the one a
    central clerk chose, else the OPD of the clerk's unit (None: the region's book).
    A choice by anyone else is ignored: their letters always go in their own book."""
    own = series_services.user_opd(actor)
    if chosen_id is None or (own is not None and chosen_id == own.id):
        return own
    if not series_services.is_region_wide(actor):
        return own
    unit = db.session.get(Unit, chosen_id)
    if unit is None or series_services.opd_of(unit) is not unit:
        raise LetterError({"agenda_opd": str(_l("Choose an OPD."))})
    return unit


def issue_agenda(opd: Unit | None, when: dt.date, *, unit: Unit | None = None,
                 classification: Classification | None = None) -> series_services.Issued:
    """The next agenda number of ``opd``'s book (None: the region's), for a letter that
    arrives through the system (sent inside the region, or from another region's app).
    Raises SeriesError when no active series covers it."""
    series = series_services.series_for(AGENDA_SERIES, opd, classification)
    return series_services.issue(series, when, agenda_fields(
        opd, unit, classification.code if classification else ""))


def agenda_fields(opd: Unit | None, unit: Unit | None, code: str = "") -> dict[str, str]:
    """What an agenda pattern's placeholders show: the classification code, the
    registering unit's code and the OPD's."""
    return {"code": code, "unit": unit.code if unit else "", "opd": opd.code if opd else "",
            "type": ""}


def mark_read(letter: IncomingLetter, user) -> bool:
    """The holder of an addressee or copy position opens the letter: it becomes read.
    An acting official (Plt/Plh) reads it for the position they act for."""
    from eoffice.security import acting_capacity

    held = {p.id: p for p in held_positions(user)}
    if not any(r.position_id in held and r.read_at is None for r in letter.recipients):
        return False
    numbering.begin_write()  # may reload the letter: the loop below reads it afresh
    changed = False
    for recipient in letter.recipients:
        if recipient.position_id in held and recipient.read_at is None:
            recipient.read_at, recipient.read_by_id = utcnow(), user.id
            data = {"position": held[recipient.position_id].name, "kind": recipient.kind}
            capacity = acting_capacity(user, recipient.position_id)
            if capacity:
                data |= {"capacity": capacity, "for_position": data["position"]}
            audit.record("letter.read", letter, actor=user, data=data)
            changed = True
    return changed


def can_cancel(letter: IncomingLetter, user) -> bool:
    from eoffice.security import can

    return letter.status != "cancelled" and can(user, "letters.register") and (
        letter.registered_by_id == user.id or letter.registering_unit_id == user_unit_id(user))


def cancel_letter(letter: IncomingLetter, reason: str, *, actor) -> None:
    numbering.begin_write()
    if not can_cancel(letter, actor):
        raise LetterError({"reason": str(_l("You may not cancel this letter."))})
    if not (reason or "").strip():
        raise LetterError({"reason": str(_l("Give the reason for cancelling."))})
    letter.status, letter.cancel_reason = "cancelled", reason.strip()
    audit.record("letter.cancelled", letter, actor=actor, data={"reason": reason.strip()})


def addressee_position_of(letter: IncomingLetter, user) -> Position | None:
    """The addressee position of ``letter`` that ``user`` holds (their own first, then
    one they act for), if any."""
    for position in held_positions(user):
        if any(r.kind == "to" and r.position_id == position.id for r in letter.recipients):
            return position
    return None


def file_letter(letter: IncomingLetter, note: str, *, actor) -> None:
    """The head decides no disposition is needed: the letter is filed (diarsipkan)."""
    numbering.begin_write()
    if letter.status != "registered" or addressee_position_of(letter, actor) is None:
        raise LetterError({"note": str(_l("Only the addressee can file this letter."))})
    if letter.dispositions:
        raise LetterError({"note": str(_l("The letter already has dispositions."))})
    letter.status, letter.filed_note = "filed", (note or "").strip() or None
    audit.record("letter.filed", letter, actor=actor, data={"note": letter.filed_note})


# --- Lists ---------------------------------------------------------------------------

@dataclass
class LetterFilter:
    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    classification_id: int | None = None
    security: str = ""
    speed: str = ""
    status: str = ""
    sender: str = ""
    queue: str = ""  # to_read, copies, registered_by_me


def visible_letter(letter_id: int, user) -> IncomingLetter | None:
    """The letter when it exists and ``user`` may see it, else None (the caller says 404)."""
    from eoffice.security import can_view_letter

    letter = db.session.get(IncomingLetter, letter_id)
    return letter if letter is not None and can_view_letter(user, letter) else None


def visible_letters(user) -> sa.Select:
    return sa.select(IncomingLetter).where(letter_access_clause(user))


# A list shows "more than 1,000" rather than counting every letter a user may see.
COUNT_CAP = 1000
# A classification filter matching at most this many letters is read from the
# classification index; a broader one walks the user's grants instead.
SELECTIVE = 5000
def list_options() -> tuple:
    """What a letters list shows of each letter, loaded with it."""
    return (joinedload(IncomingLetter.classification),
            selectinload(IncomingLetter.recipients).joinedload(LetterRecipient.position))


def _classification_ids(classification_id: int | None) -> list[int] | None:
    """The code chosen and every code below it (None: no filter)."""
    if not classification_id:
        return None
    code = db.session.scalar(sa.select(Classification.code).where(
        Classification.id == classification_id))
    if code is None:
        return None
    return list(db.session.scalars(sa.select(Classification.id).where(sa.or_(
        Classification.code == code, Classification.code.like(code + ".%")))))


def _letter_conditions(filters: LetterFilter, codes: list[int] | None,
                       letter=IncomingLetter) -> list[sa.ColumnElement]:
    """Conditions on the letter's own columns (status, security, ...)."""
    out = []
    if filters.security in SECURITY_LEVELS:
        out.append(letter.security == filters.security)
    if filters.speed in SPEED_LEVELS:
        out.append(letter.speed == filters.speed)
    if filters.status in LETTER_STATUSES:
        out.append(letter.status == filters.status)
    if codes is not None:
        out.append(letter.classification_id.in_(codes))
    return out


def _text_queries(filters: LetterFilter) -> list[tuple]:
    """(query, field) of the search words (every field) and of the sender filter."""
    from eoffice.search.text import parse

    out = []
    for text, column in ((filters.q, None), (filters.sender, "parties")):
        query = parse(text)
        if query is not None:
            out.append((query, column))
    return out


def _queue_conditions(filters: LetterFilter, user, letter) -> list[sa.ColumnElement]:
    """The queue's conditions on ``letter`` (an alias of IncomingLetter)."""
    if filters.queue in ("to_read", "copies"):
        return [letter.id.in_(sa.select(LetterRecipient.letter_id).where(
            LetterRecipient.position_id.in_(held_position_ids(user)),
            LetterRecipient.kind == ("to" if filters.queue == "to_read" else "cc"),
            LetterRecipient.read_at.is_(None))), letter.status == "registered"]
    if filters.queue == "registered_by_me":
        return [letter.registered_by_id == user.id]
    return []


def _date_conditions(filters: LetterFilter, letter) -> list[sa.ColumnElement]:
    out = []
    if filters.date_from:
        out.append(letter.received_date >= filters.date_from)
    if filters.date_to:
        out.append(letter.received_date <= filters.date_to)
    return out


def _select_keys(conditions, *, columns, key, forward, limit,
                 distinct: bool = False) -> list[tuple]:
    """The keys (``columns``) of the letters matching ``conditions``, in list order
    after ``key`` (or before it going back)."""
    query = sa.select(*columns).where(*conditions)
    if distinct:
        query = query.distinct()
    if key is not None:
        query = query.where(paging.after(columns, key, forward))
    order = [c.desc() if forward else c.asc() for c in columns]
    return [tuple(row) for row in db.session.execute(query.order_by(*order).limit(limit))]


def _count(conditions) -> tuple[int, bool]:
    query = sa.select(IncomingLetter.id).where(*conditions)
    number = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.limit(COUNT_CAP + 1).subquery())) or 0
    return min(number, COUNT_CAP), number > COUNT_CAP


def _narrow_text_ids(queries: list[tuple]) -> list[int] | None:
    """Ids of the letters every text filter matches, when one of them matches few
    (whoever may see them); None when each matches many."""
    from eoffice.search import services as search
    from eoffice.search.index import source

    found: set[int] | None = None
    for query, column in queries:
        ids = search.match_ids(source("incoming_letters"), query, column=column)
        if ids is not None:
            found = set(ids) if found is None else found & set(ids)
    return sorted(found) if found is not None else None


def _few(codes: list[int]) -> bool:
    letter = IncomingLetter
    return (db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(letter.id).where(letter.classification_id.in_(codes))
        .limit(SELECTIVE + 1).subquery())) or 0) <= SELECTIVE


def letter_key(letter: IncomingLetter) -> tuple[int, int]:
    """A letter's place in a list: (day received, id), newest first."""
    return access.day_number(letter.received_date), letter.id


def search_key(letter: IncomingLetter) -> tuple[int]:
    """A letter's place in a list filtered by words: its id, the latest registered first."""
    return (letter.id,)


def letter_page(filters: LetterFilter, user, *, cursor: paging.Cursor | None = None,
                per_page: int = 25, count: bool = True) -> paging.KeysetPage:
    """One page of the letters ``user`` may see that match ``filters``.

    Without search words the list is newest received first, keyed by (day, id); with
    search words or a sender it is the latest registered first (the agenda's order),
    keyed by id, because that is the order the full-text index can give cheaply.
    Which index answers depends on the filters, so that no page reads much more than
    it shows:

    - search words or a sender matching few letters: those ids (full-text index),
      each checked against the grants; matching many: the matches, newest first,
      probed against the grants (``search.newest_matches``);
    - the "to read" and "copies" queues: the recipients' unread index;
    - a narrow classification code: the classification index;
    - otherwise the user's access grants, newest first, each other filter checked as
      the scan goes.

    The first page counts, up to ``COUNT_CAP``, where counting stays cheap.
    """
    letter = IncomingLetter
    queries = _text_queries(filters)
    searching = bool(queries)
    # A cursor of the other kind of list, or forged: start from the top.
    cursor = paging.fits(cursor, int) if searching else paging.fits(cursor, int, int)
    if cursor is not None and not searching:
        try:
            access.from_day_number(cursor.key[0])
        except OverflowError:
            cursor = None
    key = cursor.key if cursor is not None else None
    forward = cursor is None or cursor.forward
    limit = per_page + 1
    codes = _classification_ids(filters.classification_id)
    counting = count and cursor is None
    total: tuple[int, bool] | None = None
    visible = letter_access_clause(user)

    def own(alias) -> list[sa.ColumnElement]:
        return [*_letter_conditions(filters, codes, alias),
                *_queue_conditions(filters, user, alias), *_date_conditions(filters, alias)]

    if searching:
        narrow = _narrow_text_ids(queries)
        if narrow is not None:
            conditions = [letter.id.in_(narrow), visible, *own(letter)]
            keys = _select_keys(conditions, columns=(letter.id,), key=key, forward=forward,
                                limit=limit)
            if counting:
                total = _count(conditions)
        else:
            from eoffice.search import services as search
            from eoffice.search.index import source

            query, column = queries[0]
            others = queries[1:]

            def where(object_id):
                inner = aliased(IncomingLetter)
                parts = [search.match_condition(source("incoming_letters"), q, object_id, c)
                         for q, c in others]
                mine = own(inner)
                if mine:
                    parts.append(sa.exists().where(inner.id == object_id, *mine))
                return sa.and_(*parts) if parts else sa.true()

            ids = search.newest_matches(
                source("incoming_letters"), query, user, limit=limit, column=column,
                where=where, before=key[0] if key and forward else None,
                after=key[0] if key and not forward else None)
            keys = [(i,) for i in ids]
    elif filters.queue in ("to_read", "copies"):
        # One range of the partial index of unread recipients, newest first; each letter
        # checked (status, filters, the rule) as the scan goes.
        held = held_position_ids(user)
        recipient = aliased(LetterRecipient)
        inner = aliased(IncomingLetter)
        conditions = [recipient.position_id.in_(held),
                      recipient.kind == ("to" if filters.queue == "to_read" else "cc"),
                      recipient.letter_open == sa.true(), recipient.read_at.is_(None)]
        # An addressee of a registered letter always holds a grant (letters/access.py);
        # a copy of an R or SR letter does not, so copies are checked against the rule.
        mine = _letter_conditions(filters, codes, inner)
        if filters.queue == "copies":
            mine.append(letter_rules.access_clause(user, inner.id))
        if mine:
            conditions.append(sa.exists().where(inner.id == recipient.letter_id, *mine))
        if filters.date_from:
            conditions.append(recipient.received_date >= filters.date_from)
        if filters.date_to:
            conditions.append(recipient.received_date <= filters.date_to)
        # A letter to two positions the user holds (their own and one they act for) is
        # listed once.
        keys = _select_keys(conditions, columns=(recipient.received_date, recipient.letter_id),
                            key=(access.from_day_number(key[0]), key[1]) if key else None,
                            forward=forward, limit=limit, distinct=len(held) > 1)
        keys = [(access.day_number(day), letter_id) for day, letter_id in keys]
        if counting:
            query = sa.select(recipient.letter_id).where(*conditions)
            if len(held) > 1:
                query = query.distinct()
            number = db.session.scalar(sa.select(sa.func.count()).select_from(
                query.limit(COUNT_CAP + 1).subquery())) or 0
            total = (min(number, COUNT_CAP), number > COUNT_CAP)
    else:
        conditions = None
        if codes is not None and _few(codes):
            inner = aliased(IncomingLetter)
            conditions = [letter.id.in_(sa.select(inner.id).where(
                inner.classification_id.in_(codes)))]
        if conditions is not None:
            # ``letter.id IN (...)``: both databases read the letters by primary key for
            # each id the narrow index gives, whatever the planner's statistics say.
            conditions += [visible, *own(letter)]
            keys = _select_keys(conditions, columns=(letter.received_date, letter.id),
                                key=(access.from_day_number(key[0]), key[1]) if key else None,
                                forward=forward, limit=limit)
            keys = [(access.day_number(day), letter_id) for day, letter_id in keys]
            if counting:
                total = _count(conditions)
        else:
            rule = letter_rules.RULE
            only = [(access.USER, user.id)] if filters.queue == "registered_by_me" else None
            filtered = _letter_conditions(filters, codes)

            def where(object_id):
                inner = aliased(IncomingLetter)
                return sa.exists().where(inner.id == object_id,
                                         *_letter_conditions(filters, codes, inner))

            bounds = {"lowest": access.day_number(filters.date_from) if filters.date_from
                      else None,
                      "highest": access.day_number(filters.date_to) if filters.date_to
                      else None}
            keys = access.newest(rule, user, limit=limit, key=key, newest_first=forward,
                                 where=where if filtered else None, grantees=only, **bounds)
            # Counting under a filter checked row by row could read every grant of the
            # user (a rare status among a million letters): the count is then left out,
            # unless this one page holds everything.
            if counting and not filtered:
                total = access.count_capped(rule, user, cap=COUNT_CAP, grantees=only,
                                            **bounds)
    if counting and total is None and len(keys) <= per_page:
        total = (len(keys), False)
    ids = [k[-1] for k in keys]
    loaded = {item.id: item for item in db.session.scalars(
        sa.select(IncomingLetter).where(IncomingLetter.id.in_(ids)).options(*list_options()))}
    page = paging.page_from_rows([loaded[i] for i in ids if i in loaded], per_page, cursor,
                                 search_key if searching else letter_key)
    if total is not None:
        number, capped = total
        if capped:
            page.more_than = COUNT_CAP
        else:
            page.total = number
    return page


def queue_counts(user) -> dict[str, int]:
    """Counters for the dashboard: letters to read, unread copies, registered by me."""
    from eoffice.dispositions.services import disposition_queue_counts

    held = held_position_ids(user)

    def unread(kind: str):
        # Counted from the partial index of unread recipients: exact, and as cheap as
        # the queue is short, however many letters there are. An addressee always holds
        # a grant of a registered letter (the rule, letters/access.py); a copy of an R or
        # SR letter does not, so copies are checked against the grants.
        recipient = aliased(LetterRecipient)
        conditions = [recipient.position_id.in_(held), recipient.kind == kind,
                      recipient.letter_open == sa.true(), recipient.read_at.is_(None)]
        if kind == "cc":
            conditions.append(sa.exists().where(IncomingLetter.id == recipient.letter_id,
                                                letter_access_clause(user)))
        counted = sa.func.count(sa.distinct(recipient.letter_id)) if len(held) > 1 else \
            sa.func.count()
        return sa.select(counted).select_from(recipient).where(
            *conditions).scalar_subquery()

    mine = sa.select(sa.func.count()).select_from(IncomingLetter).where(
        IncomingLetter.registered_by_id == user.id).scalar_subquery()
    to_read, copies, registered = db.session.execute(
        sa.select(unread("to"), unread("cc"), mine)).one()
    counts = {"to_read": to_read or 0, "copies": copies or 0,
              "registered_by_me": registered or 0}
    counts.update(disposition_queue_counts(user))
    return counts


def received_today_count(user) -> int:
    """Letters received today in the agenda book the user keeps (their OPD's, or the
    region's own): the clerk's "agenda today", read from the (book, day) index."""
    opd = agenda_book_opd(user, None)
    book = IncomingLetter.agenda_opd_id == opd.id if opd is not None else \
        IncomingLetter.agenda_opd_id.is_(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter).where(
        book, IncomingLetter.received_date == today_local())) or 0


def recent_senders(user, limit: int = 300) -> list[str]:
    """Distinct earlier senders of letters ``user`` may see, most recent first, for
    suggestions (the sender of a letter one may not see is not suggested either)."""
    # The senders of the newest letters the user may see (read through the grants),
    # not of every letter: a region's decade would make this form slow.
    keys = access.newest(letter_rules.RULE, user, limit=limit * 10)
    ids = [object_id for _, object_id in keys]
    rows = db.session.execute(
        sa.select(IncomingLetter.sender, sa.func.max(IncomingLetter.id).label("last"))
        .where(IncomingLetter.id.in_(ids))
        .group_by(IncomingLetter.sender).order_by(sa.desc("last")).limit(limit))
    return [r.sender for r in rows]


def timeline(letter: IncomingLetter) -> list[audit.AuditEvent]:
    return audit.events_for(OBJECT_TYPE, letter.id)


@dataclass
class AgendaRow:
    """One line of the agenda book: the letter and what the book says about it.

    ``dispositions`` and ``notes`` come from the first-level dispositions only (those
    written from the letter's addressee): the book records where the letter went, not
    what happened further down. ``cancelled_on`` is the day of the audit event that
    cancelled it (the letter itself keeps only the reason)."""

    letter: IncomingLetter
    dispositions: str = ""
    notes: str = ""
    cancelled_on: dt.date | None = None

    @property
    def cancelled_text(self) -> str:
        """The marker the exports carry, in Indonesian like the rest of the book."""
        if self.letter.status != "cancelled":
            return ""
        day = f" {self.cancelled_on.isoformat()}" if self.cancelled_on else ""
        return f"DIBATALKAN{day}: {self.letter.cancel_reason or ''}".rstrip(": ")


def _agenda_row(letter: IncomingLetter, cancelled_on: dt.date | None) -> AgendaRow:
    dispositions, notes = [], []
    for disposition in letter.dispositions:
        if disposition.parent_recipient_id is not None:
            continue
        instructions = ", ".join(i.text for i in disposition.instructions)
        for recipient in disposition.recipients:
            if recipient.status == "cancelled":
                continue
            name = recipient.position.name
            dispositions.append(f"{name}: {instructions}" if instructions else name)
        if disposition.note and disposition.note.strip():
            notes.append(disposition.note.strip())
    if letter.filed_note and letter.filed_note.strip():
        notes.append(letter.filed_note.strip())
    return AgendaRow(letter, "; ".join(dispositions), "; ".join(notes), cancelled_on)


def agenda_book_opd(user, chosen_id: int | None) -> Unit | None:
    """Whose agenda book ``user`` reads: their own OPD's, or for a central clerk the
    OPD they chose (None: the region's own book)."""
    own = series_services.user_opd(user)
    if chosen_id is None or not series_services.is_region_wide(user):
        return own
    unit = db.session.get(Unit, chosen_id)
    return unit if unit is not None and series_services.opd_of(unit) is unit else own


def agenda_rows(user, date_from: dt.date, date_to: dt.date, opd: Unit | None = None,
                ) -> list[AgendaRow]:
    """The agenda book of ``opd`` (None: the region's own book): letters received in the
    range that the user may see, in order, with their first-level dispositions and
    notes. Only letters the user may see are read, so no disposition note of another
    letter can reach the book. A fixed number of statements whatever the number of rows
    (the dispositions are loaded in bulk)."""
    query = visible_letters(user).options(
        joinedload(IncomingLetter.classification),
        selectinload(IncomingLetter.recipients).joinedload(LetterRecipient.position),
        selectinload(IncomingLetter.dispositions).options(
            selectinload(Disposition.instructions),
            selectinload(Disposition.recipients).joinedload(DispositionRecipient.position)),
    ).where(IncomingLetter.received_date >= date_from, IncomingLetter.received_date <= date_to,
            IncomingLetter.agenda_opd_id == opd.id if opd is not None
            else IncomingLetter.agenda_opd_id.is_(None))
    letters = list(db.session.scalars(query.order_by(
        IncomingLetter.agenda_year, IncomingLetter.agenda_counter, IncomingLetter.agenda_seq)))
    cancelled = [str(letter.id) for letter in letters if letter.status == "cancelled"]
    cancelled_on: dict[str, dt.date] = {}
    if cancelled:
        for object_id, occurred_at in db.session.execute(
                sa.select(audit.AuditEvent.object_id, sa.func.max(audit.AuditEvent.occurred_at))
                .where(audit.AuditEvent.action == "letter.cancelled",
                       audit.AuditEvent.object_type == OBJECT_TYPE,
                       audit.AuditEvent.object_id.in_(cancelled))
                .group_by(audit.AuditEvent.object_id)):
            cancelled_on[object_id] = to_local(occurred_at).date()
    return [_agenda_row(letter, cancelled_on.get(str(letter.id))) for letter in letters]
