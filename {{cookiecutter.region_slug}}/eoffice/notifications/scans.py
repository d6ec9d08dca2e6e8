"""Periodic scans that turn dates into events: dispositions due soon and overdue.

``scan_due_dates`` runs every hour in the worker (``eoffice.jobs``). It warns only on
working days (no Saturday, Sunday or ``[dispositions] holidays`` warning: Monday's
first scan gives them), and each warning once: its key is recorded in ``event_marks``
in the same transaction as the event (``emit_once``), per recipient and due date, so a
due date moved later is warned of again.

- **Due soon**: an open disposition due today or within ``NOTIFY_DUE_SOON_DAYS``
  working days.
- **Overdue**: an open disposition whose due date has passed (looked back a week, so
  the scan never reads the whole history of forgotten dispositions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from eoffice import events
from eoffice.extensions import db
from eoffice.notifications.models import EventMark

OVERDUE_LOOKBACK_DAYS = 7


@dataclass
class ScanResult:
    due_soon: int = 0
    overdue: int = 0
    skipped: bool = False  # not a working day


def is_working_day(day: dt.date, holidays: set[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def scan_due_dates(today: dt.date | None = None) -> ScanResult:
    """Emit ``disposition_due_soon`` / ``disposition_overdue`` once per open recipient
    and due date; commit. ``today``: the region's date (tests move it)."""
    from eoffice.dispositions.models import OPEN_STATUSES, Disposition, DispositionRecipient
    from eoffice.dispositions.services import add_working_days, configured_holidays
    from eoffice.letters.models import RESTRICTED_LEVELS, IncomingLetter
    from eoffice.letters.services import today_local

    today = today or today_local()
    holidays = configured_holidays()
    result = ScanResult()
    if not is_working_day(today, holidays):
        result.skipped = True
        return result
    days = max(current_app.config["NOTIFY_DUE_SOON_DAYS"], 0)
    horizon = add_working_days(today, days, holidays) if days else today - dt.timedelta(days=1)
    rows = db.session.execute(
        sa.select(DispositionRecipient.id, DispositionRecipient.position_id,
                  Disposition.due_date, Disposition.letter_id, IncomingLetter.security)
        .join(Disposition, Disposition.id == DispositionRecipient.disposition_id)
        .join(IncomingLetter, IncomingLetter.id == Disposition.letter_id)
        .where(DispositionRecipient.status.in_(OPEN_STATUSES),
               IncomingLetter.status != "cancelled",
               Disposition.due_date.between(
                   today - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS),
                   max(horizon, today - dt.timedelta(days=1))))
        .order_by(Disposition.due_date, DispositionRecipient.id)).all()
    wanted = []
    for recipient_id, position_id, due, letter_id, security in rows:
        if due < today:
            name = "disposition_overdue"
        elif days:
            name = "disposition_due_soon"
        else:
            continue
        wanted.append((f"{name}:{recipient_id}:{due.isoformat()}", name, recipient_id,
                       position_id, due, letter_id, security in RESTRICTED_LEVELS))
    done = _marked([w[0] for w in wanted])
    for key, name, recipient_id, position_id, due, letter_id, restricted in wanted:
        if key in done:
            continue
        if emit_once(key, name, "incoming_letters", letter_id, positions=[position_id],
                     restricted=restricted,
                     data={"recipient": recipient_id, "due": due.isoformat()}):
            if name == "disposition_overdue":
                result.overdue += 1
            else:
                result.due_soon += 1
        db.session.commit()  # one warning at a time: a crash keeps what was told
    return result


def _marked(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found |= set(db.session.scalars(sa.select(EventMark.key).where(
            EventMark.key.in_(keys[start:start + 500]))))
    return found


def emit_once(key: str, name: str, object_type: str, object_id: int, **kwargs) -> bool:
    """Emit the event unless its ``key`` was recorded; record it in the same transaction.
    False when it was told already (by this run, an earlier one or another worker)."""
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.add(EventMark(key=key))
            db.session.flush()
            events.emit(name, object_type, object_id, **kwargs)
    except IntegrityError:
        return False
    return True
