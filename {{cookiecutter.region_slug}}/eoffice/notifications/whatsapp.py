"""WhatsApp through the region's gateway: a generic HTTP webhook.

Regions use different WhatsApp gateways (a vendor's API, a self-hosted bridge), so the
core speaks one plain protocol and the region fits it to its gateway in region.toml:
each notification a user wants by WhatsApp (``preferences``; off by default, it is a
personal phone) is POSTed as JSON to ``[whatsapp] url``:

- the body is ``[whatsapp] template`` with ``{phone}`` (the staff record's phone,
  as 62...), ``{text}`` (the notification's sentence: for an R/SR letter only that
  something arrived), ``{link}`` and ``{name}`` replaced in its strings;
- ``Authorization: Bearer <EOFFICE_WHATSAPP_TOKEN>`` when a token is set;
- ``X-Eoffice-Timestamp`` (Unix seconds) and ``X-Eoffice-Signature: sha256=<hex>``, the
  HMAC-SHA256 under ``EOFFICE_WHATSAPP_SECRET`` of ``<timestamp>.<body>``, so the
  gateway can check the request came from here and is fresh.

A 2xx answer is delivered. Anything else (an error status, a timeout, no answer) is
retried by the job queue (``[jobs] retries``, ``retry_delay_seconds``) and then given
up: the delivery is ``failed`` with the error kept, and ``flask eoffice doctor`` counts
it. Each delivery is claimed before it is sent, like e-mail (``mail.py``), so it is
sent once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.notifications.models import NotificationDelivery

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"


class GatewayError(RuntimeError):
    """The gateway refused the request or could not be reached; tried again."""


def configured() -> bool:
    return bool(current_app.config["WHATSAPP_URL"])


def phone_of(user) -> str | None:
    """The staff record's phone as the gateways want it: digits, 62 instead of 0."""
    staff = getattr(user, "staff", None)
    digits = re.sub(r"\D", "", (staff.phone if staff is not None else None) or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if 9 <= len(digits) <= 15 else None


def send(delivery_id: int) -> str:
    """The job: send one WhatsApp delivery once; returns what happened."""
    claimed = db.session.execute(
        sa.update(NotificationDelivery)
        .where(NotificationDelivery.id == delivery_id, NotificationDelivery.status == "pending")
        .values(status="sending", claimed_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return "not pending"
    delivery = db.session.get(NotificationDelivery, delivery_id)
    user = delivery.notification.user
    phone = phone_of(user)
    if phone is None or not user.active:
        _finish(delivery, "skipped")
        return "skipped"
    from eoffice.notifications.preferences import in_quiet_hours, preferences_of

    if in_quiet_hours(preferences_of(user)):
        delivery.status, delivery.claimed_at = "pending", None
        db.session.commit()
        return "quiet hours"
    body = render_body(delivery, phone)
    delivery.attempts += 1
    try:
        post(body)
    except GatewayError as exc:
        give_up = delivery.attempts > current_app.config["JOBS_RETRIES"]
        delivery.status = "failed" if give_up else "pending"
        delivery.claimed_at, delivery.error = None, str(exc)[:300]
        db.session.commit()
        if give_up:
            log.warning("WhatsApp delivery %s given up: %s", delivery_id, exc)
            return "failed"
        raise
    _finish(delivery, "sent")
    return "sent"


def _finish(delivery: NotificationDelivery, status: str) -> None:
    delivery.status, delivery.claimed_at, delivery.error = status, None, None
    if status == "sent":
        delivery.sent_at = utcnow()
    db.session.commit()


def render_body(delivery: NotificationDelivery, phone: str) -> bytes:
    """The template with its placeholders filled, as JSON bytes."""
    from eoffice.notifications.services import describe, target_url

    config = current_app.config
    item = delivery.notification
    base = (config["PUBLIC_BASE_URL"] or "").rstrip("/")
    with force_locale(config["BABEL_DEFAULT_LOCALE"]), \
            current_app.test_request_context("/", base_url=base or "http://localhost"):
        values = {"phone": phone, "text": describe(item), "name": item.user.full_name,
                  "link": base + target_url(item) if base
                  else url_for("notifications.index")}
    template = json.loads(config["WHATSAPP_TEMPLATE"])
    return json.dumps(_fill(template, values), ensure_ascii=False).encode("utf-8")


def _fill(node, values: dict[str, str]):
    if isinstance(node, str):
        for key, value in values.items():
            node = node.replace("{" + key + "}", value)
        return node
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                                hashlib.sha256).hexdigest()


def post(body: bytes) -> None:
    config = current_app.config
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Eoffice-Timestamp": timestamp,
               "User-Agent": "eoffice-notifications"}
    if config["WHATSAPP_TOKEN"]:
        headers["Authorization"] = f"Bearer {config['WHATSAPP_TOKEN']}"
    if config["WHATSAPP_SECRET"]:
        headers["X-Eoffice-Signature"] = signature(config["WHATSAPP_SECRET"], timestamp, body)
    url = config["WHATSAPP_URL"]
    if not url.lower().startswith(("https://", "http://")):
        raise GatewayError(f"[whatsapp] url must be an http(s) address, not {url[:60]!r}")
    # The exchange's POST: standard library, no proxy for loopback, errors as an answer.
    from eoffice.exchange.services import http_post

    answer = http_post(url, body, headers, config["WHATSAPP_TIMEOUT_SECONDS"])
    if not answer.ok:
        raise GatewayError(answer.error or f"HTTP {answer.status}")


def sweep(now=None) -> int:
    """Queue again pending deliveries whose job was lost or waited for quiet hours, and
    deliveries claimed by a worker that died."""
    from eoffice import jobs
    from eoffice.notifications.mail import STALE_CLAIM, SWEEP_AFTER

    now = now or utcnow()
    stale = list(db.session.scalars(sa.select(NotificationDelivery.id).where(
        NotificationDelivery.status == "sending",
        NotificationDelivery.claimed_at < now - STALE_CLAIM).limit(500)))
    if stale:
        db.session.execute(sa.update(NotificationDelivery).where(
            NotificationDelivery.id.in_(stale), NotificationDelivery.status == "sending")
            .values(status="pending", claimed_at=None))
    waiting = db.session.scalars(sa.select(NotificationDelivery.id).where(
        NotificationDelivery.status == "pending",
        NotificationDelivery.created_at < now - SWEEP_AFTER).limit(500))
    ids = sorted(set(stale) | set(waiting))
    db.session.commit()
    for delivery_id in ids:
        jobs.enqueue("notifications.send_whatsapp", delivery_id)
    return len(ids)
