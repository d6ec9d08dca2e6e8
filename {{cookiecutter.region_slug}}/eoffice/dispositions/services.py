"""Rules of dispositions: who may dispose to whom, statuses, due dates, the tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from eoffice import audit, events, files, numbering
from eoffice.db import utcnow
from eoffice.dispositions.models import (
    OPEN_STATUSES,
    Disposition,
    DispositionInstruction,
    DispositionRecipient,
)
from eoffice.extensions import db
from eoffice.letters.models import IncomingLetter
from eoffice.org.models import Position, Unit
from eoffice.security import acting_capacity, held_position_ids, holds, positions_below

# Dispositions and their recipients are linked both ways (a forward points at the
# recipient row it came from), so joins name their condition.
_ON_DISPOSITION = DispositionRecipient.disposition_id == Disposition.id

STANDARD_INSTRUCTIONS = [
    "Tanggapan dan saran",
    "Proses lebih lanjut",
    "Koordinasikan/konfirmasikan",
    "Hadiri/wakili",
    "Siapkan bahan/laporan",
    "Arsipkan/untuk diketahui",
]


class DispositionError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _letter_event(action: str, letter_id: int, actor, data: dict) -> None:
    """Disposition events are recorded on the letter, so its timeline reads them."""
    audit.record(action, ("incoming_letters", letter_id), actor=actor, data=data)


# --- Due dates -----------------------------------------------------------------------

def due_days(speed: str) -> int:
    key = {"amat_segera": "DUE_DAYS_AMAT_SEGERA", "segera": "DUE_DAYS_SEGERA",
           "penting": "DUE_DAYS_PENTING"}.get(speed, "DUE_DAYS_BIASA")
    return current_app.config[key]


def add_working_days(start: dt.date, days: int, holidays: set[dt.date] | None = None) -> dt.date:
    """``days`` working days after ``start``, skipping weekends and holidays."""
    holidays = holidays or set()
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def configured_holidays() -> set[dt.date]:
    out = set()
    for text in current_app.config["HOLIDAYS"]:
        try:
            out.add(dt.date.fromisoformat(text))
        except ValueError:
            continue  # `flask eoffice check` reports malformed dates
    return out


def default_due_date(speed: str, start: dt.date) -> dt.date:
    return add_working_days(start, due_days(speed), configured_holidays())


def latest_due_date(from_recipient: DispositionRecipient | None, today: dt.date) -> dt.date | None:
    """The latest due date a forward may carry: the forwarder's own (today when that has
    already passed, so an overdue disposition can still be forwarded at once)."""
    own = from_recipient.disposition.due_date if from_recipient is not None else None
    return max(own, today) if own is not None else None


def proposed_due_date(letter: IncomingLetter, from_recipient: DispositionRecipient | None,
                      today: dt.date) -> dt.date:
    """The due date a new disposition gets when none is chosen: from the letter's speed,
    within the forwarder's own."""
    due = default_due_date(letter.speed, today)
    latest = latest_due_date(from_recipient, today)
    return min(due, latest) if latest is not None else due


# --- Who may dispose to whom ---------------------------------------------------------

def target_choices(from_position: Position) -> list[tuple[int, str]]:
    """Positions below ``from_position`` (in the tree), as choices, nearest first."""
    below = positions_below(from_position.id) - {from_position.id}
    if not below:
        return []
    rows = db.session.execute(
        sa.select(Position).options(joinedload(Position.holder), joinedload(Position.unit))
        .where(Position.id.in_(below), Position.active.is_(True))
        .order_by(Position.parent_id != from_position.id, Position.sort_order, Position.name)
    ).scalars()
    return [(p.id, f"{p.name}" + (f" \u2013 {p.holder.full_name}" if p.holder else
                                  f" ({_l('vacant')})")) for p in rows]


def open_recipient_for(letter: IncomingLetter, position: Position) -> DispositionRecipient | None:
    """The user's open disposition row on this letter, if they received one."""
    return db.session.scalar(
        sa.select(DispositionRecipient).join(Disposition, _ON_DISPOSITION).where(
            Disposition.letter_id == letter.id,
            DispositionRecipient.position_id == position.id,
            DispositionRecipient.status.in_(OPEN_STATUSES)).order_by(DispositionRecipient.id))


