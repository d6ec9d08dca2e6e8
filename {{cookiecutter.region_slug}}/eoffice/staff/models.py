"""Staff records (kepegawaian)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.org.models import Position, Unit

EMPLOYMENT_TYPES = ("pns", "pppk", "non_asn")
STATUSES = ("aktif", "pensiun", "pindah")
GENDERS = ("L", "P")


class Golongan(db.Model):
    """A civil-service grade (golongan/ruang, e.g. III/a) and its rank name (pangkat,
    e.g. Penata Muda). Reference data, seeded from the regulation."""

    __tablename__ = "golongan"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    pangkat: Mapped[str] = mapped_column(sa.String(64))
    rank: Mapped[int] = mapped_column(unique=True)

    @property
    def label(self) -> str:
        return f"{self.code} - {self.pangkat}"


class Staff(TimestampMixin, db.Model):
    """A staff member (pegawai): PNS with a NIP, PPPK with their own number, or
    non-ASN. ``nip`` and ``pppk_number`` are stored as bare digits."""

    __tablename__ = "staff"
    __table_args__ = (
        sa.Index("ix_staff_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    pppk_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    front_title: Mapped[str | None] = mapped_column(sa.String(50))
    name: Mapped[str] = mapped_column(sa.String(150), index=True)
    back_title: Mapped[str | None] = mapped_column(sa.String(80))
    gender: Mapped[str] = mapped_column(sa.String(1))
    birth_place: Mapped[str | None] = mapped_column(sa.String(100))
    birth_date: Mapped[dt.date | None]
    employment_type: Mapped[str] = mapped_column(sa.String(10), index=True)
    golongan_code: Mapped[str | None] = mapped_column(sa.ForeignKey("golongan.code"), index=True)
    jabatan_type: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    jabatan_name: Mapped[str | None] = mapped_column(sa.String(200))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    status: Mapped[str] = mapped_column(sa.String(10), default="aktif", index=True)

    golongan: Mapped[Golongan | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    position: Mapped[Position | None] = relationship(back_populates="holder",
                                                     foreign_keys="Position.holder_id",
                                                     uselist=False)

    @property
    def full_name(self) -> str:
        """Name with academic titles: ``Dr. Siti Aminah, S.Kom., M.T.``"""
        name = self.name
        if self.front_title:
            name = f"{self.front_title} {name}"
        if self.back_title:
            name = f"{name}, {self.back_title}"
        return name

    @property
    def id_number(self) -> str | None:
        return self.nip or self.pppk_number

    def __repr__(self) -> str:
        return f"<Staff {self.name}>"
