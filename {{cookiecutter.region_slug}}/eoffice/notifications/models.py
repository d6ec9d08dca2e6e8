"""A user's notifications: one row per user and event that concerns them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import utcnow
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.auth.models import User


class Notification(db.Model):
    """One line of a user's notification centre (pemberitahuan): a domain event about a
    letter that concerns the user (``eoffice.events``).

    The text is not stored but composed when shown (``services.describe``), so it
    follows the reader's language. ``data`` holds the few values the text needs (the
    subject, the agenda or letter number); for a ``restricted`` letter (R/SR) it holds
    nothing, and the text says only that something arrived.

    The bell counts ``read_at IS NULL`` rows of one user on every page: the index
    ``(user_id, read_at)`` answers it; the list pages by ``(user_id, id)``.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_user_newest", "user_id", "id"),
        # The e-mail sweep looks for pending and stale claimed rows only.
        sa.Index("ix_notifications_email_status", "email_status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int]
    restricted: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    # E-mail (eoffice/notifications/mail.py): None (not e-mailed: the user did not want
    # it, or no SMTP), pending, sending (claimed by a job, since email_claimed_at), sent,
    # failed (given up after JOBS_RETRIES), skipped (the user has no address any more).
    email_status: Mapped[str | None] = mapped_column(sa.String(10))
    email_claimed_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EventMark(db.Model):
    """An event that must be told once only, by its key: a periodic scan records the key
    (``disposition_due_soon:<recipient>:<due date>``) in the transaction that emits the
    event, so a scan run twice, retried, or run again after its worker was killed
    midway, warns once. The unique key is the backstop when two workers scan at once."""

    __tablename__ = "event_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotificationDelivery(db.Model):
    """A notification sent through a gateway channel (``whatsapp``): its state, so that
    it is sent once (the same states as a notification's e-mail: pending, sending,
    sent, failed, skipped), the attempts made and the last error."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel"),
        sa.Index("ix_notification_deliveries_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(sa.String(300))

    notification: Mapped[Notification] = relationship()


class NotificationPreference(db.Model):
    """A user's choices for notifications (one row per user; none: the defaults).

    The notification centre always shows every notification (it is the user's record of
    work arriving). E-mail is sent for the events in ``email_events`` (default: all),
    WhatsApp (to the staff record's phone, off by default) for ``whatsapp_events``;
    neither between ``quiet_start`` and ``quiet_end`` (region-local "HH:MM"; a window
    may pass midnight): such messages wait and go out when the quiet hours end.
    ``digest_enabled``: a daily e-mail listing what is still unread (off by default).
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(default=True)
    email_events: Mapped[list] = mapped_column(sa.JSON, default=list)
    digest_enabled: Mapped[bool] = mapped_column(default=False)
    whatsapp_enabled: Mapped[bool] = mapped_column(default=False)
    whatsapp_events: Mapped[list] = mapped_column(sa.JSON, default=list)
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
