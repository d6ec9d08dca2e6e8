"""The notification centre: who is told of an event, what they read, marking as read.

``notify(event)`` is the core's subscriber to every domain event (``hooks.py``): after
the change is committed it writes one ``Notification`` per person concerned, in a
transaction of its own. The people concerned are the holders of the event's positions
today (the holder, and the acting officials, Plt/Plh, of the day: the same answer as
``security.held_positions`` from the other side), the event's users, and for a letter
from the exchange the clerks who may accept it; never the actor themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from eoffice import paging
from eoffice.db import utcnow
from eoffice.events import DomainEvent
from eoffice.extensions import db
from eoffice.notifications.models import Notification

#: The bell shows "99+" above this: counting stops there, so it stays one cheap query.
BELL_CAP = 99


# --- Writing ---------------------------------------------------------------------------

def notify(event: DomainEvent) -> list[Notification]:
    """Write the notifications of a committed event and commit them."""
    users = concerned_users(event)
    if not users:
        return []
    data = {} if event.restricted else _public_data(event)
    emailed = _wanting_email(event.name, users)
    rows = [Notification(user_id=user_id, event=event.name, object_type=event.object_type,
                         object_id=event.object_id, restricted=event.restricted, data=data,
                         created_at=event.occurred_at,
                         email_status="pending" if user_id in emailed else None)
            for user_id in users]
    db.session.add_all(rows)
    texted = _wanting_whatsapp(event.name, users)
    deliveries = []
    if texted:
        from eoffice.notifications.models import NotificationDelivery

        db.session.flush()
        deliveries = [NotificationDelivery(notification_id=row.id, channel="whatsapp")
                      for row in rows if row.user_id in texted]
        db.session.add_all(deliveries)
    db.session.commit()
    if emailed or deliveries:
        from eoffice import jobs

        for row in rows:
            if row.email_status == "pending":
                jobs.enqueue("notifications.send_email", row.id)
        for delivery in deliveries:
            jobs.enqueue("notifications.send_whatsapp", delivery.id)
    return rows


def _wanting_whatsapp(event_name: str, user_ids: list[int]) -> set[int]:
    """The users to tell by WhatsApp: a gateway is configured and they asked for it
    (whether they have a phone is checked when it is sent)."""
    from eoffice.notifications.whatsapp import configured

    if not configured():
        return set()
    from eoffice.notifications.preferences import preferences_for

    wanted = preferences_for(user_ids)
    return {user_id for user_id, prefs in wanted.items() if prefs.wants_whatsapp(event_name)}


def _wanting_email(event_name: str, user_ids: list[int]) -> set[int]:
    """The users to e-mail about this event: SMTP is configured, they have an address,
    and their preferences ask for it (``preferences``)."""
    from eoffice.notifications.mail import configured

    if not configured():
        return set()
    from eoffice.auth.models import User
    from eoffice.notifications.preferences import preferences_for

    with_address = set(db.session.scalars(sa.select(User.id).where(
        User.id.in_(user_ids), User.email.is_not(None), User.email != "")))
    wanted = preferences_for(sorted(with_address))
    return {user_id for user_id, prefs in wanted.items() if prefs.wants_email(event_name)}


def concerned_users(event: DomainEvent) -> list[int]:
    """Active users the event concerns, in a stable order, without the actor."""
    ids = list(event.user_ids) + holders_of(event.positions)
    if event.name == "exchange_received":
        ids += exchange_clerks()
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    from eoffice.auth.models import User

    active = set(db.session.scalars(sa.select(User.id).where(
        User.id.in_(ids), User.active.is_(True))))
    return [i for i in ids if i in active and i != event.actor_id]


def holders_of(position_ids: Iterable[int], day: dt.date | None = None) -> list[int]:
    """The users who hold these positions on ``day`` (today): their holder's user account
    and whoever acts for them (Plt/Plh)."""
    position_ids = list(position_ids)
    if not position_ids:
        return []
    from eoffice.auth.models import User
    from eoffice.org.acting import acting_user_ids
    from eoffice.org.models import Position

    holders = db.session.scalars(
        sa.select(User.id).join(Position, Position.holder_id == User.staff_id)
        .where(Position.id.in_(position_ids), Position.active.is_(True))
        .order_by(User.id)).all()
    return list(holders) + acting_user_ids(position_ids, day)


def exchange_clerks() -> list[int]:
    """The clerks who may accept a letter from another region (security.can_receive_exchange)."""
    from flask import current_app

    from eoffice.auth.models import User, UserRole
    from eoffice.security import can_receive_exchange

    table = current_app.extensions["eoffice_permissions"]
    roles = [role for role, perms in table.items() if "letters.register" in perms]
    users = db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role.in_(roles), User.active.is_(True)).distinct().order_by(User.id))
    return [user.id for user in users if can_receive_exchange(user)]


def _public_data(event: DomainEvent) -> dict:
    """What the text of a notification about an open (B/T) letter shows."""
    data = {key: value for key, value in event.data.items()
            if key in ("agenda_number", "number", "due", "from")}
    if event.object_type == "incoming_letters":
        from eoffice.letters.models import IncomingLetter

        letter = db.session.get(IncomingLetter, event.object_id)
    else:
        from eoffice.outgoing.models import OutgoingLetter

        letter = db.session.get(OutgoingLetter, event.object_id)
    if letter is not None:
        data["subject"] = letter.subject[:300]
    return data


# --- Reading ---------------------------------------------------------------------------

def failed_deliveries() -> dict[str, int]:
    """Notifications given up on, per channel (``flask eoffice doctor``)."""
    from eoffice.notifications.models import NotificationDelivery

    email = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.email_status == "failed")) or 0
    whatsapp = db.session.scalar(sa.select(sa.func.count()).select_from(
        NotificationDelivery).where(NotificationDelivery.channel == "whatsapp",
                                    NotificationDelivery.status == "failed")) or 0
    return {"email": email, "whatsapp": whatsapp}


def unread_count(user) -> int:
    """Unread notifications of ``user``, counted up to BELL_CAP + 1 (the bell shows 99+):
    one query on the index (user_id, read_at)."""
    inner = sa.select(Notification.id).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).limit(BELL_CAP + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0


def page_of(user, *, cursor: paging.Cursor | None = None, per_page: int = 25,
            unread_only: bool = False) -> paging.KeysetPage:
    """One page of the user's notifications, newest first, paged by id (one query)."""
    cursor = paging.fits(cursor, int)
    forward = cursor is None or cursor.forward
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if cursor is not None:
        query = query.where(Notification.id < cursor.key[0] if forward
                            else Notification.id > cursor.key[0])
    query = query.order_by(Notification.id.desc() if forward else Notification.id.asc())
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    return paging.page_from_rows(rows, per_page, cursor, lambda n: (n.id,))


