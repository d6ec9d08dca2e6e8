"""Classification codes of Permendagri 83/2022 and the retention schedule in force."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin, utcnow
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.auth.models import User
    from eoffice.letters.models import IncomingLetter
    from eoffice.org.models import Unit
    from eoffice.outgoing.models import OutgoingLetter

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


# --- Pemberkasan ------------------------------------------------------------------------

# open: letters are filed into it; closed: its retention clock runs (active period);
# inaktif: past the active period (moved to the records centre); usul_musnah / usul_serah /
# dinilai_kembali: past the inactive period, proposed per the JRA's final disposition;
# musnah / diserahkan: a berita acara recorded the destruction or the handover.
BERKAS_STATUSES = ("open", "closed", "inaktif", "usul_musnah", "usul_serah",
                   "dinilai_kembali", "musnah", "diserahkan")
PROPOSAL_STATUSES = ("usul_musnah", "usul_serah", "dinilai_kembali")


class Berkas(TimestampMixin, db.Model):
    """A berkas (file, dossier): the letters of one unit about one classification code
    in one year, kept together from filing to their end (pemberkasan). The berkas, not
    the single letter, is the unit of retention: closing it starts the clock, the JRA
    of its code says for how long it stays active and inactive and what happens then.

    ``number`` is the berkas's number within its unit and year (nomor berkas in the
    daftar berkas). The retention of the code is copied at closing, so that a later JRA
    import does not move the dates of berkas already closed."""

    __tablename__ = "berkas"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", "number"),
        # The daftar berkas of units, newest first; the retention scan by status and date.
        sa.Index("ix_berkas_unit_year", "unit_id", "year", "number"),
        sa.Index("ix_berkas_status_active", "status", "active_until"),
        sa.Index("ix_berkas_status_inactive", "status", "inactive_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    classification_id: Mapped[int] = mapped_column(sa.ForeignKey("classifications.id"),
                                                   index=True)
    year: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_on: Mapped[dt.date | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    retention_active_years: Mapped[int | None]
    retention_inactive_years: Mapped[int | None]
    final_disposition: Mapped[str | None] = mapped_column(sa.String(20))
    active_until: Mapped[dt.date | None]
    inactive_until: Mapped[dt.date | None]
    berita_acara_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("berita_acara.id"), index=True)
    # A legal hold (e.g. a court case or an audit needs the berkas) stops every step of
    # the retention lifecycle until it is lifted; the reason says why.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    legal_hold_reason: Mapped[str | None] = mapped_column(sa.String(500))

    unit: Mapped[Unit] = relationship()
    classification: Mapped[Classification] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    berita_acara: Mapped[BeritaAcara | None] = relationship(back_populates="berkas")

    @property
    def label(self) -> str:
        return f"{self.number}/{self.year} · {self.classification.code} {self.title}"


class BerkasItem(db.Model):
    """A letter filed in a berkas: an incoming letter or an outgoing letter (exactly
    one). A letter sits in one berkas at most (the unique indexes)."""

    __tablename__ = "berkas_items"
    __table_args__ = (
        sa.CheckConstraint("(incoming_letter_id IS NULL) <> (outgoing_letter_id IS NULL)",
                           name="one_letter"),
        sa.Index("ix_berkas_items_berkas", "berkas_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    berkas_id: Mapped[int] = mapped_column(sa.ForeignKey("berkas.id", ondelete="CASCADE"))
    incoming_letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incoming_letters.id"), unique=True)
    outgoing_letter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outgoing_letters.id"), unique=True)
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    berkas: Mapped[Berkas] = relationship()
    incoming_letter: Mapped[IncomingLetter | None] = relationship()
    outgoing_letter: Mapped[OutgoingLetter | None] = relationship()


class BeritaAcara(TimestampMixin, db.Model):
    """The minutes (berita acara) that end berkas past their inactive period: of
    destruction (pemusnahan: ``musnah``) or of handover to the region's archive
    institution (penyerahan: ``serah``). Its number and date are those of the signed
    paper; ``approved_by`` is the head who approved it."""

    __tablename__ = "berita_acara"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # musnah | serah
    number: Mapped[str] = mapped_column(sa.String(128))
    signed_on: Mapped[dt.date]
    approved_by: Mapped[str] = mapped_column(sa.String(255))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    recorded_by: Mapped[User | None] = relationship()
    berkas: Mapped[list[Berkas]] = relationship(back_populates="berita_acara",
                                                order_by="Berkas.id")
