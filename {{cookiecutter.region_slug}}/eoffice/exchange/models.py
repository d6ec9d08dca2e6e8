"""Letter exchange between regions (pertukaran surat antardaerah)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin, utcnow
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.auth.models import User
    from eoffice.files import StoredFile
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.models import OutgoingLetter, OutgoingRecipient

# pending: not yet delivered (first attempt due); failed: the last attempt failed, the next
# one is at next_attempt_at (none when given up); delivered: the peer registered it;
# accepted / rejected: the peer's clerk decided (rejected carries the reason).
DELIVERY_STATUSES = ("pending", "failed", "delivered", "accepted", "rejected")
UNDELIVERED = ("pending", "failed")
INBOUND_STATUSES = ("awaiting", "accepted", "rejected")
RECEIPT_STATUSES = ("pending", "failed", "sent")


class Peer(TimestampMixin, db.Model):
    """Another region's e-office that letters are exchanged with (mitra pertukaran).

    Its public key was exchanged out of band (letter, phone, meeting), never taken
    from the network on trust; ``key_id`` names the key in every signed message.
    """

    __tablename__ = "exchange_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    agency: Mapped[str | None] = mapped_column(sa.String(255))
    region_code: Mapped[str | None] = mapped_column(sa.String(16))
    base_url: Mapped[str] = mapped_column(sa.String(500))
    public_key: Mapped[str] = mapped_column(sa.String(64))
    key_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class Delivery(TimestampMixin, db.Model):
    """One signed outgoing letter sent to one peer (pengiriman elektronik).

    ``message_id`` stays the same over every attempt, so the peer registers the
    letter once however often it is sent; each attempt is signed afresh.
    """

    __tablename__ = "exchange_deliveries"
    __table_args__ = (sa.Index("ix_exchange_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outgoing_recipients.id", ondelete="SET NULL"), unique=True)
    peer_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange_peers.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[dt.datetime | None]
    remote_agenda_number: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(sa.Text)

    letter: Mapped[OutgoingLetter] = relationship()
    recipient: Mapped[OutgoingRecipient | None] = relationship()
    peer: Mapped[Peer] = relationship()


class InboundLetter(TimestampMixin, db.Model):
    """A letter received from a peer's app (surat masuk elektronik).

    It is registered at once as an incoming letter with its own agenda number, in
    status ``awaiting``; a clerk accepts it (addressing it to positions) or rejects
    it with a reason, and the decision is reported back to the sender (a receipt,
    retried like a delivery).
    """

    __tablename__ = "exchange_inbound"
    __table_args__ = (sa.UniqueConstraint("peer_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(36))
    peer_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange_peers.id"), index=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_letters.id"), unique=True)
    pdf_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the message's letter part
    sent_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(sa.String(10), default="awaiting", index=True)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    receipt_status: Mapped[str | None] = mapped_column(sa.String(10))
    receipt_message_id: Mapped[str | None] = mapped_column(sa.String(36))
    receipt_attempts: Mapped[int] = mapped_column(default=0)
    receipt_next_at: Mapped[dt.datetime | None]
    receipt_claimed_until: Mapped[dt.datetime | None]
    receipt_error: Mapped[str | None] = mapped_column(sa.String(500))

    peer: Mapped[Peer] = relationship()
    letter: Mapped[IncomingLetter] = relationship()
    pdf_file: Mapped[StoredFile] = relationship()
    decided_by: Mapped[User | None] = relationship()


class ReceivedRequest(db.Model):
    """A signed request this app accepted. Its signature is remembered, so the same
    request sent again (a replay) is refused; older ones fall outside the time window."""

    __tablename__ = "exchange_received"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    peer_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange_peers.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