@dataclass
class DispositionInput:
    to_positions: list[int] = field(default_factory=list)
    instruction_ids: list[int] = field(default_factory=list)
    note: str = ""
    due_date: dt.date | None = None


def dispose(letter: IncomingLetter, data: DispositionInput, *, actor,
            from_recipient: DispositionRecipient | None = None) -> Disposition:
    """Write a disposition on ``letter`` from the actor's position.

    Top level: the actor holds an addressee position of the letter. Forward
    (re-disposisi): the actor holds ``from_recipient``'s position, still open.
    Recipients must be below that position in the tree. "Holds" includes acting for
    the position (Plt/Plh) today: the disposition is then written from the position
    they act for, and the event says so.
    """
    from eoffice.letters.services import addressee_position_of, today_local

    numbering.begin_write()
    if from_recipient is None:
        position = addressee_position_of(letter, actor)
    else:
        position = from_recipient.position if holds(actor, from_recipient.position_id) \
            else None
    errors: dict[str, str] = {}
    if letter.status == "cancelled":
        raise DispositionError({"to_positions": str(_l("The letter was cancelled."))})
    if letter.status != "registered":  # filed (no disposition needed) or awaiting a clerk
        raise DispositionError({"to_positions": str(_l(
            "This letter is not open for dispositions."))})
    if from_recipient is None:
        if position is None:
            raise DispositionError({"to_positions": str(_l(
                "Only the holder of an addressee position can write a disposition on this "
                "letter."))})
    elif position is None or not from_recipient.is_open:
        raise DispositionError({"to_positions": str(_l("This disposition is not open for you."))})
    allowed = positions_below(position.id) - {position.id}
    targets = list(dict.fromkeys(data.to_positions))
    if not targets:
        errors["to_positions"] = str(_l("Choose at least one recipient position."))
    elif set(targets) - allowed:
        errors["to_positions"] = str(_l("Recipients must be positions below yours."))
    instructions = []
    if data.instruction_ids:
        instructions = list(db.session.scalars(sa.select(DispositionInstruction).where(
            DispositionInstruction.id.in_(data.instruction_ids),
            DispositionInstruction.active.is_(True))))
        if len(instructions) != len(set(data.instruction_ids)):
            errors["instruction_ids"] = str(_l("Unknown instruction."))
    if not instructions and not (data.note or "").strip():
        errors["note"] = str(_l("Tick an instruction or write a note."))
    today = today_local()
    due = data.due_date or proposed_due_date(letter, from_recipient, today)
    latest = latest_due_date(from_recipient, today)
    if due < today:
        errors["due_date"] = str(_l("The due date is in the past."))
    elif latest is not None and due > latest:
        errors["due_date"] = str(_l("The due date cannot be later than your own (%(d)s).",
                                    d=latest.isoformat()))
    if errors:
        raise DispositionError(errors)
    disposition = Disposition(
        letter=letter, parent_recipient=from_recipient, from_position_id=position.id,
        from_user_id=actor.id, from_name=actor.full_name, note=(data.note or "").strip() or None,
        due_date=due, instructions=instructions,
        recipients=[DispositionRecipient(position_id=p) for p in targets])
    db.session.add(disposition)
    if from_recipient is not None and from_recipient.status in ("unread", "read"):
        _set_status(from_recipient, "in_progress")
    # Opening the letter to dispose it also marks it read for the addressee.
    from eoffice.letters.services import mark_read

    mark_read(letter, actor)
    db.session.flush()
    names = dict(db.session.execute(sa.select(Position.id, Position.name).where(
        Position.id.in_(targets))).all())
    data = {"disposition": disposition.id, "from": position.name,
            "to": [names[p] for p in targets], "due": due.isoformat(),
            "instructions": [i.text for i in instructions]}
    capacity = acting_capacity(actor, position.id)
    if capacity:
        data |= {"capacity": capacity, "for_position": position.name}
    _letter_event("disposition.forwarded" if from_recipient else "disposition.created",
                  letter.id, actor, data)
    events.emit("disposition_received", "incoming_letters", letter.id, actor=actor,
                positions=targets, restricted=letter.is_restricted,
                data={"disposition": disposition.id, "due": due.isoformat(),
                      "from": position.name})
    return disposition


