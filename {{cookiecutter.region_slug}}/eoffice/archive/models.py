"""Classification codes of Permendagri 83/2022."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

FINAL_DISPOSITIONS = ("musnah", "permanen", "dinilai_kembali")


class Classification(TimestampMixin, db.Model):
    """A klasifikasi arsip code (e.g. ``000.1`` Ketatausahaan): a dotted hierarchy
    under the ten top codes 000 Umum ... 900 Keuangan. Each code may carry its
    retention (jadwal retensi arsip): years active, years inactive, and what
    happens after (musnah, permanen, dinilai kembali)."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("classifications.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    retention_active_years: Mapped[int | None]
    retention_inactive_years: Mapped[int | None]
    final_disposition: Mapped[str | None] = mapped_column(sa.String(20))

    parent: Mapped[Classification | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")
