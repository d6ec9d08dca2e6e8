"""Incoming letters (surat masuk)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.archive.models import Classification
    from eoffice.auth.models import User
    from eoffice.dispositions.models import Disposition
    from eoffice.files import StoredFile
    from eoffice.org.models import Position, Unit

# Security level (sifat): biasa, terbatas, rahasia, sangat rahasia.
SECURITY_LEVELS = ("B", "T", "R", "SR")
RESTRICTED_LEVELS = ("R", "SR")
# Speed level (kecepatan).
SPEED_LEVELS = ("biasa", "penting", "segera", "amat_segera")
# registered: waiting for / under disposition; filed: no disposition needed (diarsipkan);
# cancelled: registered in error (the agenda number stays used); awaiting: received from
# another region's app, waiting for a clerk to accept it (eoffice.exchange; seen by nobody
# through the letter pages until then).
LETTER_STATUSES = ("registered", "filed", "cancelled", "awaiting")


class IncomingLetter(TimestampMixin, db.Model):
    """A letter received by the region (surat masuk), registered by a clerk
    (pencatat) with an agenda number, then routed by disposition.

    Never deleted: a letter registered in error is cancelled with a reason.
    """

    __tablename__ = "incoming_letters"
    __table_args__ = (
        # Each numbering series (its counter key) is one agenda book; it starts again each
        # year: "00001" is unique within its book and year.
        sa.UniqueConstraint("agenda_counter", "agenda_year", "agenda_seq"),
        sa.UniqueConstraint("agenda_counter", "agenda_year", "agenda_number"),
        # The agenda book of an OPD, in order.
        sa.Index("ix_incoming_letters_agenda_opd", "agenda_opd_id", "received_date"),
        sa.Index("ix_incoming_letters_received", "received_date", "id"),
        sa.Index("ix_incoming_letters_sender_number", "sender_number"),
        # Duplicate check at registration: one unit's letters of one year.
        sa.Index("ix_incoming_letters_unit_year", "registering_unit_id", "agenda_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_number: Mapped[str] = mapped_column(sa.String(64))
    agenda_year: Mapped[int]
    agenda_seq: Mapped[int]
    # The counter the agenda number was taken from (``NumberingSeries.key``) and the OPD
    # whose agenda book holds the letter (None: the region's own book).
    agenda_counter: Mapped[str] = mapped_column(sa.String(80), default="agenda")
    agenda_opd_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    sender: Mapped[str] = mapped_column(sa.String(255), index=True)
    sender_number: Mapped[str] = mapped_column(sa.String(128))
    letter_date: Mapped[dt.date]
    received_date: Mapped[dt.date]
    subject: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    classification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("classifications.id"), index=True)
    security: Mapped[str] = mapped_column(sa.String(2), default="B", index=True)
    speed: Mapped[str] = mapped_column(sa.String(12), default="biasa", index=True)
    physical_attachments: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="registered", index=True)
    registered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    registering_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    filed_note: Mapped[str | None] = mapped_column(sa.Text)

    classification: Mapped[Classification | None] = relationship()
    registered_by: Mapped[User] = relationship()
    registering_unit: Mapped[Unit | None] = relationship(foreign_keys=[registering_unit_id])
    agenda_opd: Mapped[Unit | None] = relationship(foreign_keys=[agenda_opd_id])
    recipients: Mapped[list[LetterRecipient]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="LetterRecipient.id")
    attachments: Mapped[list[LetterAttachment]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="LetterAttachment.id")
    dispositions: Mapped[list[Disposition]] = relationship(
        back_populates="letter", order_by="Disposition.id")

    @property
    def is_restricted(self) -> bool:
        return self.security in RESTRICTED_LEVELS

    @property
    def addressees(self) -> list[LetterRecipient]:
        return [r for r in self.recipients if r.kind == "to"]

    @property
    def copies(self) -> list[LetterRecipient]:
        return [r for r in self.recipients if r.kind == "cc"]


class LetterRecipient(db.Model):
    """A position the letter is addressed to (``to``) or copied to (``cc``, tembusan).

    ``read_at`` is set when the holder first opens the letter. ``received_date`` (the
    letter's, which never changes) and ``letter_open`` (the letter is registered: not
    cancelled, filed or awaiting) are copied here so that a position's unread open
    letters, newest first, are one range of the partial index
    ``ix_letter_recipients_unread``: the "to read" and "copies" queues and their
    counters read nothing else.
    """

    __tablename__ = "letter_recipients"
    __table_args__ = (
        sa.UniqueConstraint("letter_id", "position_id"),
        sa.Index("ix_letter_recipients_unread", "position_id", "kind", "letter_open",
                 "received_date", "letter_id", sqlite_where=sa.text("read_at IS NULL"),
                 postgresql_where=sa.text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_letters.id",
                                                         ondelete="CASCADE"), index=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    kind: Mapped[str] = mapped_column(sa.String(2))  # "to" or "cc"
    read_at: Mapped[dt.datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_date: Mapped[dt.date | None]
    letter_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    letter: Mapped[IncomingLetter] = relationship(back_populates="recipients")
    position: Mapped[Position] = relationship()


@sa.event.listens_for(LetterRecipient, "before_insert")
def _copy_from_letter(mapper, connection, target: LetterRecipient) -> None:
    """Every recipient row carries its letter's date received and whether it is open
    (see the docstring)."""
    letter = target.__dict__.get("letter")
    if letter is not None:
        day, status = letter.received_date, letter.status
    else:
        day, status = connection.execute(sa.select(
            IncomingLetter.received_date, IncomingLetter.status).where(
            IncomingLetter.id == target.letter_id)).one()
    if target.received_date is None:
        target.received_date = day
    target.letter_open = status == "registered"


@sa.event.listens_for(IncomingLetter, "after_update")
def _letter_opened_or_closed(mapper, connection, target: IncomingLetter) -> None:
    """A letter cancelled, filed or accepted: its recipient rows follow."""
    if sa.inspect(target).attrs.status.history.has_changes():
        connection.execute(sa.update(LetterRecipient.__table__).where(
            LetterRecipient.__table__.c.letter_id == target.id).values(
            letter_open=target.status == "registered"))


class LetterAttachment(db.Model):
    """A scanned file of the letter (PDF, JPG, PNG)."""

    __tablename__ = "letter_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_letters.id",
                                                         ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))

    letter: Mapped[IncomingLetter] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")


def recipient_copies_differ(connection) -> int:
    """Recipient rows whose copied date received or open flag disagrees with their
    letter (0 when all agree; the flush events keep them so)."""
    letter, recipient = IncomingLetter.__table__, LetterRecipient.__table__
    return connection.scalar(sa.select(sa.func.count()).select_from(
        recipient.join(letter, letter.c.id == recipient.c.letter_id)).where(sa.or_(
            recipient.c.received_date.is_(None),
            recipient.c.received_date != letter.c.received_date,
            recipient.c.letter_open != (letter.c.status == "registered")))) or 0


def copy_to_recipients(connection) -> None:
    """Write the copied columns of every recipient row again from its letter."""
    letter, recipient = IncomingLetter.__table__, LetterRecipient.__table__
    connection.execute(sa.update(recipient).values(
        received_date=sa.select(letter.c.received_date).where(
            letter.c.id == recipient.c.letter_id).scalar_subquery(),
        letter_open=sa.select(letter.c.status == "registered").where(
            letter.c.id == recipient.c.letter_id).scalar_subquery()))