def _set_status(recipient: DispositionRecipient, status: str) -> None:
    recipient.status, recipient.status_changed_at = status, utcnow()


def recipient_for_user(recipient_id: int, user) -> DispositionRecipient:
    recipient = db.session.get(DispositionRecipient, recipient_id)
    if recipient is None or not holds(user, recipient.position_id):
        raise DispositionError({"status": str(_l("This disposition is not addressed to you."))})
    return recipient


def mark_recipient_read(recipient: DispositionRecipient, actor) -> None:
    if recipient.status != "unread":
        return
    numbering.begin_write()  # may reload the row: its status is read again below
    if recipient.status == "unread":
        _set_status(recipient, "read")
        recipient.read_at = utcnow()
        _letter_event("disposition.read", recipient.disposition.letter_id, actor,
                      {"recipient": recipient.id, "position": recipient.position.name})


def mark_read_on_opening(letter: IncomingLetter, position: Position, actor) -> bool:
    """The holder of ``position`` opens the letter: every disposition of it addressed to
    the position and still unread becomes read (not only the first one)."""
    unread = list(db.session.scalars(
        sa.select(DispositionRecipient)
        .join(Disposition, DispositionRecipient.disposition_id == Disposition.id)
        .where(Disposition.letter_id == letter.id,
               DispositionRecipient.position_id == position.id,
               DispositionRecipient.status == "unread")
        .order_by(DispositionRecipient.id)))
    for recipient in unread:
        mark_recipient_read(recipient, actor)
    return bool(unread)


def report(recipient: DispositionRecipient, text: str, upload: tuple[str, bytes] | None,
           done: bool, *, actor) -> None:
    """A follow-up report (laporan tindak lanjut), optionally completing the disposition."""
    numbering.begin_write()
    if not recipient.is_open:
        raise DispositionError({"report": str(_l("This disposition is already closed."))})
    if recipient.disposition.letter.status == "cancelled":
        raise DispositionError({"report": str(_l("The letter was cancelled."))})
    if not (text or "").strip():
        raise DispositionError({"report": str(_l("Write what was done."))})
    if upload is not None:
        try:
            checked = files.check_upload(*upload)
        except files.FileRejected as exc:
            raise DispositionError({"file": str(exc)}) from None
        recipient.report_file = files.store(checked)
        recipient.report_filename = checked.filename
    recipient.report = text.strip()
    recipient.return_note = None
    if recipient.read_at is None:
        recipient.read_at = utcnow()
    _set_status(recipient, "done" if done else "in_progress")
    if done:
        recipient.done_at = utcnow()
    _letter_event("disposition.done" if done else "disposition.reported",
                  recipient.disposition.letter_id, actor,
                  {"recipient": recipient.id, "position": recipient.position.name,
                   "report": recipient.report[:500], "file": bool(upload)})


def _sender_check(recipient: DispositionRecipient, actor) -> None:
    if not holds(actor, recipient.disposition.from_position_id):
        raise DispositionError({"status": str(_l(
            "Only the sender of the disposition can do this."))})


def cancel(recipient: DispositionRecipient, *, actor) -> None:
    """The sender withdraws a disposition the recipient has not opened yet."""
    numbering.begin_write()
    _sender_check(recipient, actor)
    if recipient.status != "unread":
        raise DispositionError({"status": str(_l("It can only be cancelled while unread."))})
    _set_status(recipient, "cancelled")
    _letter_event("disposition.cancelled", recipient.disposition.letter_id, actor,
                  {"recipient": recipient.id, "position": recipient.position.name})


def send_back(recipient: DispositionRecipient, note: str, *, actor) -> None:
    """The sender returns a completed disposition: the report is not enough."""
    numbering.begin_write()
    _sender_check(recipient, actor)
    if recipient.status != "done":
        raise DispositionError({"note": str(_l("Only a completed disposition can be sent back."))})
    if not (note or "").strip():
        raise DispositionError({"note": str(_l("Say what is still needed."))})
    recipient.return_note, recipient.done_at = note.strip(), None
    _set_status(recipient, "in_progress")
    _letter_event("disposition.returned", recipient.disposition.letter_id, actor,
                  {"recipient": recipient.id, "position": recipient.position.name,
                   "note": recipient.return_note})
    letter = recipient.disposition.letter
    events.emit("disposition_returned", "incoming_letters", letter.id, actor=actor,
                positions=[recipient.position_id], restricted=letter.is_restricted,
                data={"recipient": recipient.id})


