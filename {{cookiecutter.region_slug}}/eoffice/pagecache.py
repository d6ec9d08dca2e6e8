"""Whole-page cache of the busiest pages, per session, dropped by any write.

Why: the letter list, the inbox queues, the outgoing list and the dashboard are asked
for again and again (a clerk refreshing the inbox, a head going back to the list after
each letter). Building one costs 8-15 ms of CPU: the user's grants, 25 letters with
their addressees, 25-30 KB of Jinja. A bare Flask route costs under 1 ms. When nothing
was written since the same session saw the same URL, the page it would get is the page
it got: serving that from memory keeps a small server's capacity for real work.

How it stays correct:

- **The data generation.** One row (``page_generation``) holds a random token that
  every committed write transaction replaces, in the same transaction: the engine notes
  every INSERT/UPDATE/DELETE (and DDL) a connection runs, and its commit writes a new
  token as its last statement (``_bump``), whoever wrote (a view, the CLI, a restore).
  A page is kept under the token read before it was built, and served only while the
  database still has that token: any letter, disposition, read receipt,
  grant, user or setting written anywhere (another worker, another server) makes every
  cached page unreachable at once. The token is random rather than a counter, so that a
  restored backup never brings back a value that meant other data. Writes that cannot
  change a page are left out: the token itself (``QUIET_TABLES``) and statements run with
  ``QUIET_OPTION`` (the session's idle clock).
- **The same session.** The key holds the session's whole content (user, CSRF secret,
  language, acting position ...), the URL with its query, the host, the language and
  the local date: one user's page is never shown to another, nor to the same user in
  another session or language.
- **Nothing half-done.** A request with a message to show (flash), a session with
  unflushed or uncommitted writes, a response that is not a 200 HTML page or that sets
  a cookie: built and sent, never stored or served from the cache.
- **Per response.** The style nonce of the Content-Security-Policy is replaced by a new
  one on every hit; the security headers are added by ``after_request`` as for any page.
- **Bounded.** ``PAGE_CACHE_SECONDS`` (60 by default) caps an entry's age, which also
  bounds what changes with the clock alone (a deadline passing) and writes made outside
  the app (a restore, SQL by hand); ``PAGE_CACHE_ENTRIES`` (256) entries per worker
  process, least recently used dropped first. ``PAGE_CACHE_SECONDS = 0`` turns it off.

Each worker process has its own cache (no shared service needed); the token lives in
the database, so several workers and several servers stay correct together.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from eoffice.db import Base, utcnow
from eoffice.extensions import db
from eoffice.headers import NONCE_KEY, csp_nonce

EXTENSION = "eoffice.page_cache"
TABLE = "page_generation"
# Writes that change no cached page: the token itself, and statements run with the
# execution option QUIET_OPTION (the idle clock of sessions, written at most once a
# minute per session, on GET requests too; its revocation is not quiet).
QUIET_TABLES = frozenset({TABLE})
QUIET_OPTION = "eoffice_page_cache_quiet"
_WRITTEN = "eoffice.page_cache.written"  # connection.info: tables written, not yet committed
_EVERYTHING = "*"

page_generation = sa.Table(
    TABLE, Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("token", sa.String(32), nullable=False),
)

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "CREATE", "DROP", "ALTER",
                "TRUNCATE", "COPY")
_TARGET = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)'
    r'\s+(?:ONLY\s+)?"?(\w+)"?', re.IGNORECASE)
_DML_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def written_table(statement: str) -> str | None:
    """The table a statement writes (``*`` when it writes but the table is not plain to
    see, e.g. DDL or a CTE), or None for a statement that writes nothing."""
    head = statement.lstrip()[:8].upper()
    if head.startswith("WITH"):
        return _EVERYTHING if _DML_WORD.search(statement) else None
    if not head.startswith(_WRITE_VERBS):
        return None
    found = _TARGET.match(statement)
    return found.group(1).lower() if found else _EVERYTHING


# --- Noticing writes ----------------------------------------------------------------------

def _note_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if context is not None and context.execution_options.get(QUIET_OPTION):
        return
    table = written_table(statement)
    if table is not None and table not in QUIET_TABLES:
        conn.info.setdefault(_WRITTEN, set()).add(table)


def _forget_writes(conn) -> None:
    conn.info.pop(_WRITTEN, None)


def _pending_tables(session: Session) -> set[str]:
    """Tables of the rows the session will flush, minus the quiet ones."""
    tables = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(sa.inspect(obj).mapper.local_table, "name", _EVERYTHING)
        if table not in QUIET_TABLES:
            tables.add(table)
    return tables


def _connection_writes(session: Session) -> set[str]:
    if not session.in_transaction():
        return set()
    return set(session.connection().info.get(_WRITTEN, ()))


def has_unsaved_writes(session: Session) -> bool:
    """Rows waiting for a flush, or statements run but not committed yet."""
    return bool(_pending_tables(session) or _connection_writes(session))


_ENGINES_READY: weakref.WeakSet = weakref.WeakSet()  # engines whose database has the table


def _bump(conn, *args) -> None:
    """``commit`` and ``release_savepoint`` of a connection that wrote: replace the token
    in the same transaction, as its very last statement, so that the new data and the
    new token become visible together, and the token's row is locked only for the
    moment of the commit (taken earlier, two writing transactions on PostgreSQL could
    each wait for what the other holds). In tests the session's commits are savepoint
    releases inside one rolled-back transaction: the release does it there."""
    written = conn.info.pop(_WRITTEN, None)
    if not written:
        return
    cursor = conn.connection.cursor()  # the DBAPI's own: nothing re-enters SQLAlchemy
    try:
        if not _has_table(conn, cursor):
            return  # a database the migrations have not reached yet
        cursor.execute(_WRITE_GENERATION[conn.dialect.paramstyle], (new_token(),))
    finally:
        cursor.close()


_WRITE_GENERATION = {
    "qmark": "UPDATE page_generation SET token = ? WHERE id = 1",
    "format": "UPDATE page_generation SET token = %s WHERE id = 1",
    "pyformat": "UPDATE page_generation SET token = %s WHERE id = 1",
    "numeric": "UPDATE page_generation SET token = :1 WHERE id = 1",
}
_FIND_TABLE = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'page_generation'",
    "postgresql": "SELECT 1 FROM pg_tables WHERE tablename = 'page_generation' "
                  "AND schemaname = ANY (current_schemas(false))",
}


def _has_table(conn, cursor) -> bool:
    engine = conn.engine
    if engine not in _ENGINES_READY:
        cursor.execute(_FIND_TABLE[conn.dialect.name])
        if cursor.fetchone() is None:
            return False
        _ENGINES_READY.add(engine)
    return True


def new_token() -> str:
    return secrets.token_hex(16)


_READ_GENERATION = "SELECT token FROM page_generation WHERE id = 1"


def current_token() -> str | None:
    """The database's data generation: one primary-key read."""
    return db.session.connection().exec_driver_sql(_READ_GENERATION).scalar()


