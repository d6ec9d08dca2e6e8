"""Gap-free, duplicate-free counters for agenda numbers and letter numbers.

A counter row per (series, period) is incremented in the same transaction that
saves the numbered record, so a number is used exactly when the record is
committed: a rollback gives the number back, and two transactions can never
take the same one.

- PostgreSQL: the counter row is locked with SELECT ... FOR UPDATE.
- SQLite: the transaction is started with BEGIN IMMEDIATE (``begin_write``), so
  one writer at a time holds the database; others wait (busy timeout).
A unique constraint on the numbered column is the backstop in both cases.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.extensions import db


class Counter(db.Model):
    """The last number issued in a series (e.g. ``agenda``) for a period (e.g. ``2026``)."""

    __tablename__ = "counters"
    __table_args__ = (sa.UniqueConstraint("series", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(16))
    last_value: Mapped[int] = mapped_column(default=0)


class PatternError(ValueError):
    """A numbering pattern in region.toml is unusable; the message says why."""


def begin_write() -> None:
    """Make sure the session's transaction may write without being overtaken.

    On SQLite this ends any read-only transaction the request has open and starts
    the next one with BEGIN IMMEDIATE. On PostgreSQL nothing is needed: the
    counter row lock does the work.
    """
    session = db.session
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if isinstance(bind, sa.engine.Connection):
        return  # tests: the session is bound to one connection inside a transaction
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            session.flush()
            return  # pending writes: this transaction already holds the write lock
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def next_value(series: str, period: str) -> int:
    """Take the next number of ``series`` in ``period`` inside the current transaction."""
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        session.execute(insert(Counter).values(series=series, period=period, last_value=0)
                        .on_conflict_do_nothing(index_elements=["series", "period"]))
    else:
        exists = session.scalar(sa.select(Counter.id).where(
            Counter.series == series, Counter.period == period))
        if exists is None:
            session.add(Counter(series=series, period=period, last_value=0))
            session.flush()
    value = session.execute(
        sa.update(Counter).where(Counter.series == series, Counter.period == period)
        .values(last_value=Counter.last_value + 1).returning(Counter.last_value)
    ).scalar_one()
    return value


def peek(series: str, period: str) -> int:
    """The last number issued (0 when none), without taking one."""
    return db.session.scalar(sa.select(Counter.last_value).where(
        Counter.series == series, Counter.period == period)) or 0


_ALLOWED_FIELDS = {"seq", "year", "month", "code", "unit", "roman_month"}
ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def check_pattern(pattern: str, required: tuple[str, ...] = ("seq",)) -> None:
    """Raise PatternError when the pattern uses unknown fields or misses ``{seq}``."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise PatternError(f"pattern {pattern!r}: {exc}") from exc
    unknown = names - _ALLOWED_FIELDS
    if unknown:
        raise PatternError(f"pattern {pattern!r}: unknown field(s) {', '.join(sorted(unknown))}; "
                           f"use {', '.join(sorted(_ALLOWED_FIELDS))}")
    for field in required:
        if field not in names:
            raise PatternError(f"pattern {pattern!r} must contain {{{field}}}")


def format_number(pattern: str, seq: int, when: dt.date, extra: Mapping[str, str] | None = None,
                  ) -> str:
    check_pattern(pattern)
    values = {"seq": seq, "year": when.year, "month": f"{when.month:02d}",
              "roman_month": ROMAN_MONTHS[when.month - 1], "code": "", "unit": ""}
    values.update(extra or {})
    try:
        return pattern.format(**values)
    except (ValueError, KeyError, IndexError) as exc:
        raise PatternError(f"pattern {pattern!r}: {exc}") from exc
