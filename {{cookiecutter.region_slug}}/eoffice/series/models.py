"""Numbering series (seri penomoran) as data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.org.models import Unit

SCOPES = ("region", "opd", "unit")
AGENDA = "agenda"  # the kind of the agenda book of incoming letters
OUTGOING_PREFIX = "outgoing:"  # + the code of a naskah type (eoffice.naskah)


class NumberingSeries(TimestampMixin, db.Model):
    """One sequence of numbers and the pattern that renders them.

    ``scope`` says whose documents it numbers: the whole region, one OPD (a
    top-level unit of the organisation) or one unit and the units below it
    (``unit_id``). ``kinds`` lists the documents it covers: ``agenda`` (agenda
    numbers of incoming letters) and ``outgoing:<type>`` (outgoing letters of a
    naskah type). ``classification_codes``, when not empty, restricts it to those
    classification codes and the codes below them (``800`` covers ``800.1.2``).

    The counter row (``eoffice.numbering.Counter``) is keyed ``counter_key``: the
    series' id (``series:<id>``) for every series made here; the two defaults
    created from region.toml when series became data keep the keys their counters
    had before (``agenda``, ``surat``), so their numbers continue without a gap
    and without one being issued twice. With ``per_code`` every classification
    code has its own counter (``<key>:<code>``); with ``yearly_reset`` the
    numbers start again at 1 each year.
    """

    __tablename__ = "numbering_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    scope: Mapped[str] = mapped_column(sa.String(10), default="region")
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    kinds: Mapped[list] = mapped_column(sa.JSON, default=list)
    classification_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    pattern: Mapped[str] = mapped_column(sa.String(80))
    yearly_reset: Mapped[bool] = mapped_column(default=True)
    per_code: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    counter_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    # "agenda" / "outgoing" for the defaults made from region.toml (at most one each).
    default_for: Mapped[str | None] = mapped_column(sa.String(20), unique=True)

    unit: Mapped[Unit | None] = relationship()

    def key(self, code: str = "") -> str:
        """The counter's series key (with the classification code when ``per_code``)."""
        base = self.counter_key or f"series:{self.id}"
        return f"{base}:{code}" if self.per_code and code else base

    def period(self, year: int) -> str:
        return str(year) if self.yearly_reset else "-"

    def covers_code(self, code: str) -> bool:
        return any(code == c or code.startswith(c + ".") for c in self.classification_codes or [])

    def __repr__(self) -> str:
        return f"<NumberingSeries {self.id} {self.name}>"
