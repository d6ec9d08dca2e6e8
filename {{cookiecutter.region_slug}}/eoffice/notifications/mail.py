"""Notification e-mail: one message per notification, sent by a job, once.

``notify`` marks a notification ``pending`` when its user wants e-mail for its event
(``preferences``), has an address, and SMTP is configured (``[mail] smtp_host``); it
then queues ``notifications.send_email`` for it. The job:

1. *claims* the notification (``pending`` -> ``sending``, one UPDATE: of two jobs for
   the same notification, one wins, the other does nothing);
2. waits if the user's quiet hours are on (back to ``pending``; the sweep sends it
   when they end);
3. sends one message (plain text and HTML, in the region's language; for an R/SR
   letter only that something arrived, with a link);
4. records ``sent`` (or, after ``JOBS_RETRIES`` failed attempts, ``failed`` with the
   error) in its own commit.

``sweep`` (every 10 minutes) queues again what is ``pending`` and claims older than
``STALE_CLAIM`` (a job whose worker died). The one gap left: a worker killed after
the SMTP server accepted the message and before ``sent`` was committed sends it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.notifications.models import Notification

log = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=15)
SWEEP_AFTER = dt.timedelta(minutes=5)  # a fresh pending row still has its job queued


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached; the job is tried again."""


def configured() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def sender_address() -> str:
    return current_app.config["MAIL_FROM"] or current_app.config["REGION_EMAIL"] or \
        f"noreply@{current_app.config['REGION_SLUG']}.invalid"


# --- The job ---------------------------------------------------------------------------

def send_notification_email(notification_id: int) -> str:
    """Send one notification's e-mail; returns what happened (for logs and tests)."""
    if not _claim(notification_id):
        return "not pending"
    item = db.session.get(Notification, notification_id)
    user = item.user
    if not user.email or not user.active:
        _finish(item, "skipped")
        return "skipped"
    from eoffice.notifications.preferences import in_quiet_hours, preferences_of

    if in_quiet_hours(preferences_of(user)):
        item.email_status, item.email_claimed_at = "pending", None
        db.session.commit()
        return "quiet hours"
    message = build_message(item)
    item.email_attempts += 1
    try:
        deliver(message)
    except MailError as exc:
        give_up = item.email_attempts > current_app.config["JOBS_RETRIES"]
        item.email_status = "failed" if give_up else "pending"
        item.email_claimed_at, item.email_error = None, str(exc)[:300]
        db.session.commit()
        if give_up:
            log.warning("notification %s: e-mail given up: %s", notification_id, exc)
            return "failed"
        raise  # the queue tries again (JOBS_RETRY_DELAY_SECONDS)
    _finish(item, "sent")
    return "sent"


def _claim(notification_id: int) -> bool:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.email_status == "pending")
        .values(email_status="sending", email_claimed_at=utcnow()))
    db.session.commit()
    return result.rowcount == 1


def _finish(item: Notification, status: str) -> None:
    item.email_status, item.email_claimed_at, item.email_error = status, None, None
    if status == "sent":
        item.emailed_at = utcnow()
    db.session.commit()


def sweep(now: dt.datetime | None = None) -> int:
    """Queue again the e-mail of pending notifications whose job was lost, and of claims
    left by a worker that died. Returns how many were queued."""
    from eoffice import jobs

    now = now or utcnow()
    stale = list(db.session.scalars(sa.select(Notification.id).where(
        Notification.email_status == "sending",
        Notification.email_claimed_at < now - STALE_CLAIM).limit(500)))
    if stale:
        db.session.execute(sa.update(Notification).where(
            Notification.id.in_(stale), Notification.email_status == "sending").values(
            email_status="pending", email_claimed_at=None))
    waiting = db.session.scalars(sa.select(Notification.id).where(
        Notification.email_status == "pending",
        Notification.created_at < now - SWEEP_AFTER).order_by(Notification.id).limit(500))
    ids = sorted(set(stale) | set(waiting))
    db.session.commit()
    for notification_id in ids:
        jobs.enqueue("notifications.send_email", notification_id)
    return len(ids)


# --- The message -----------------------------------------------------------------------

def build_message(item: Notification) -> EmailMessage:
    """The e-mail of a notification, in the region's default language: a subject, a
    plain-text body and an HTML alternative. For a restricted letter both say only that
    something arrived (``services.describe``)."""
    from flask import url_for

    from eoffice.notifications.services import describe, target_url

    config = current_app.config
    base = (config["PUBLIC_BASE_URL"] or "").rstrip("/")
    with force_locale(config["BABEL_DEFAULT_LOCALE"]), \
            current_app.test_request_context("/", base_url=base or "http://localhost"):
        text = describe(item)
        context = {
            "user": item.user, "text": text, "region": config["REGION_NAME"],
            "agency": config["AGENCY_NAME"],
            "link": base + target_url(item) if base else None,
            "settings": base + url_for("notifications.settings") if base else None,
        }
        subject = _("[E-office %(region)s] %(text)s", region=config["REGION_NAME"],
                    text=text)
        plain = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    message = EmailMessage()
    message["Subject"] = subject.replace("\n", " ")[:250]
    name, address = parseaddr(sender_address())
    message["From"] = formataddr((name or config["AGENCY_NAME"], address))
    message["To"] = formataddr((item.user.full_name, item.user.email))
    # One Message-ID per notification: a copy sent again after a crash is the same message
    # to the receiving server and to mail clients that drop duplicates.
    message["Message-ID"] = make_msgid(idstring=f"notification-{item.id}",
                                       domain=f"{config['REGION_SLUG']}.eoffice")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message


def deliver(message: EmailMessage) -> None:
    """Send through the configured SMTP server; MailError for any refusal or outage."""
    config = current_app.config
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    security = config["SMTP_SECURITY"]
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
