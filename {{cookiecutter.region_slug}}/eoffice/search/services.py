"""Asking the search index, with the access rule inside the query.

Two ways to answer, chosen by how many objects a query matches (counted no
further than ``NARROW``):

- **narrow** (at most ``NARROW`` matches, whoever may see them): the matches come
  from the full-text index, the user's grants keep the ones they may see (one
  index lookup each), and all of those are ranked;
- **broad** (more): the user's grants are walked newest first and each object is
  tested against the full-text index, until ``WINDOW`` visible matches are found;
  those, the newest ones, are ranked. The page says so.

Either way no object the user may not see is read, ranked or counted. Ranking:
SQLite FTS5's bm25 and PostgreSQL's ts_rank_cd, both weighting the subject above
the parties and numbers, above the body and the attachments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from eoffice import access
from eoffice.extensions import db
from eoffice.search.index import SearchSource, sources
from eoffice.search.models import fts_name
from eoffice.search.text import Query

NARROW = 2000
WINDOW = 1000
# bm25 weights, in the order of FIELDS: title, parties, numbers, body, attachments.
BM25 = "10.0, 4.0, 6.0, 2.0, 1.0"
# ts_rank_cd weights {D, C, B, A}: body+attachments, numbers, parties, subject.
TS_WEIGHTS = "{0.2, 0.6, 0.4, 1.0}"
COLUMNS = {"parties": ("parties", "B"), "numbers": ("numbers", "C"), "title": ("title", "A")}


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _fts(source: SearchSource) -> sa.TableClause:
    return sa.table(fts_name(source.table), sa.column("rowid"))


def _match(source: SearchSource, query: Query, column: str | None) -> sa.ColumnElement:
    """The full-text condition on the source's FTS5 table (SQLite) or its table (PG)."""
    if _sqlite():
        return sa.literal_column(fts_name(source.table)).op("MATCH")(sa.bindparam(
            None, query.fts5(COLUMNS[column][0] if column else None), type_=sa.String))
    weight = COLUMNS[column][1] if column else ""
    return source.table.c.document.op("@@")(sa.func.to_tsquery(
        sa.literal_column("'simple'"), sa.bindparam(None, query.tsquery(weight),
                                                    type_=sa.String)))


def _matching(source: SearchSource, query: Query, column: str | None) -> sa.Select:
    """SELECT of the ids of every object matching (whoever may see it)."""
    if _sqlite():
        fts = _fts(source)
        return sa.select(fts.c.rowid).where(_match(source, query, column))
    table = source.table
    return sa.select(table.c.object_id).where(_match(source, query, column))


def match_ids(source: SearchSource, query: Query, *, limit: int = NARROW,
              column: str | None = None) -> list[int] | None:
    """Ids of the objects matching ``query`` (visible or not: callers filter), or
    None when there are more than ``limit``."""
    ids = list(db.session.scalars(_matching(source, query, column).limit(limit + 1)))
    return None if len(ids) > limit else ids


def match_condition(source: SearchSource, query: Query, object_id: sa.ColumnElement,
                    column: str | None = None) -> sa.ColumnElement:
    """SQL condition: the object ``object_id`` matches ``query``. On SQLite an IN over
    the matches (read once per statement); on PostgreSQL a lookup of the object's
    tsvector."""
    if _sqlite():
        return object_id.in_(_matching(source, query, column))
    table = source.table.alias()
    weight = COLUMNS[column][1] if column else ""
    return sa.exists().where(table.c.object_id == object_id, table.c.document.op("@@")(
        sa.func.to_tsquery(sa.literal_column("'simple'"),
                           sa.bindparam(None, query.tsquery(weight), type_=sa.String))))


def visible_among(rule: access.AccessRule, user, ids: list[int]) -> set[int]:
    """The ids among ``ids`` that ``user`` may see (index lookups in the grants)."""
    grantees = rule.grantees(user)
    if not ids or not grantees:
        return set()
    grant = access.AccessGrant
    out: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        out |= set(db.session.scalars(sa.select(grant.object_id).where(
            grant.object_type == rule.object_type, grant.object_id.in_(chunk),
            sa.or_(*[sa.and_(grant.grantee_kind == kind, grant.grantee_id == gid)
                     for kind, gid in grantees])).distinct()))
    return out


def scores(source: SearchSource, query: Query, ids: list[int]) -> dict[int, float]:
    """Relevance of each id (higher is better)."""
    out: dict[int, float] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if _sqlite():
            name = fts_name(source.table)
            rows = db.session.execute(sa.text(
                f"SELECT rowid, bm25({name}, {BM25}) FROM {name} "  # noqa: S608 - fixed names
                f"WHERE {name} MATCH :q AND rowid IN ({', '.join(str(int(i)) for i in chunk)})"),
                {"q": query.fts5()})
            out.update({row[0]: -float(row[1]) for row in rows})
        else:
            table = source.table
            tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), query.tsquery())
            rows = db.session.execute(sa.select(
                table.c.object_id,
                sa.func.ts_rank_cd(sa.literal_column(f"'{TS_WEIGHTS}'"), table.c.document,
                                   tsquery))
                .where(table.c.object_id.in_(chunk)))
            out.update({row[0]: float(row[1]) for row in rows})
    return out


@dataclass
class Hit:
    source: SearchSource
    object_id: int
    score: float
    sort_key: int
    summary: object = None  # what the source's ``summaries`` gives
    snippet: object = None


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)  # the page
    total: int = 0  # results found (ranked); ``broad``: the newest WINDOW of more
    broad: bool = False
    page: int = 1
    per_page: int = 20
    counts: dict[str, int] = field(default_factory=dict)  # per source

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def candidates(source: SearchSource, query: Query, user) -> tuple[list[int], bool]:
    """(visible matching ids, whether the query was broad) for one source."""
    rule = access.rule_for(source.object_type)
    ids = match_ids(source, query)
    if ids is not None:
        visible = visible_among(rule, user, ids)
        return [i for i in ids if i in visible], False
    keys = access.newest(rule, user, limit=WINDOW,
                         where=lambda oid: match_condition(source, query, oid))
    return [object_id for _, object_id in keys], True


def search(query: Query, user, *, names: list[str] | None = None, page: int = 1,
           per_page: int = 20) -> Results:
    """Ranked results across the sources (all, or those named), one page of them."""
    results = Results(query=query, page=page, per_page=per_page)
    ranked: list[Hit] = []
    for source in sources():
        if names and source.name not in names:
            continue
        ids, broad = candidates(source, query, user)
        results.broad |= broad
        results.counts[source.name] = len(ids)
        if not ids:
            continue
        keys = dict(db.session.execute(sa.select(source.table.c.object_id,
                                                 source.table.c.sort_key)
                                       .where(source.table.c.object_id.in_(ids))).all()) \
            if len(ids) <= NARROW else {}
        for object_id, score in scores(source, query, ids).items():
            ranked.append(Hit(source, object_id, score, keys.get(object_id, 0)))
    ranked.sort(key=lambda h: (-h.score, -h.sort_key, -h.object_id))
    results.total = len(ranked)
    start = (page - 1) * per_page
    results.hits = ranked[start:start + per_page]
    for source in sources():
        mine = [h for h in results.hits if h.source is source]
        if not mine:
            continue
        summaries = source.summaries([h.object_id for h in mine], query)
        for hit in mine:
            hit.summary = summaries.get(hit.object_id)
    results.hits = [h for h in results.hits if h.summary is not None]
    return results