# --- Reading -------------------------------------------------------------------------

@dataclass
class TreeNode:
    disposition: Disposition
    depth: int
    children: dict[int, list[TreeNode]] = field(default_factory=dict)  # recipient id -> nodes


def disposition_tree(letter: IncomingLetter) -> list[TreeNode]:
    """The letter's dispositions as a tree: top-level ones, each recipient's forwards."""
    dispositions = list(db.session.scalars(
        sa.select(Disposition).where(Disposition.letter_id == letter.id)
        .options(selectinload(Disposition.recipients).options(
                     joinedload(DispositionRecipient.position).joinedload(Position.holder),
                     joinedload(DispositionRecipient.report_file)),
                 selectinload(Disposition.instructions), joinedload(Disposition.from_position))
        .order_by(Disposition.id)))
    by_parent: dict[int | None, list[Disposition]] = {}
    for disposition in dispositions:
        by_parent.setdefault(disposition.parent_recipient_id, []).append(disposition)

    def build(disposition: Disposition, depth: int) -> TreeNode:
        node = TreeNode(disposition, depth)
        for recipient in disposition.recipients:
            node.children[recipient.id] = [build(d, depth + 1)
                                           for d in by_parent.get(recipient.id, [])]
        return node

    return [build(d, 0) for d in by_parent.get(None, [])]


def _queue_options() -> tuple:
    return (joinedload(DispositionRecipient.disposition).joinedload(Disposition.letter),
            joinedload(DispositionRecipient.disposition).joinedload(Disposition.from_position),
            joinedload(DispositionRecipient.position))
_FAR = dt.date(9999, 12, 31)
#: "Due soon" on the dashboard and in the queue: due today or in the next days.
DUE_SOON_DAYS = 3


def _queue_order(which: str):
    """The columns a queue is ordered by, and whether newest first.

    open/overdue: the most urgent first (due date, then oldest); done: the latest
    completed first; sent: the latest written first.
    """
    if which == "done":
        return (DispositionRecipient.status_changed_at, DispositionRecipient.id), True
    if which == "sent":
        return (Disposition.id, DispositionRecipient.id), True
    if which == "sent_overdue":  # the recipient's copy: read from its index
        return (sa.func.coalesce(DispositionRecipient.due_date, _FAR),
                DispositionRecipient.id), False
    return (sa.func.coalesce(Disposition.due_date, _FAR), DispositionRecipient.id), False


def _queue_key(recipient: DispositionRecipient, which: str) -> tuple:
    if which == "done":
        return recipient.status_changed_at, recipient.id
    if which == "sent":
        return recipient.disposition_id, recipient.id
    if which == "sent_overdue":
        return recipient.due_date or _FAR, recipient.id
    return recipient.disposition.due_date or _FAR, recipient.id


def queue_query(user, which: str = "open") -> sa.Select:
    """Disposition rows of the user's position: open, due soon, overdue, done, or sent
    by it (all, or those overdue at their recipients: a head's view of the unit)."""
    from eoffice.letters.services import today_local

    held = held_position_ids(user)  # their own, and those they act for today
    today = today_local()
    query = sa.select(DispositionRecipient).join(Disposition, _ON_DISPOSITION)
    if which == "sent_overdue":
        # From ix_disposition_recipients_given: the open, overdue rows only.
        return query.where(DispositionRecipient.from_position_id.in_(held),
                           DispositionRecipient.status.in_(OPEN_STATUSES),
                           DispositionRecipient.due_date < today).options(*_queue_options())
    if which == "sent":
        query = query.where(Disposition.from_position_id.in_(held))
    else:
        query = query.where(DispositionRecipient.position_id.in_(held))
    if which != "sent":  # what one sent stays listed, as sent
        query = query.where(sa.exists().where(
            IncomingLetter.id == Disposition.letter_id, IncomingLetter.status != "cancelled"))
    if which == "overdue":
        query = query.where(DispositionRecipient.status.in_(OPEN_STATUSES),
                            Disposition.due_date < today)
    elif which == "due_soon":
        query = query.where(DispositionRecipient.status.in_(OPEN_STATUSES),
                            Disposition.due_date >= today,
                            Disposition.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS))
    elif which == "done":
        query = query.where(DispositionRecipient.status == "done")
    elif which != "sent":
        query = query.where(DispositionRecipient.status.in_(OPEN_STATUSES))
    return query.options(*_queue_options())


