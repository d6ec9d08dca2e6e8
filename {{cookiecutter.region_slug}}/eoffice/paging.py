"""Keyset pagination: lists page by the key of their last row, never by OFFSET.

A list is ordered by a tuple of columns, all in one direction (newest first:
``received_date DESC, id DESC``). A page is asked for with a *cursor*: the key of
the row it continues from and the way it goes (``next``: rows after that key in
list order, ``prev``: rows before it). Asking for ``per_page + 1`` rows tells
whether there is more, so no page ever counts the whole table; a capped count
("more than 1,000") is available where a list wants a hint of its size.

Cursors travel in URLs as opaque, URL-safe strings. A malformed or tampered
cursor is not an error: the list starts from its first page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, request

# The value types a key may hold, by the letter that marks them in the cursor.
_ENCODERS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    bool: ("b", bool),
    int: ("i", int),
    str: ("s", str),
    dt.datetime: ("t", lambda v: v.isoformat()),
    dt.date: ("d", lambda v: v.isoformat()),
}
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "b": bool,
    "i": int,
    "s": str,
    "t": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
}
MAX_CURSOR_LENGTH = 512


@dataclass(frozen=True)
class Cursor:
    key: tuple
    forward: bool = True  # True: the page after ``key`` (older); False: the page before it


def encode_cursor(key: Sequence[Any], forward: bool = True) -> str:
    """The URL form of a cursor: ``key`` holds ints, strings, dates or datetimes."""
    items = []
    for value in key:
        # datetime is a date: look it up first.
        kind = dt.datetime if isinstance(value, dt.datetime) else type(value)
        if value is None or kind not in _ENCODERS:
            raise TypeError(f"cannot put {value!r} in a cursor")
        mark, encode = _ENCODERS[kind]
        items.append([mark, encode(value)])
    raw = json.dumps(["n" if forward else "p", items], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None, arity: int | None = None) -> Cursor | None:
    """The cursor in ``text``, or None when it is absent or not a cursor we wrote."""
    if not text or len(text) > MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        way, items = json.loads(raw.decode())
        if way not in ("n", "p") or not isinstance(items, list):
            return None
        key = tuple(_DECODERS[mark](value) for mark, value in items)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        return None
    if not key or (arity is not None and len(key) != arity):
        return None
    if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in key):
        return None
    return Cursor(key, way == "n")


@dataclass
class KeysetPage:
    """One page of a keyset-paged list, as templates and the API read it."""

    items: list
    per_page: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    # Rows in the whole list when counting was cheap, else None; ``more_than`` is
    # then the cap that was reached ("more than 1,000").
    total: int | None = None
    more_than: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def fits(cursor: Cursor | None, *types: type) -> Cursor | None:
    """The cursor when its key holds values of exactly these types (ints within 32
    bits, dates a list can hold), else None: a cursor of another list, or forged,
    starts the list from its first page instead of reaching the database."""
    if cursor is None or len(cursor.key) != len(types):
        return None
    for value, wanted in zip(cursor.key, types, strict=True):
        if wanted is int:
            if type(value) is not int or not -(2**31) <= value < 2**31:
                return None
        elif wanted is dt.datetime:
            if not isinstance(value, dt.datetime):
                return None
        elif wanted is dt.date:
            if type(value) is not dt.date:
                return None
        elif type(value) is not wanted:
            return None
    return cursor


def per_page_arg(default: int | None = None, maximum: int = 100) -> int:
    """``per_page`` from the query string, within 1..maximum (a bad value: the default)."""
    default = default or current_app.config.get("PER_PAGE", 25)
    try:
        value = int(request.args.get("per_page", default))
    except (TypeError, ValueError):
        value = default
    return max(1, min(value, maximum))


def cursor_arg(arity: int | None = None, name: str = "cursor") -> Cursor | None:
    return decode_cursor(request.args.get(name), arity)


def after(columns: Sequence[sa.ColumnElement], key: Sequence[Any], descending: bool = True):
    """SQL condition: rows that come after ``key`` in a list ordered by ``columns``
    (all descending, or all ascending). A row-value comparison, which both SQLite and
    PostgreSQL answer from an index on the same columns."""
    left, right = sa.tuple_(*columns), sa.tuple_(*[sa.literal(v) for v in key])
    return left < right if descending else left > right


COUNT_CAP = 1000


def capped_count(query: sa.Select, cap: int = COUNT_CAP) -> tuple[int | None, int | None]:
    """(total, None) when ``query`` has at most ``cap`` rows, else (None, cap): what a
    ``KeysetPage`` shows. Never reads more than ``cap + 1`` rows."""
    from eoffice.extensions import db

    inner = query.order_by(None).options().limit(cap + 1).subquery()
    number = db.session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0
    return (number, None) if number <= cap else (None, cap)


def page_from_rows(rows: list, per_page: int, cursor: Cursor | None,
                   key_of: Callable[[Any], tuple]) -> KeysetPage:
    """Build a page from ``per_page + 1`` rows fetched in the cursor's direction.

    Rows fetched for a ``prev`` cursor come in reverse list order; they are put back
    in list order here.
    """
    more = len(rows) > per_page
    rows = rows[:per_page]
    forward = cursor is None or cursor.forward
    if not forward:
        rows.reverse()
    page = KeysetPage(items=rows, per_page=per_page)
    if not rows:
        if cursor is not None:  # past either end: offer the way back
            page.prev_cursor = encode_cursor(cursor.key, False) if forward else None
            page.next_cursor = None if forward else encode_cursor(cursor.key, True)
        return page
    first, last = key_of(rows[0]), key_of(rows[-1])
    if forward:
        page.next_cursor = encode_cursor(last, True) if more else None
        page.prev_cursor = encode_cursor(first, False) if cursor is not None else None
    else:
        page.prev_cursor = encode_cursor(first, False) if more else None
        page.next_cursor = encode_cursor(last, True)
    return page
