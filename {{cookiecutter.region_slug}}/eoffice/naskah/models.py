"""Naskah types and the signing-authority table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.org.models import Position, Unit

# The five layouts the core draws (fields of the form, PDF template, eoffice/templates/
# pdf/outgoing/<layout>.html): every naskah type is drawn with one of them, unless
# local/ gives it a template of its own (pdf/outgoing/<code>.html).
LAYOUTS = ("biasa", "nota_dinas", "undangan", "tugas", "edaran")

# Levels of the signing-authority table, highest first. A rule with a level lets every
# position at that level or above sign.
LEVELS = ("kepala_daerah", "kepala_opd", "kepala_unit", "semua")

naskah_type_opds = sa.Table(
    "naskah_type_opds", db.metadata,
    sa.Column("naskah_type_id", sa.ForeignKey("naskah_types.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class NaskahType(TimestampMixin, db.Model):
    """A kind of naskah dinas (Surat Dinas, Nota Dinas, Surat Keputusan, Memo, ...).

    ``code`` is what an outgoing letter stores as its ``letter_type`` and what its
    numbering series lists (``outgoing:<code>``): it never changes once made.
    ``number_code`` is what ``{type}`` prints in a number pattern ("ND", "SE").
    ``layout`` says which fields the draft form asks for and which PDF layout draws
    it. ``internal_only`` types go to internal positions only (nota dinas, memo).
    With ``all_opds`` every OPD may write the type; otherwise only the ``opds``
    listed (the drafter's OPD decides).
    """

    __tablename__ = "naskah_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    number_code: Mapped[str] = mapped_column(sa.String(16))
    layout: Mapped[str] = mapped_column(sa.String(12), default="biasa")
    internal_only: Mapped[bool] = mapped_column(default=False)
    all_opds: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    opds: Mapped[list[Unit]] = relationship(secondary=naskah_type_opds, order_by="Unit.name")
    authorities: Mapped[list[SigningAuthority]] = relationship(
        back_populates="naskah_type", cascade="all, delete-orphan",
        order_by="SigningAuthority.id")

    def __repr__(self) -> str:
        return f"<NaskahType {self.code}>"


class SigningAuthority(TimestampMixin, db.Model):
    """One row of the signing-authority table: who may sign a naskah type.

    Either a ``level`` (``kepala_daerah``: the head of the region; ``kepala_opd``: the
    head of an OPD, or above; ``kepala_unit``: the head of any unit, or above;
    ``semua``: any position) or one ``position``. ``unit_id`` None: the rule holds
    in every OPD; an OPD: only there, and an OPD with rules of its own for a type
    follows only those. ``delegable``: the holder may also have the letter signed
    a.n. or u.b. (atas nama / untuk beliau) by a position below.
    """

    __tablename__ = "signing_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    naskah_type_id: Mapped[int] = mapped_column(
        sa.ForeignKey("naskah_types.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    level: Mapped[str | None] = mapped_column(sa.String(16))
    position_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), index=True)
    delegable: Mapped[bool] = mapped_column(default=False)

    naskah_type: Mapped[NaskahType] = relationship(back_populates="authorities")
    unit: Mapped[Unit | None] = relationship()
    position: Mapped[Position | None] = relationship()
