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
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    """A numbering pattern is unusable; the message says why (in the UI's language)."""


# Session.info keys: the transaction began with BEGIN IMMEDIATE / has flushed a change.
_WRITE_LOCK = "eoffice_write_lock"
_WROTE = "eoffice_wrote"


@sa.event.listens_for(Session, "after_flush")
def _remember_write(session, flush_context) -> None:
    session.info[_WROTE] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_WRITE_LOCK, None)


def begin_write() -> None:
    """Make sure the session's transaction may write without being overtaken.

    Call it before reading what a write depends on. On SQLite this ends any
    read-only transaction the request has open and starts the next one with
    BEGIN IMMEDIATE: a deferred transaction that read before another writer
    committed could never write ("database is locked", whatever the busy
    timeout). A transaction that already holds the lock or has written is kept.
    On PostgreSQL nothing is needed: row locks (counter, audit head) do the work.
    """
    session = db.session()  # the request's Session (scoped_session hides in_transaction)
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if isinstance(bind, sa.engine.Connection):
        return  # tests: the session is bound to one connection inside a transaction
    if session.in_transaction():
        if session.info.get(_WRITE_LOCK):
            return
        if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
            session.flush()
            return  # it has written already: never commit half of the caller's work
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info[_WRITE_LOCK] = True


LOCKS_ITSELF = "eoffice_locks_itself"


def locks_itself(target):
    """Mark a view or a blueprint whose services call ``begin_write`` themselves, once
    the request is checked: the per-request BEGIN IMMEDIATE (``register_write_transactions``)
    is skipped for it. Its services must then call ``begin_write`` before reading what
    they write from (a deferred transaction that read before another writer committed
    cannot write at all)."""
    setattr(target, LOCKS_ITSELF, True)
    return target


def request_locks_itself(app) -> bool:
    from flask import request

    view = app.view_functions.get(request.endpoint)
    return getattr(view, LOCKS_ITSELF, False) or any(
        getattr(app.blueprints.get(name), LOCKS_ITSELF, False) for name in request.blueprints)


def _ensure_counter(series: str, period: str) -> None:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        session.execute(insert(Counter).values(series=series, period=period, last_value=0)
                        .on_conflict_do_nothing(index_elements=["series", "period"]))
        return
    exists = session.scalar(sa.select(Counter.id).where(
        Counter.series == series, Counter.period == period))
    if exists is None:
        session.add(Counter(series=series, period=period, last_value=0))
        session.flush()


def lock(series: str, period: str) -> None:
    """Hold ``series`` in ``period`` until the transaction ends, without taking a number.

    Checks made before ``next_value`` (e.g. for a duplicate letter) then see every
    record committed by an earlier holder. SQLite: ``begin_write`` already holds
    the whole database.
    """
    _ensure_counter(series, period)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Counter.id).where(
            Counter.series == series, Counter.period == period).with_for_update())


def next_value(series: str, period: str) -> int:
    """Take the next number of ``series`` in ``period`` inside the current transaction."""
    _ensure_counter(series, period)
    value = db.session.execute(
        sa.update(Counter).where(Counter.series == series, Counter.period == period)
        .values(last_value=Counter.last_value + 1).returning(Counter.last_value)
    ).scalar_one()
    return value


def peek(series: str, period: str) -> int:
    """The last number issued (0 when none), without taking one."""
    return db.session.scalar(sa.select(Counter.last_value).where(
        Counter.series == series, Counter.period == period)) or 0


# Placeholders a numbering pattern may use, with the sample value each is checked with
# (the longest a real number is likely to carry: the rendered sample must fit MAX_NUMBER).
PLACEHOLDERS: dict[str, object] = {
    "seq": 99999, "code": "000.1.2.3", "unit": "DISKOMINFO.SEK.UMPEG", "opd": "DISKOMINFO",
    "type": "nota_dinas", "roman_month": "VIII", "month": "12", "year": 2026,
}
_ALLOWED_FIELDS = set(PLACEHOLDERS)
ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
MAX_PATTERN = 80  # characters of a pattern
MAX_NUMBER = 64  # characters of a number (the agenda number column)


def check_pattern(pattern: str, required: tuple[str, ...] = ("seq",)) -> None:
    """Raise PatternError, saying what is wrong, unless ``pattern`` makes usable numbers.

    The one check used by the numbering series form, ``flask eoffice check`` and
    ``format_number``: braces that match, known placeholders only, format specs that
    apply to their value (``{seq:05d}``; not ``{year:x}`` on text), ``{seq}`` present,
    and a pattern and a rendered number short enough to be stored.
    """
    if not (pattern or "").strip():
        raise PatternError(_("The pattern is empty; it needs at least {seq}."))
    if len(pattern) > MAX_PATTERN:
        raise PatternError(_("The pattern is longer than %(n)d characters.",
                                    n=MAX_PATTERN))
    try:
        parts = [(name, spec, conversion) for _, name, spec, conversion
                 in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        raise PatternError(_(
            "Pattern %(p)s: a brace { or } is not closed; write {{ or }} for a brace "
            "itself.", p=repr(pattern))) from None
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for name, spec, conversion in parts:
        if name not in _ALLOWED_FIELDS:
            raise PatternError(_("Pattern %(p)s: unknown placeholder {%(f)s}; use %(a)s.",
                                        p=repr(pattern), f=name or "", a=allowed))
        if conversion or "{" in (spec or ""):
            raise PatternError(_("Pattern %(p)s: bad format of {%(f)s}.",
                                        p=repr(pattern), f=name))
        try:
            format(PLACEHOLDERS[name], spec or "")
        except ValueError:
            raise PatternError(_(
                "Pattern %(p)s: bad format %(s)s for {%(f)s}.", p=repr(pattern),
                s=repr(":" + spec), f=name)) from None
    names = {name for name, _, _ in parts}
    for field in required:
        if field not in names:
            raise PatternError(_("Pattern %(p)s must contain {%(f)s}.",
                                        p=repr(pattern), f=field))
    sample = pattern.format(**PLACEHOLDERS)
    if len(sample) > MAX_NUMBER:
        raise PatternError(_(
            "Pattern %(p)s makes numbers like %(s)s, longer than %(n)d characters.",
            p=repr(pattern), s=sample, n=MAX_NUMBER))


def format_number(pattern: str, seq: int, when: dt.date, extra: Mapping[str, str] | None = None,
                  ) -> str:
    check_pattern(pattern)
    values = {"seq": seq, "year": when.year, "month": f"{when.month:02d}",
              "roman_month": ROMAN_MONTHS[when.month - 1], "code": "", "unit": "", "opd": "",
              "type": ""}
    values.update(extra or {})
    try:
        return pattern.format(**values)
    except (ValueError, KeyError, IndexError) as exc:
        raise PatternError(f"pattern {pattern!r}: {exc}") from exc