def own_notification(notification_id: int, user) -> Notification | None:
    item = db.session.get(Notification, notification_id)
    return item if item is not None and item.user_id == user.id else None


def mark_read(item: Notification) -> None:
    if item.read_at is None:
        item.read_at = utcnow()


def mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    return result.rowcount or 0


# --- Showing ---------------------------------------------------------------------------

def describe(item: Notification) -> str:
    """The notification's sentence in the reader's language. A restricted letter's says
    only that something arrived."""
    if item.restricted:
        return _restricted_text(item.event)
    data = item.data or {}
    subject = data.get("subject", "")
    texts = {
        "letter_registered": lambda: _("New letter %(agenda)s: %(subject)s",
                                       agenda=data.get("agenda_number", ""), subject=subject),
        "copy_received": lambda: _("Copy (tembusan) of letter %(agenda)s: %(subject)s",
                                   agenda=data.get("agenda_number", ""), subject=subject),
        "disposition_received": lambda: _(
            "Disposition from %(sender)s, due %(due)s: %(subject)s",
            sender=data.get("from", ""), due=_date(data.get("due")), subject=subject),
        "disposition_returned": lambda: _("Your disposition report was sent back: %(subject)s",
                                          subject=subject),
        "draft_awaiting_paraf": lambda: _("A draft waits for your paraf: %(subject)s",
                                          subject=subject),
        "draft_awaiting_signature": lambda: _("A draft waits for your signature: %(subject)s",
                                              subject=subject),
        "draft_returned": lambda: _("Your draft was returned: %(subject)s", subject=subject),
        "letter_signed": lambda: _("Your letter was signed as %(number)s: %(subject)s",
                                   number=data.get("number", ""), subject=subject),
        "letter_sent": lambda: _("Your letter %(number)s was sent: %(subject)s",
                                 number=data.get("number", ""), subject=subject),
        "exchange_received": lambda: _("A letter from %(sender)s waits to be accepted: "
                                       "%(subject)s", sender=data.get("from", ""),
                                       subject=subject),
        "disposition_due_soon": lambda: _("Disposition due %(due)s: %(subject)s",
                                          due=_date(data.get("due")), subject=subject),
        "disposition_overdue": lambda: _("Disposition overdue since %(due)s: %(subject)s",
                                         due=_date(data.get("due")), subject=subject),
    }
    text = texts.get(item.event)
    return text() if text else _("Something new for you.")


def _restricted_text(event: str) -> str:
    texts = {
        "letter_registered": _("A restricted letter arrived for you."),
        "copy_received": _("A copy of a restricted letter arrived for you."),
        "disposition_received": _("A disposition on a restricted letter arrived for you."),
        "disposition_returned": _("Your report on a restricted letter was sent back."),
        "draft_awaiting_paraf": _("A restricted draft waits for your paraf."),
        "draft_awaiting_signature": _("A restricted draft waits for your signature."),
        "draft_returned": _("Your restricted draft was returned."),
        "letter_signed": _("Your restricted letter was signed."),
        "letter_sent": _("Your restricted letter was sent."),
        "exchange_received": _("A restricted letter from another region waits to be "
                               "accepted."),
        "disposition_due_soon": _("A disposition on a restricted letter is due soon."),
        "disposition_overdue": _("A disposition on a restricted letter is overdue."),
    }
    return texts.get(event, _("Something new for you."))


def _date(value: str | None) -> str:
    try:
        return format_date(dt.date.fromisoformat(value), "medium") if value else "-"
    except ValueError:
        return value


def target_url(item: Notification) -> str:
    """Where the notification leads: the letter (whose page checks who may see it), or the
    exchange inbox for a letter still waiting there."""
    if item.event == "exchange_received":
        return url_for("exchange.inbox")
    if item.object_type == "outgoing_letters":
        return url_for("outgoing.detail", letter_id=item.object_id)
    return url_for("letters.detail", letter_id=item.object_id)
