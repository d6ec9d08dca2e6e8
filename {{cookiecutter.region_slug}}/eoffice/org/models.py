"""The organisation tree: units (OPD, bidang/bagian, seksi/subbagian) and positions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.auth.models import User
    from eoffice.staff.models import Staff

UNIT_KINDS = ("pemda", "opd", "sekretariat", "bidang", "bagian", "seksi", "subbagian", "uptd",
              "lainnya")
JABATAN_TYPES = ("jpt", "administrator", "pengawas", "fungsional", "pelaksana")


class Unit(TimestampMixin, db.Model):
    """A unit of the organisation (unit kerja). ``code`` appears in letter numbers."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="lainnya")
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent",
                                                order_by="Unit.sort_order, Unit.name")
    positions: Mapped[list[Position]] = relationship(back_populates="unit",
                                                     order_by="Position.sort_order, Position.name")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Position(TimestampMixin, db.Model):
    """A position (jabatan) in a unit. Letters and dispositions are addressed to
    positions, so when the holder changes the inbox follows the position.

    ``parent`` is the position directly above (atasan langsung): dispositions go
    down these links.
    """

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"),
                                         index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="RESTRICT"), index=True)
    jabatan_type: Mapped[str] = mapped_column(sa.String(20), default="pelaksana")
    is_head: Mapped[bool] = mapped_column(default=False)
    holder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="positions")
    parent: Mapped[Position | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Position]] = relationship(back_populates="parent")
    holder: Mapped[Staff | None] = relationship(foreign_keys=[holder_id],
                                                back_populates="position")

    def __repr__(self) -> str:
        return f"<Position {self.name}>"


class PositionPath(db.Model):
    """The position tree as pairs: ``ancestor`` is ``descendant`` itself (depth 0) or a
    position above it. Derived from ``positions.parent_id`` (``eoffice.org.paths``),
    rewritten whenever the tree changes, so "every position above this one" and
    "every position below that one" are index lookups in SQL."""

    __tablename__ = "position_paths"

    ancestor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True, index=True)
    depth: Mapped[int]


class UnitPath(db.Model):
    """The unit tree as pairs (see ``PositionPath``): ``ancestor`` is ``descendant``
    itself (depth 0) or a unit above it."""

    __tablename__ = "unit_paths"

    ancestor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True)
    depth: Mapped[int]


ACTING_KINDS = ("plt", "plh")


class ActingAssignment(TimestampMixin, db.Model):
    """An acting official (pejabat pelaksana) for a position, for a range of days.

    - **Plt** (pelaksana tugas): the position is vacant (the holder left for good);
    - **Plh** (pelaksana harian): the holder is away for a while (leave, duty travel).

    From ``start_date`` to ``end_date`` (region-local days, both included) the acting
    user holds the position as well as their own one: its letters, dispositions and
    queues are theirs, and they sign as "Plt./Plh. <position>" (Permendagri 1/2023).
    ``ended_at`` is set when an administrator ends the assignment early: from then on
    it gives nothing, whatever its dates say. ``decree`` is the number of the letter
    that appointed them (surat perintah), or a note.
    """

    __tablename__ = "acting_assignments"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="range"),
        sa.Index("ix_acting_assignments_user", "user_id", "start_date"),
        sa.Index("ix_acting_assignments_position", "position_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(3), default="plt")
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    decree: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[dt.datetime | None]

    position: Mapped[Position] = relationship(foreign_keys=[position_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def label(self) -> str:
        """"Plt." or "Plh.", as the signature block writes it."""
        return "Plt." if self.kind == "plt" else "Plh."

    def is_active_on(self, day: dt.date) -> bool:
        return self.ended_at is None and self.start_date <= day <= self.end_date