def _token_outside_session() -> str | None:
    """The token through a pooled connection of its own, in autocommit on SQLite: no ORM
    session, no transaction to begin and end for a request that reads nothing else.
    Where the session is bound to one connection (the tests' rolled-back transaction),
    through that connection, which alone sees the transaction's writes."""
    if isinstance(db.session.get_bind(), sa.engine.Connection):
        return current_token()
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(_READ_GENERATION)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()
    return row[0] if row else None


# --- The cache ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    nonce: str | None
    stored_at: float  # time.monotonic()
    trusted_until: dt.datetime  # UTC: the session needs no look before then


class PageCache:
    """A small LRU of rendered pages; one per app and worker process, thread-safe."""

    def __init__(self, max_entries: int, max_age: float):
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # pages served from the cache

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry.stored_at > self.max_age:
                if entry is not None:
                    del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)


def cache_of(app: Flask) -> PageCache | None:
    return app.extensions.get(EXTENSION)


def _key(token: str) -> tuple:
    """What makes two requests ask for the same page. Nothing of the user object is
    read (the early path has not loaded it): the session's content names the login, its
    language choice and CSRF secret; the user's own settings live in the database, which
    the token stands for. The client's identifier (address and browser, Flask-Login's
    session protection) is part of it, so a cookie replayed from elsewhere never matches
    and goes the whole way, where the protection ends it."""
    from eoffice.extensions import login_manager
    from eoffice.letters.services import today_local

    state = repr(sorted((name, value) for name, value in session.items()
                        if name not in _NOT_KEYED))
    return (token, request.host, request.scheme, request.full_path, state,
            login_manager._session_identifier_generator(),  # noqa: SLF001
            today_local().toordinal())


