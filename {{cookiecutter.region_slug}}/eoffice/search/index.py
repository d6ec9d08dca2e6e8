"""Keeping the search index in step with the data.

Each feature that can be searched declares a ``SearchSource`` (incoming letters:
``eoffice.letters.search``; outgoing letters: ``eoffice.outgoing.search``; a plugin
adds its own through the ``eoffice_search_sources`` hook): which objects a flush
touched, and what text each object shows to the search. After every flush, the
touched objects' rows in ``search_<source>`` are rewritten on the flush's
connection, in the same transaction, with their full-text entries: on PostgreSQL
the ``document`` tsvector of the row; on SQLite the FTS5 table's entries, which
this module deletes (while the old row still holds the text they were made from)
and inserts itself. ``reindex()`` rewrites a whole source
(``flask eoffice search reindex``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from eoffice.access import Flushed
from eoffice.extensions import db
from eoffice.search import text
from eoffice.search.models import FIELDS, TABLES, fts_name

CHUNK = 500
# Attachment text kept per object: enough for any letter; a 300-page annex is cut.
MAX_ATTACHMENT_CHARS = 200_000
# PostgreSQL weights: A subject, B parties, C numbers, D body and attachments.
WEIGHTS = {"title": "A", "parties": "B", "numbers": "C", "body": "D", "attachments": "D"}


@dataclass
class Document:
    object_id: int
    sort_key: int
    title: str = ""
    parties: str = ""
    numbers: str = ""
    body: str = ""
    attachments: str = ""

    def row(self) -> dict:
        out = {"object_id": self.object_id, "sort_key": self.sort_key}
        for name in FIELDS:
            value = " ".join((getattr(self, name) or "").split())
            out[name] = value[:MAX_ATTACHMENT_CHARS] if name == "attachments" else value
        return out


@dataclass
class Summary:
    """One result as the search page shows it (HTML parts already highlighted)."""

    url: str
    title: object
    parties: object
    numbers: object
    date: object  # a date (local)
    security: str
    status: str
    snippet: object = None


class SearchSource:
    """What one kind of object shows to the search. A feature subclasses it once.

    Subclasses set ``name`` (the key of ``eoffice.search.models.TABLES``),
    ``object_type`` (the same number as its access rule: searches read that rule's
    grants) and ``label``, and implement ``touched(flushed, connection)`` (ids of the
    objects whose text a flush may have changed) and ``documents(connection, ids)``
    (a ``Document`` for each of those that still exists and may be found).
    """

    name: str
    object_type: int
    label: str

    @property
    def table(self) -> sa.Table:
        return TABLES[self.name]

    def touched(self, flushed: Flushed, connection) -> set[int]:
        raise NotImplementedError

    def documents(self, connection, ids: list[int]) -> Iterable[Document]:
        raise NotImplementedError

    def all_ids(self, connection) -> Iterator[list[int]]:
        raise NotImplementedError

    def ids_with_files(self, connection, file_ids: list[int]) -> set[int]:
        """Objects that carry any of these stored files (to reindex after OCR)."""
        return set()

    def summaries(self, ids: list[int], query) -> dict[int, Summary]:
        """How each found object is shown in the results (the objects of ``ids``)."""
        raise NotImplementedError

    def texts(self, ids: list[int]) -> dict[int, dict[str, str]]:
        """The indexed text of these objects, by field (for snippets)."""
        table = self.table
        rows = db.session.execute(sa.select(table.c.object_id, table.c.body,
                                            table.c.attachments)
                                  .where(table.c.object_id.in_(ids)))
        return {row.object_id: {"body": row.body, "attachments": row.attachments}
                for row in rows}


_SOURCES: dict[str, SearchSource] = {}


def register(source: SearchSource) -> None:
    _SOURCES[source.name] = source


def init_app(app, manager) -> None:
    for sources in manager.hook.eoffice_search_sources():
        for source in sources or []:
            register(source)


def source(name: str) -> SearchSource:
    return _SOURCES[name]


def sources() -> list[SearchSource]:
    return sorted(_SOURCES.values(), key=lambda s: s.object_type)


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _insert_rows(connection, table: sa.Table, rows: list[dict]) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        # The weighted tsvector, from text normalised here (the same words as SQLite's).
        for row in rows:
            for name in FIELDS:
                row[f"n_{name}"] = text.normalise(row[name])
        parts = [sa.func.setweight(sa.func.to_tsvector(sa.literal_column("'simple'"),
                                                       sa.bindparam(f"n_{name}")),
                                   sa.literal_column(f"'{WEIGHTS[name]}'"))
                 for name in FIELDS]
        document = parts[0]
        for part in parts[1:]:
            document = document.op("||")(part)
        statement = table.insert().values(
            {**{c: sa.bindparam(c) for c in ("object_id", "sort_key", *FIELDS)},
             "document": document})
        connection.execute(statement, rows)
    else:
        connection.execute(table.insert(), rows)


def fts_command(connection, table: sa.Table, command: str) -> None:
    """Run an FTS5 special command (delete-all, rebuild, optimize) on SQLite."""
    if command not in ("delete-all", "rebuild", "optimize", "integrity-check"):
        raise ValueError(command)
    fts = fts_name(table)  # a fixed name from the models, never user input
    # The name and the command are both from fixed lists above.
    connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('{command}')")  # noqa: S608  # nosec B608


def _fts(table: sa.Table) -> sa.TableClause:
    return sa.table(fts_name(table), sa.column("rowid"), *[sa.column(n) for n in FIELDS])


def write(connection, source_: SearchSource, ids: Iterable[int]) -> int:
    """Rewrite the search rows of these objects from their current data."""
    from eoffice.access import lock_objects, rule_for

    table, sqlite = source_.table, connection.dialect.name == "sqlite"
    model = rule_for(source_.object_type).model
    done = 0
    for chunk in _chunks(ids):
        lock_objects(connection, model, chunk)
        if sqlite:  # first, while the rows still hold the text the entries came from
            fts = _fts(table)
            connection.execute(fts.delete().where(fts.c.rowid.in_(
                sa.select(table.c.object_id).where(table.c.object_id.in_(chunk)))))
        connection.execute(table.delete().where(table.c.object_id.in_(chunk)))
        _insert_rows(connection, table,
                     [doc.row() for doc in source_.documents(connection, chunk)])
        if sqlite:
            connection.execute(fts.insert().from_select(
                ["rowid", *FIELDS], sa.select(table.c.object_id, *[table.c[n] for n in FIELDS])
                .where(table.c.object_id.in_(chunk))))
        done += len(chunk)
    return done


def reindex(connection=None, names: Iterable[str] | None = None, progress=None) -> dict[str, int]:
    """Rewrite every search row of the named sources (all by default); on SQLite the
    FTS5 index is then rebuilt from those rows. Returns rows written per source."""
    connection = connection if connection is not None else db.session.connection()
    out = {}
    sqlite = connection.dialect.name == "sqlite"
    for source_ in sources():
        if names is not None and source_.name not in names:
            continue
        if sqlite:
            fts_command(connection, source_.table, "delete-all")
        connection.execute(source_.table.delete())
        count = 0
        for chunk in source_.all_ids(connection):
            for sub in _chunks(chunk):
                _insert_rows(connection, source_.table,
                             [doc.row() for doc in source_.documents(connection, sub)])
            count += len(chunk)
            if progress:
                progress(source_.name, count)
        if sqlite:
            fts_command(connection, source_.table, "rebuild")
        out[source_.name] = count
    return out


def reindex_files(file_ids: list[int], connection=None) -> int:
    """Rewrite the search rows of every object carrying these stored files."""
    connection = connection if connection is not None else db.session.connection()
    count = 0
    for source_ in sources():
        ids = source_.ids_with_files(connection, file_ids) if file_ids else set()
        count += write(connection, source_, ids)
    return count


def optimize(connection=None) -> None:
    """Merge the FTS5 index segments (SQLite; run after big loads)."""
    connection = connection if connection is not None else db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    for source_ in sources():
        fts_command(connection, source_.table, "optimize")


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    if not _SOURCES:
        return
    flushed = Flushed(list(session.new), list(session.dirty), list(session.deleted))
    if not (flushed.new or flushed.dirty or flushed.deleted):
        return
    connection = session.connection()
    for source_ in _SOURCES.values():
        ids = source_.touched(flushed, connection)
        ids.discard(None)
        if ids:
            write(connection, source_, ids)
