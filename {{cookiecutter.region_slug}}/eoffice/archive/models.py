"""Classification codes of Permendagri 83/2022 and the retention schedule in force."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin, utcnow
from eoffice.extensions import db

FINAL_DISPOSITIONS = ("musnah", "permanen", "dinilai_kembali")
NAME_MAX = 1000  # the regulation's names carry "antara lain: ..." lists (up to ~870 chars)


def sort_key(code: str) -> str:
    """``400.10.2`` -> ``400.010.002``: sorts the codes in the regulation's order with a
    plain string comparison, so a page of the tree is one indexed ORDER BY."""
    return ".".join(part.zfill(3) for part in code.split("."))


class Classification(TimestampMixin, db.Model):
    """A klasifikasi arsip code (e.g. ``000.1`` Ketatausahaan): a dotted hierarchy
    under the ten top codes 000 Umum ... 900 Keuangan, four levels deep. Each code may
    carry its retention (jadwal retensi arsip): years active, years inactive, what
    happens after (musnah, permanen, dinilai kembali), the schedule's conditions and
    the regulation it comes from. A code is deactivated, never deleted: letters keep it."""

    __tablename__ = "classifications"
    __table_args__ = (
        # A code-prefix search (LIKE '400.1%') from an index whatever PostgreSQL's
        # collation; SQLite answers the same search (GLOB) from the unique index.
        sa.Index("ix_classifications_code_pattern", "code",
                 postgresql_ops={"code": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("classifications.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    sort_key: Mapped[str] = mapped_column(sa.String(64), index=True, default="")
    active: Mapped[bool] = mapped_column(default=True)
    retention_active_years: Mapped[int | None]
    retention_inactive_years: Mapped[int | None]
    final_disposition: Mapped[str | None] = mapped_column(sa.String(20))
    retention_note: Mapped[str | None] = mapped_column(sa.Text)
    retention_source: Mapped[str | None] = mapped_column(sa.String(255))

    parent: Mapped[Classification | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")

    def set_code(self, code: str) -> None:
        """The code with the columns derived from it (level, sort key)."""
        self.code, self.level, self.sort_key = code, code.count(".") + 1, sort_key(code)


class RetentionSchedule(db.Model):
    """Which retention schedule (JRA) is in force: one row per import, the newest wins.

    The app ships an *example* schedule (one province's Pergub) so that retention is
    not empty on day one; every region must set its own by a Perkada and import it.
    Until it does, the admin pages say that the example is in force."""

    __tablename__ = "retention_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    is_example: Mapped[bool] = mapped_column(default=False)
    codes: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