# Session entries that do not change a cacheable page: the flashes (a request with any
# is never cached) and Flask-Login's "fresh login" mark, which the user loader sets
# after the early path has looked.
_NOT_KEYED = frozenset({"_flashes", "_fresh"})


def _storable(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "text/html"
            and not response.is_streamed and "Set-Cookie" not in response.headers
            and "_flashes" not in session)


def _may_use(cache: PageCache | None) -> bool:
    return (cache is not None and request.method == "GET" and "_user_id" in session
            and "_flashes" not in session)


def cached_page(view):
    """View decorator (inside the permission check): keep the page this view builds for
    the session, served again while no write happened since (see the module's
    docstring). The early path (``serve_early``) serves it before the user is loaded;
    this one serves it when the early path could not (the session's idle clock was due)
    and stores new copies."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        from eoffice.auth.sessions import current_session, trusted_until

        cache = cache_of(current_app)
        record = current_session()
        if (not _may_use(cache) or record is None or has_unsaved_writes(db.session())):
            return view(*args, **kwargs)
        # The early path's token and key when it looked (a miss, or the idle clock was
        # due): the data the view reads is at least as new as that token.
        token, key = g.pop(_EARLY_KEY, None) or (current_token(), None)
        if token is None:
            return view(*args, **kwargs)
        key = key or _key(token)
        entry = cache.get(key)
        if entry is not None:
            cache.put(key, replace(entry, trusted_until=trusted_until(record)))
            return _replay(cache, entry)
        response = current_app.make_response(view(*args, **kwargs))
        # Keyed again: the session may have changed while the page was built.
        if _storable(response) and not has_unsaved_writes(db.session()):
            cache.put(_key(token), Entry(
                body=response.get_data(), status=response.status_code,
                headers=tuple((name, value) for name, value in response.headers.items()
                              if name not in ("Content-Length", "Set-Cookie")),
                nonce=request.environ.get(NONCE_KEY), stored_at=time.monotonic(),
                trusted_until=trusted_until(record)))
        return response

    wrapped.eoffice_page_cache = True
    return wrapped


def serve_early():
    """``before_request``, first of all: a page this session was given, if the token
    is unchanged and the session needs no look yet, without loading the user.

    Every check the full path makes is covered: the login's revocation, the user's
    deactivation, lock, roles and permissions are writes (new token); the idle clock and
    the lifetime are ``trusted_until``; session protection is in the key; a flash or a
    write in progress sends the request the whole way."""
    cache = cache_of(current_app)
    if not _may_use(cache):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "eoffice_page_cache", False) or has_unsaved_writes(db.session()):
        return None
    token = _token_outside_session()
    if token is None:
        return None
    key = _key(token)
    entry = cache.get(key)
    if entry is None or utcnow() >= entry.trusted_until:
        setattr(g, _EARLY_KEY, (token, key))  # for ``cached_page``: not read twice
        return None
    return _replay(cache, entry)


_EARLY_KEY = "eoffice_page_cache_early"


def _replay(cache: PageCache, entry: Entry):
    cache.hits += 1  # a statistic: not worth a lock
    body = entry.body
    if entry.nonce:
        body = body.replace(entry.nonce.encode(), csp_nonce().encode())
    return current_app.response_class(body, status=entry.status, headers=list(entry.headers))


# --- Wiring -----------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "before_cursor_execute", _note_statement):
                event.listen(engine, "before_cursor_execute", _note_statement)
                event.listen(engine, "commit", _bump)
                event.listen(engine, "release_savepoint", _bump)
                event.listen(engine, "rollback", _forget_writes)
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 60))
    if seconds > 0:
        app.extensions[EXTENSION] = PageCache(int(app.config.get("PAGE_CACHE_ENTRIES", 256)),
                                              seconds)
        app.before_request_funcs.setdefault(None, []).insert(0, serve_early)
