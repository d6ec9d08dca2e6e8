"""Dispositions (disposisi): instructions that route a letter down the organisation."""

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
    from eoffice.org.models import Position

# unread -> read -> in_progress -> done; cancelled by the sender while unread.
RECIPIENT_STATUSES = ("unread", "read", "in_progress", "done", "cancelled")
OPEN_STATUSES = ("unread", "read", "in_progress")

disposition_instructions = sa.Table(
    "disposition_instruction_links", db.metadata,
    sa.Column("disposition_id", sa.ForeignKey("dispositions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("instruction_id", sa.ForeignKey("disposition_instructions.id"), primary_key=True),
)


class DispositionInstruction(db.Model):
    """A standard instruction ticked on the lembar disposisi (e.g. "Tanggapan dan saran")."""

    __tablename__ = "disposition_instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Disposition(TimestampMixin, db.Model):
    """A disposisi written by the holder of ``from_position`` on a letter, to one or
    more positions below it. A forwarded disposition (re-disposisi) has
    ``parent_recipient``: the recipient row it was forwarded from."""

    __tablename__ = "dispositions"
    __table_args__ = (
        # The sender's queue, newest first.
        sa.Index("ix_dispositions_sender", "from_position_id", "id"),
        # The hourly due-date scan (eoffice/notifications/scans.py).
        sa.Index("ix_dispositions_due_date", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("incoming_letters.id"), index=True)
    parent_recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("disposition_recipients.id", use_alter=True), index=True)
    from_position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    from_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    from_name: Mapped[str] = mapped_column(sa.String(255))
    note: Mapped[str | None] = mapped_column(sa.Text)
    due_date: Mapped[dt.date | None]

    letter: Mapped[IncomingLetter] = relationship(back_populates="dispositions")
    from_position: Mapped[Position] = relationship()
    from_user: Mapped[User] = relationship()
    recipients: Mapped[list[DispositionRecipient]] = relationship(
        back_populates="disposition", cascade="all, delete-orphan",
        foreign_keys="DispositionRecipient.disposition_id", order_by="DispositionRecipient.id")
    instructions: Mapped[list[DispositionInstruction]] = relationship(
        secondary=disposition_instructions, order_by="DispositionInstruction.sort_order")
    parent_recipient: Mapped[DispositionRecipient | None] = relationship(
        foreign_keys=[parent_recipient_id], back_populates="forwards")


class DispositionRecipient(db.Model):
    """One position that received a disposition, with its own status and report.

    ``from_position_id`` and ``due_date`` copy the disposition's (kept in step when
    the disposition's change), so that "the open dispositions I gave that are overdue" is one
    range of ``ix_disposition_recipients_given`` however many a head ever gave: the
    dashboard counter reads only the open, overdue rows.
    """

    __tablename__ = "disposition_recipients"
    __table_args__ = (
        sa.UniqueConstraint("disposition_id", "position_id"),
        # A position's queues: open ones (by status), done ones (latest first).
        sa.Index("ix_disposition_recipients_queue", "position_id", "status",
                 "status_changed_at"),
        # The sender's open recipients by due date (see the docstring).
        sa.Index("ix_disposition_recipients_given", "from_position_id", "status",
                 "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disposition_id: Mapped[int] = mapped_column(sa.ForeignKey("dispositions.id",
                                                              ondelete="CASCADE"), index=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"))
    status: Mapped[str] = mapped_column(sa.String(12), default="unread")
    status_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    report: Mapped[str | None] = mapped_column(sa.Text)
    report_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    report_filename: Mapped[str | None] = mapped_column(sa.String(255))
    return_note: Mapped[str | None] = mapped_column(sa.Text)
    from_position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    due_date: Mapped[dt.date | None]

    disposition: Mapped[Disposition] = relationship(back_populates="recipients",
                                                    foreign_keys=[disposition_id])
    position: Mapped[Position] = relationship(foreign_keys=[position_id])
    report_file: Mapped[StoredFile | None] = relationship()
    forwards: Mapped[list[Disposition]] = relationship(
        back_populates="parent_recipient", foreign_keys="Disposition.parent_recipient_id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        due = self.disposition.due_date
        return bool(due and self.is_open and due < today)


@sa.event.listens_for(DispositionRecipient, "before_insert")
def _copy_from_disposition(mapper, connection, target: DispositionRecipient) -> None:
    """Every recipient row carries its disposition's sender and due date (see the
    docstring)."""
    disposition = target.__dict__.get("disposition")
    if disposition is not None:
        sender, due = disposition.from_position_id, disposition.due_date
    else:
        sender, due = connection.execute(sa.select(
            Disposition.from_position_id, Disposition.due_date).where(
            Disposition.id == target.disposition_id)).one()
    target.from_position_id, target.due_date = sender, due


@sa.event.listens_for(Disposition, "after_update")
def _sender_or_due_date_changed(mapper, connection, target: Disposition) -> None:
    """A disposition's due date (or sender) changed: its recipient rows follow."""
    state = sa.inspect(target).attrs
    if state.due_date.history.has_changes() or state.from_position_id.history.has_changes():
        table = DispositionRecipient.__table__
        connection.execute(sa.update(table).where(table.c.disposition_id == target.id).values(
            from_position_id=target.from_position_id, due_date=target.due_date))
