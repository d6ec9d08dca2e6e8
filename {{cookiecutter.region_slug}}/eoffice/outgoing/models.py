"""Outgoing letters (surat keluar) and nota dinas: draft, paraf, sign, number, send."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin, utcnow
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.archive.models import Classification
    from eoffice.auth.models import User
    from eoffice.exchange.models import Peer
    from eoffice.files import StoredFile
    from eoffice.letters.models import IncomingLetter
    from eoffice.org.models import Position

# surat biasa (external), nota dinas (internal memo), undangan (invitation),
# surat tugas (assignment), surat edaran (circular)
LETTER_TYPES = ("biasa", "nota_dinas", "undangan", "tugas", "edaran")
# draft -> in_review (paraf chain) -> approved (waiting for the signature) -> signed -> sent;
# signing: numbered and signed by the first signatory, waiting for the further ones
# (``OutgoingSignatory``); returned: sent back to the drafter; cancelled: a signed letter
# cancelled or replaced by a correction (its number stays used).
STATUSES = ("draft", "in_review", "returned", "approved", "signing", "signed", "sent",
            "cancelled")
DISPATCH_METHODS = ("pos", "kurir", "email", "langsung")


class OutgoingLetter(TimestampMixin, db.Model):
    """An outgoing letter or nota dinas from drafting to sending.

    The content (subject, body, details) is frozen once signed: the signed PDF's
    SHA-256 is stored and ``verify_token`` makes the public verification URL.
    """

    __tablename__ = "outgoing_letters"
    __table_args__ = (
        sa.UniqueConstraint("number_series", "number_year", "number_seq"),
        # Queues: "to sign" (signer position, approved), "returned to me" (drafter).
        sa.Index("ix_outgoing_letters_signer", "signer_position_id", "status"),
        sa.Index("ix_outgoing_letters_drafter", "drafter_id", "status"),
        # "To send": the signed letters of the positions of a clerk's office.
        sa.Index("ix_outgoing_letters_status", "status", "drafter_position_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type: Mapped[str] = mapped_column(sa.String(12), default="biasa")
    subject: Mapped[str] = mapped_column(sa.String(500))
    classification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifications.id"))
    security: Mapped[str] = mapped_column(sa.String(2), default="B")
    speed: Mapped[str] = mapped_column(sa.String(12), default="biasa")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    revision: Mapped[int] = mapped_column(default=1)
    drafter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    drafter_position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    signer_position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    # Signing capacity (Permendagri 1/2023): "langsung" (in the signer's own name), "an"
    # (atas nama ``on_behalf_position``) or "ub" (untuk beliau: a.n. that position, for
    # its direct subordinate). See ``outgoing.signing.check_capacity``.
    signing_as: Mapped[str] = mapped_column(sa.String(8), default="langsung",
                                            server_default="langsung")
    on_behalf_position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    current_step: Mapped[int] = mapped_column(default=0)
    reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_letters.id"))
    closes_recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("disposition_recipients.id"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_letters.id"))
    correction_kind: Mapped[str | None] = mapped_column(sa.String(10))  # replaces | cancels
    number: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    number_series: Mapped[str | None] = mapped_column(sa.String(64))
    number_year: Mapped[int | None]
    number_seq: Mapped[int | None]
    signed_at: Mapped[dt.datetime | None]
    signed_date: Mapped[dt.date | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signatory: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # name, nip, position, rank
    pdf_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    verify_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sent_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)

    classification: Mapped[Classification | None] = relationship()
    drafter: Mapped[User] = relationship(foreign_keys=[drafter_id])
    drafter_position: Mapped[Position | None] = relationship(foreign_keys=[drafter_position_id])
    signer_position: Mapped[Position] = relationship(foreign_keys=[signer_position_id])
    on_behalf_position: Mapped[Position | None] = relationship(
        foreign_keys=[on_behalf_position_id])
    reply_to: Mapped[IncomingLetter | None] = relationship(foreign_keys=[reply_to_id])
    replaces: Mapped[OutgoingLetter | None] = relationship(remote_side=[id],
                                                           foreign_keys=[replaces_id])
    pdf_file: Mapped[StoredFile | None] = relationship(foreign_keys=[pdf_file_id])
    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="OutgoingRecipient.id")
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="ApprovalStep.order")
    revisions: Mapped[list[DraftRevision]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="DraftRevision.number")
    attachments: Mapped[list[OutgoingAttachment]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="OutgoingAttachment.id")
    co_signatories: Mapped[list[OutgoingSignatory]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="OutgoingSignatory.order")

    @property
    def is_frozen(self) -> bool:
        return self.status in ("signing", "signed", "sent", "cancelled")

    @property
    def to_recipients(self) -> list[OutgoingRecipient]:
        return [r for r in self.recipients if r.kind == "to"]

    @property
    def copy_recipients(self) -> list[OutgoingRecipient]:
        return [r for r in self.recipients if r.kind == "cc"]


class OutgoingRecipient(db.Model):
    """An addressee (``to``) or copy (``cc``, tembusan): an internal position, or an
    external name/agency/address. Internal recipients get the letter as an incoming
    letter on sending; external ones are recorded as dispatched (buku ekspedisi). An
    external recipient with ``peer_id`` is another region's e-office: the signed letter
    is delivered to it electronically (``eoffice.exchange``)."""

    __tablename__ = "outgoing_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id",
                                                         ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(2), default="to")
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    name: Mapped[str | None] = mapped_column(sa.String(255))
    agency: Mapped[str | None] = mapped_column(sa.String(255))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    peer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exchange_peers.id"), index=True)
    incoming_letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incoming_letters.id"))
    dispatch_method: Mapped[str | None] = mapped_column(sa.String(10))
    dispatched_on: Mapped[dt.date | None] = mapped_column(index=True)
    dispatched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    dispatch_note: Mapped[str | None] = mapped_column(sa.String(255))

    letter: Mapped[OutgoingLetter] = relationship(back_populates="recipients")
    position: Mapped[Position | None] = relationship()
    peer: Mapped[Peer | None] = relationship()

    @property
    def is_internal(self) -> bool:
        return self.position_id is not None

    @property
    def label(self) -> str:
        if self.position is not None:
            return self.position.name
        return ", ".join(p for p in (self.name, self.agency) if p)


class ApprovalStep(db.Model):
    """One verifier (paraf) in the ordered chain before the signature."""

    __tablename__ = "approval_steps"
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "order"),
        # A verifier's queue: the steps of a position still waiting (pending).
        sa.Index("ix_approval_steps_queue", "position_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id",
                                                         ondelete="CASCADE"), index=True)
    order: Mapped[int]
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # approved, returned
    acted_at: Mapped[dt.datetime | None]
    acted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    letter: Mapped[OutgoingLetter] = relationship(back_populates="steps")
    position: Mapped[Position] = relationship()


class OutgoingSignatory(db.Model):
    """A further signatory of a letter signed by several officials (a joint letter, two
    heads), in order after the first one, the letter's ``signer_position``.

    The first signatory's signature numbers the letter and renders the final PDF with
    every signature block; each further signatory then adds their own PAdES signature as
    an incremental update, in ``order``. ``status``: ``waiting`` (an earlier signature is
    still missing), ``due`` (their turn: their "to sign" queue reads it), ``signed``.
    ``block`` is their signature block as printed in the PDF (name, NIP, position and the
    ``staff_id`` of the person named), so that only that person can sign it."""

    __tablename__ = "outgoing_signatories"
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "order"),
        # A signatory's "to sign" queue: the rows of a position whose turn it is.
        sa.Index("ix_outgoing_signatories_queue", "position_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id",
                                                         ondelete="CASCADE"), index=True)
    order: Mapped[int]  # 1, 2, ...: the letter's signer_position signs first (0)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="waiting")
    block: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    signed_at: Mapped[dt.datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))  # the PDF after signing

    letter: Mapped[OutgoingLetter] = relationship(back_populates="co_signatories")
    position: Mapped[Position] = relationship()


class DraftRevision(db.Model):
    """A saved version of the draft's content; any two can be compared."""

    __tablename__ = "draft_revisions"
    __table_args__ = (sa.UniqueConstraint("letter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id",
                                                         ondelete="CASCADE"), index=True)
    number: Mapped[int]
    subject: Mapped[str] = mapped_column(sa.String(500))
    body_html: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)

    letter: Mapped[OutgoingLetter] = relationship(back_populates="revisions")


class OutgoingAttachment(db.Model):
    """A file attached to the draft (lampiran), content-checked like every upload."""

    __tablename__ = "outgoing_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("outgoing_letters.id",
                                                         ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))

    letter: Mapped[OutgoingLetter] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")