def queue_page(user, which: str = "open", *, cursor=None, per_page: int = 25):
    """One page of a queue (``queue_query``), paged by keys."""
    from eoffice import paging

    columns, newest_first = _queue_order(which)
    kinds = {"done": (dt.datetime, int), "sent": (int, int)}.get(which, (dt.date, int))
    cursor = paging.fits(cursor, *kinds)
    forward = cursor is None or cursor.forward
    query = queue_query(user, which)
    if cursor is not None:
        query = query.where(paging.after(columns, cursor.key,
                                         descending=newest_first == forward))
    descending = newest_first == forward
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = list(db.session.scalars(query.order_by(*order).limit(per_page + 1)).unique())
    page = paging.page_from_rows(rows, per_page, cursor, lambda r: _queue_key(r, which))
    if cursor is None:
        page.total, page.more_than = paging.capped_count(queue_query(user, which))
    return page


def disposition_queue_counts(user) -> dict[str, int]:
    from eoffice.letters.services import today_local

    held = held_position_ids(user)
    today = today_local()
    # From the (position, status) queue index: exact, as cheap as the queue is short.
    live = sa.exists().where(IncomingLetter.id == Disposition.letter_id,
                             IncomingLetter.status != "cancelled")
    mine = sa.select(sa.func.count()).select_from(DispositionRecipient).join(
        Disposition, _ON_DISPOSITION).where(
        DispositionRecipient.status.in_(OPEN_STATUSES), live,
        DispositionRecipient.position_id.in_(held))
    # The open recipients of the dispositions a head gave, overdue: one range of
    # ix_disposition_recipients_given (sender, status, due date), whatever the number
    # of dispositions the position ever gave. Like the "sent" list it does not read
    # the letter.
    given = sa.select(sa.func.count()).select_from(DispositionRecipient).where(
        DispositionRecipient.from_position_id.in_(held),
        DispositionRecipient.status.in_(OPEN_STATUSES),
        DispositionRecipient.due_date < today)
    opened, overdue, due_soon, given_overdue = db.session.execute(sa.select(
        mine.scalar_subquery(),
        mine.where(Disposition.due_date < today).scalar_subquery(),
        mine.where(Disposition.due_date >= today, Disposition.due_date <= today
                   + dt.timedelta(days=DUE_SOON_DAYS)).scalar_subquery(),
        given.scalar_subquery())).one()
    return {"dispositions_open": opened or 0, "dispositions_overdue": overdue or 0,
            "dispositions_due_soon": due_soon or 0,
            "dispositions_given_overdue": given_overdue or 0}


def active_instructions() -> list[DispositionInstruction]:
    return list(db.session.scalars(sa.select(DispositionInstruction).where(
        DispositionInstruction.active.is_(True)).order_by(DispositionInstruction.sort_order,
                                                          DispositionInstruction.id)))


def save_instruction(item: DispositionInstruction | None, text: str, active: bool,
                     sort_order: int, *, actor) -> DispositionInstruction:
    numbering.begin_write()
    text = (text or "").strip()
    if not text or len(text) > 200:
        raise DispositionError({"text": str(_l("An instruction is 1 to 200 characters."))})
    other = db.session.scalar(sa.select(DispositionInstruction).where(
        sa.func.lower(DispositionInstruction.text) == text.lower()))
    if other is not None and other is not item:
        raise DispositionError({"text": str(_l("This instruction already exists."))})
    item = item or DispositionInstruction()
    item.text, item.active, item.sort_order = text, active, sort_order or 0
    db.session.add(item)
    db.session.flush()
    audit.record("instruction.saved", item, actor=actor, data={"text": text, "active": active})
    return item


def unit_of_position(position_id: int) -> Unit | None:
    return db.session.scalar(sa.select(Unit).join(Position).where(Position.id == position_id))
