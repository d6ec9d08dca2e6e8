"""The daily digest: one e-mail each working morning listing what is still unread.

A periodic job runs every hour; at ``[notifications] digest_hour`` (region-local), on a
working day, it e-mails each user who asked for it (``digest_enabled``) and has unread
notifications: how many, and the sentences of the 20 newest (for R/SR letters only that
something arrived). One digest per user and day: its key
(``digest:<user>:<date>``) is recorded in ``event_marks`` before the message is sent
and removed again when sending fails, so a retry sends it then. A worker killed
between the two loses that day's digest rather than sending it twice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from eoffice.extensions import db
from eoffice.notifications.models import EventMark, Notification, NotificationPreference

LISTED = 20


def send_digests(now: dt.datetime | None = None) -> int:
    """Send today's digests if it is the hour; returns how many were sent."""
    from eoffice.dispositions.services import configured_holidays
    from eoffice.notifications import mail
    from eoffice.notifications.scans import is_working_day

    if not mail.configured():
        return 0
    now = now or dt.datetime.now(dt.UTC)
    local = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    if local.hour != current_app.config["NOTIFY_DIGEST_HOUR"] or \
            not is_working_day(local.date(), configured_holidays()):
        return 0
    from eoffice.auth.models import User

    users = db.session.scalars(
        sa.select(User).join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.digest_enabled.is_(True), User.active.is_(True),
               User.email.is_not(None), User.email != "").order_by(User.id)).all()
    sent = 0
    for user in users:
        unread = sa.select(Notification).where(Notification.user_id == user.id,
                                               Notification.read_at.is_(None))
        items = db.session.scalars(unread.order_by(Notification.id.desc()).limit(LISTED)).all()
        if not items:
            continue
        key = f"digest:{user.id}:{local.date().isoformat()}"
        if not _mark(key):
            continue
        count = db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery()))
        try:
            mail.deliver(build_digest(user, items, count))
        except mail.MailError:
            db.session.execute(sa.delete(EventMark).where(EventMark.key == key))
            db.session.commit()
            raise  # the queue tries the job again; users already served are skipped
        sent += 1
    return sent


def _mark(key: str) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(EventMark(key=key))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def build_digest(user, items: list[Notification], count: int):
    from email.message import EmailMessage
    from email.utils import formataddr, parseaddr

    from eoffice.notifications.mail import sender_address
    from eoffice.notifications.services import describe

    config = current_app.config
    base = (config["PUBLIC_BASE_URL"] or "").rstrip("/")
    with force_locale(config["BABEL_DEFAULT_LOCALE"]), \
            current_app.test_request_context("/", base_url=base or "http://localhost"):
        context = {"user": user, "lines": [describe(item) for item in items], "count": count,
                   "more": count - len(items), "agency": config["AGENCY_NAME"],
                   "link": base + url_for("notifications.index") if base else None,
                   "settings": base + url_for("notifications.settings") if base else None}
        subject = _("[E-office %(region)s] %(n)s unread notifications",
                    region=config["REGION_NAME"], n=count)
        plain = render_template("notifications/digest.txt", **context)
        html = render_template("notifications/digest.html", **context)
    message = EmailMessage()
    message["Subject"] = subject
    name, address = parseaddr(sender_address())
    message["From"] = formataddr((name or config["AGENCY_NAME"], address))
    message["To"] = formataddr((user.full_name, user.email))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message
