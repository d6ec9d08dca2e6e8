"""Asking the search index, with the access rule inside the query.

Two ways to answer, chosen by how many objects a query matches (counted no
further than ``NARROW``):

- **narrow** (at most ``NARROW`` matches, whoever may see them): the matches come
  from the full-text index, the user's grants keep the ones they may see (one
  index lookup each), and all of those are ranked;
- **broad** (more): the matches are read newest first and the user's grants keep
  the visible ones (``newest_matches``), until ``WINDOW`` are found; those, the
  newest ones, are ranked (``window_scores``). The page says so.

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
WINDOW = 500
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


def _match_table(table, query: Query, column: str | None) -> sa.ColumnElement:
    """The PostgreSQL full-text condition on ``table`` (an alias of a search table)."""
    weight = COLUMNS[column][1] if column else ""
    return table.c.document.op("@@")(sa.func.to_tsquery(
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


# A user who may see at most this many objects of a kind is searched by scanning the
# matches against the set of what they may see; others by walking the matches newest
# first and looking each one up in their grants (they see most of them anyway).
SMALL_SET = 20000


def newest_matches(source: SearchSource, query: Query, user, *, limit: int,
                   before: int | None = None, after: int | None = None,
                   column: str | None = None, where=None) -> list[int]:
    """Ids of objects ``user`` may see that match ``query``, newest (highest id) first,
    below ``before``; or, given ``after``, the oldest first above it (a page back).
    ``where(id_column)`` narrows further. The access rule is inside
    the query, and no plan reads a row per match and per user:

    - SQLite: FTS5 streams the matches in descending rowid order; for a user who may
      see few objects, each is probed against the set of their grants (read once),
      otherwise looked up in the grants index until ``limit`` are found.
    - PostgreSQL: the same conditions; the planner picks the GIN index or a walk of
      the primary key by its statistics.
    """
    rule = access.rule_for(source.object_type)
    grantees = rule.grantees(user)
    if not grantees:
        return []
    if _sqlite():
        name = fts_name(source.table)
        ids = sa.literal_column(f"{name}.rowid")
        if access.sees_more_than(rule, user, SMALL_SET):
            visible = access.visible_clause(rule, user, ids)
        else:
            # "+rowid": test the set, do not ask FTS5 for each of its ids.
            visible = sa.literal_column(f"+{name}.rowid").in_(
                access.granted_ids(rule, grantees))
        query_ = sa.select(ids).select_from(sa.table(name)).where(
            _match(source, query, column), visible)
    elif access.sees_more_than(rule, user, SMALL_SET):
        # Most of what matches is theirs: walk the matches, newest first.
        ids = source.table.c.object_id
        query_ = sa.select(ids).where(_match(source, query, column),
                                      access.visible_clause(rule, user, ids))
    else:
        # Their few letters, newest first, each looked up in the index rows (walking
        # the matches instead would read every match a region has to find theirs).
        mine = access.granted_ids(rule, grantees, distinct=True).subquery()
        ids, found = mine.c.object_id, source.table.alias()
        query_ = sa.select(ids).where(sa.exists().where(
            found.c.object_id == ids, _match_table(found, query, column)))
    if before is not None:
        query_ = query_.where(ids < before)
    if after is not None:
        query_ = query_.where(ids > after)
    if where is not None:
        query_ = query_.where(where(ids))
    order = ids.asc() if after is not None else ids.desc()
    return list(db.session.scalars(query_.order_by(order).limit(limit)))


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
                # The FTS table's fixed name, a constant and ids made int(): no user text.
                f"SELECT rowid, bm25({name}, {BM25}) FROM {name} "  # noqa: S608  # nosec B608
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


FIELD_WEIGHTS = {"title": 10.0, "parties": 4.0, "numbers": 6.0, "body": 2.0, "attachments": 1.0}
WINDOW_TEXT = 1500  # characters of body and attachments read to rank a broad window


def window_scores(source: SearchSource, query: Query, ids: list[int]
                  ) -> dict[int, tuple[float, int]]:
    """Relevance of a broad search's window, computed here from the indexed text (the
    same weights as bm25: subject, numbers, parties, body, attachments; a word counts
    less in a longer field), with each row's sort key. Asking FTS5 for bm25 of hundreds
    of given rows reads the whole doclist of a common word once per row; this reads the
    rows once."""
    import re

    from eoffice.search.text import fold

    table = source.table
    # A word starting with one of the query's words (the index's own prefix matching).
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(p) for p in query.prefixes)
                         + ")")
    out: dict[int, float] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = db.session.execute(sa.select(
            table.c.object_id, table.c.sort_key, table.c.title, table.c.parties,
            table.c.numbers,
            sa.func.substr(table.c.body, 1, WINDOW_TEXT).label("body"),
            sa.func.substr(table.c.attachments, 1, WINDOW_TEXT).label("attachments"))
            .where(table.c.object_id.in_(chunk)))
        for row in rows:
            score = 0.0
            for name, weight in FIELD_WEIGHTS.items():
                text = fold(getattr(row, name) or "")
                hits = len(pattern.findall(text))
                if hits:
                    score += weight * hits / (1.0 + 0.05 * text.count(" "))
            out[row.object_id] = (score, row.sort_key)
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
    return newest_matches(source, query, user, limit=WINDOW), True


def search(query: Query, user, *, names: list[str] | None = None, page: int = 1,
           per_page: int = 20) -> Results:
    """Ranked results across the sources (all, or those named), one page of them."""
    results = Results(query=query, page=page, per_page=per_page)
    found: dict[str, list[int]] = {}
    for source in sources():
        if names and source.name not in names:
            continue
        ids, broad = candidates(source, query, user)
        results.broad |= broad
        results.counts[source.name] = len(ids)
        found[source.name] = ids
    # One way of scoring for every kind shown together, so their scores compare.
    ranked: list[Hit] = []
    for source in sources():
        ids = found.get(source.name)
        if not ids:
            continue
        if results.broad:
            for object_id, (value, key) in window_scores(source, query, ids).items():
                ranked.append(Hit(source, object_id, value, key))
            continue
        keys = dict(db.session.execute(sa.select(source.table.c.object_id,
                                                 source.table.c.sort_key)
                                       .where(source.table.c.object_id.in_(ids))).all())
        for object_id, value in scores(source, query, ids).items():
            ranked.append(Hit(source, object_id, value, keys.get(object_id, 0)))
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
