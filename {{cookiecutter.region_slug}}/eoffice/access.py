"""Who may see what, kept as rows that an index reads: access grants.

Each feature states who may see its objects as an ``AccessRule`` (incoming letters:
``eoffice.letters.access``; outgoing letters: ``eoffice.outgoing.access``; a plugin
adds its own through the ``eoffice_access_rules`` hook). A rule is one SQL query
that derives, from the feature's own tables, the *grantees* of each object:

- ``p`` a position (whoever holds it), ``u`` a user, ``c`` the clerks of a unit,
  ``o`` the clerks of an office, ``s`` system API tokens (``grantee_id`` 0).

This module keeps the result in ``access_grants``, keyed by (object type, grantee,
sort key, object), so that "the objects this person may see, newest first" is a
few index range scans however many objects there are, and "may this person see
that object" is one index lookup.

- **Written with the change.** After every flush, each rule names the objects whose
  grants the flushed rows may alter; their grants are rewritten from the source
  tables (delete, then insert the rule's rows) on the same connection, inside the
  same transaction. No service can forget it, and a rolled-back change takes its
  grants with it.
- **Derived, so rebuildable.** ``check()`` compares the table with what the rules
  give and ``rebuild()`` rewrites it (``flask eoffice access check|rebuild``; the
  doctor runs the check).
- **Who holds which grantees is decided when they ask** (``AccessRule.grantees``),
  from their position, unit and permissions: the new holder of a position sees its
  letters at once, without any grant changing.

Sort keys are whole numbers so that one column orders every kind of object on both
databases: days since 1970-01-01 for dates (``epoch_days``), seconds for times
(``epoch_seconds``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from eoffice.extensions import db

POSITION, USER, UNIT_CLERKS, OFFICE_CLERKS, SYSTEM = "p", "u", "c", "o", "s"
GRANTEE_KINDS = (POSITION, USER, UNIT_CLERKS, OFFICE_CLERKS, SYSTEM)
EPOCH = dt.date(1970, 1, 1)
CHUNK = 500  # objects per refresh statement (well under every database's parameter limit)

Grantee = tuple[str, int]
Scope = Callable[[sa.ColumnElement], sa.ColumnElement] | None


class AccessGrant(db.Model):
    """One grantee's sight of one object. Derived data: see the module docstring."""

    __tablename__ = "access_grants"
    __table_args__ = (
        sa.Index("ix_access_grants_object", "object_type", "object_id", "grantee_kind",
                 "grantee_id"),
        {"sqlite_with_rowid": False},
    )

    object_type: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True,
                                             autoincrement=False)
    grantee_kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    grantee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sort_key: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    object_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


# --- Sort keys -------------------------------------------------------------------------

class epoch_days(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """SQL: days from 1970-01-01 to a DATE column."""

    type = sa.BigInteger()
    name = "epoch_days"
    inherit_cache = True


class epoch_seconds(FunctionElement):  # noqa: N801
    """SQL: whole seconds from 1970-01-01 00:00 to a naive (UTC) DATETIME column."""

    type = sa.BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_days)
def _epoch_days(element, compiler, **kw):
    return f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) - DATE '1970-01-01')"


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element, compiler, **kw):
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(epoch_seconds)
def _epoch_seconds(element, compiler, **kw):
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def day_number(day: dt.date) -> int:
    """``epoch_days`` in Python."""
    return (day - EPOCH).days


def from_day_number(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


def second_number(moment: dt.datetime) -> int:
    """``epoch_seconds`` in Python (naive UTC datetimes)."""
    return int((moment - dt.datetime(1970, 1, 1)).total_seconds() // 1)


# --- Rules -----------------------------------------------------------------------------

@dataclass
class Flushed:
    """The rows one flush wrote, for the rules to look at."""

    new: list
    dirty: list
    deleted: list

    def rows(self, model) -> Iterator[tuple[object, str]]:
        """(instance, "new" | "dirty" | "deleted") for the flushed rows of ``model``."""
        for state, items in (("new", self.new), ("dirty", self.dirty),
                             ("deleted", self.deleted)):
            for item in items:
                if isinstance(item, model):
                    yield item, state

    @staticmethod
    def changed(item, state: str, *attributes: str) -> bool:
        """Whether a row was added or removed, or one of ``attributes`` changed
        (every attribute when none is named)."""
        if state != "dirty":
            return True
        attrs = sa.inspect(item).attrs
        names = attributes or [a.key for a in attrs]
        return any(attrs[name].history.has_changes() for name in names)


@dataclass
class OrgChange:
    """What a flush did to the organisation trees."""

    positions: set[int] = field(default_factory=set)  # at or below a moved position
    units: set[int] = field(default_factory=set)  # at or below a moved / re-kinded unit
    repositioned: set[int] = field(default_factory=set)  # positions moved to another unit

    def __bool__(self) -> bool:
        return bool(self.positions or self.units or self.repositioned)


class AccessRule:
    """Who may see the objects of one kind. A feature subclasses it once.

    Subclasses set ``object_type`` (a small number unique among rules), ``name``
    and ``model`` (whose ``id`` is the object id), and implement:

    - ``grant_rows(scope)``: a SELECT of (grantee_kind, grantee_id, sort_key,
      object_id) over the source tables, for the objects whose id satisfies
      ``scope(id_column)`` (every object when ``scope`` is None). This *is* the rule.
    - ``touched(flushed, connection)``: ids of the objects whose grants the flushed
      rows may have changed.
    - ``touched_by_org(change)``: a SELECT of object ids whose grants depend on the
      moved parts of the organisation (None when none do).
    - ``grantees(user)``: the grantees ``user`` holds now (empty: sees nothing).
    """

    object_type: int
    name: str
    model: type

    def grant_rows(self, scope: Scope) -> sa.Select:
        raise NotImplementedError

    def touched(self, flushed: Flushed, connection) -> set[int]:
        raise NotImplementedError

    def touched_by_org(self, change: OrgChange) -> sa.Select | None:
        return None

    def grantees(self, user) -> list[Grantee]:
        raise NotImplementedError

    def repair(self, connection) -> None:
        """Rewrite whatever else the feature derives for its lists (``rebuild`` calls it;
        nothing by default)."""


def grant(kind: str, grantee_id, sort_key, object_id) -> list[sa.ColumnElement]:
    """The columns of one grant row in a rule's SELECT, named as ``grant_rows`` must
    name them: ``sa.select(*grant(access.POSITION, Position.id, key, Letter.id))``."""
    if kind not in GRANTEE_KINDS:
        raise ValueError(f"unknown grantee kind {kind!r}")
    if isinstance(grantee_id, int):
        grantee_id = sa.literal_column(str(grantee_id))
    return [sa.literal_column(f"'{kind}'").label("grantee_kind"),
            grantee_id.label("grantee_id"), sort_key.label("sort_key"),
            object_id.label("object_id")]


_RULES: dict[str, AccessRule] = {}


def register(rule: AccessRule) -> None:
    other = next((r for r in _RULES.values() if r.object_type == rule.object_type
                  and r.name != rule.name), None)
    if other is not None:
        raise ValueError(f"access rules {other.name} and {rule.name} share object type "
                         f"{rule.object_type}")
    _RULES[rule.name] = rule


def init_app(app, manager) -> None:
    """Register the rules that the core and the plugins declare."""
    for rules in manager.hook.eoffice_access_rules():
        for rule in rules or []:
            register(rule)


def rule(name: str) -> AccessRule:
    return _RULES[name]


def rule_for(object_type: int) -> AccessRule:
    return next(r for r in _RULES.values() if r.object_type == object_type)


def rules() -> list[AccessRule]:
    return sorted(_RULES.values(), key=lambda r: r.object_type)


# --- Writing ---------------------------------------------------------------------------

_COLUMNS = ["grantee_kind", "grantee_id", "sort_key", "object_id"]


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _insert_from(rule_: AccessRule, rows: sa.Select) -> sa.Insert:
    source = rows.subquery()
    return sa.insert(AccessGrant).from_select(
        ["object_type", *_COLUMNS],
        sa.select(sa.literal_column(str(int(rule_.object_type))),
                  *[source.c[name] for name in _COLUMNS]))


def lock_objects(connection, model, ids: list[int]) -> None:
    """PostgreSQL: lock the objects' rows (in id order) until the transaction ends, so
    that two transactions rewriting the same object's derived rows take turns, and the
    second sees the first's rows when it deletes them. SQLite writers already take
    turns (BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql" and ids:
        connection.execute(sa.select(model.id).where(model.id.in_(ids)).order_by(model.id)
                           .with_for_update())


def refresh(connection, rule_: AccessRule, ids: Iterable[int]) -> int:
    """Rewrite the grants of these objects from the source tables. Returns how many
    objects were rewritten."""
    done = 0
    for chunk in _chunks(ids):
        lock_objects(connection, rule_.model, chunk)
        connection.execute(sa.delete(AccessGrant).where(
            AccessGrant.object_type == rule_.object_type, AccessGrant.object_id.in_(chunk)))
        connection.execute(_insert_from(rule_, rule_.grant_rows(lambda col, c=chunk: col.in_(c))))
        done += len(chunk)
    return done


def _id_ranges(connection, rule_: AccessRule, step: int) -> Iterator[tuple[int, int]]:
    low, high = connection.execute(sa.select(sa.func.min(rule_.model.id),
                                             sa.func.max(rule_.model.id))).one()
    if low is None:
        return
    for start in range(low, high + 1, step):
        yield start, start + step - 1


@dataclass
class Difference:
    rule: str
    missing: int = 0  # grants the rule gives that the table lacks
    extra: int = 0  # grants in the table that the rule does not give
    examples: list[tuple] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def _compare(connection, rule_: AccessRule, scope: Scope, stored_scope, diff: Difference):
    # Each side a plain SELECT from a subquery: SQLite allows no parenthesised compound.
    rows = rule_.grant_rows(scope).subquery()
    wanted = sa.select(*[rows.c[name] for name in _COLUMNS])
    stored = sa.select(AccessGrant.grantee_kind, AccessGrant.grantee_id, AccessGrant.sort_key,
                       AccessGrant.object_id).where(AccessGrant.object_type == rule_.object_type,
                                                    stored_scope)
    for kind, query in (("missing", sa.except_(wanted, stored)),
                        ("extra", sa.except_(stored, wanted))):
        sub = query.subquery()
        count = connection.scalar(sa.select(sa.func.count()).select_from(sub)) or 0
        if count:
            setattr(diff, kind, getattr(diff, kind) + count)
            if len(diff.examples) < 10:
                diff.examples += [(kind, *row) for row in connection.execute(
                    sa.select(sub).limit(10 - len(diff.examples)))]


def check(connection=None, *, step: int = 20000, progress=None) -> list[Difference]:
    """Compare ``access_grants`` with what the rules give, object range by range."""
    connection = connection if connection is not None else db.session.connection()
    out = []
    for rule_ in rules():
        diff = Difference(rule_.name)
        for low, high in _id_ranges(connection, rule_, step):
            _compare(connection, rule_, lambda col, a=low, b=high: col.between(a, b),
                     AccessGrant.object_id.between(low, high), diff)
            if progress:
                progress(rule_.name, high)
        # Grants of objects that no longer exist (or lie outside every range).
        orphans = sa.select(sa.func.count()).select_from(AccessGrant).where(
            AccessGrant.object_type == rule_.object_type,
            ~sa.exists().where(rule_.model.id == AccessGrant.object_id))
        diff.extra += connection.scalar(orphans) or 0
        out.append(diff)
    return out


def rebuild(connection=None, *, step: int = 20000, progress=None,
            report: bool = True) -> list[Difference]:
    """Rewrite every grant (and the org closure rows they read) from the source
    tables. With ``report``, returns the differences found before rewriting, so the
    caller can say what was wrong."""
    from eoffice.org import paths

    connection = connection if connection is not None else db.session.connection()
    paths.rewrite_all(connection)
    found = check(connection, step=step) if report else []
    for rule_ in rules():
        rule_.repair(connection)
    for rule_ in rules():
        connection.execute(sa.delete(AccessGrant).where(
            AccessGrant.object_type == rule_.object_type))
        for low, high in _id_ranges(connection, rule_, step):
            connection.execute(_insert_from(rule_, rule_.grant_rows(
                lambda col, a=low, b=high: col.between(a, b))))
            if progress:
                progress(rule_.name, high)
    return found


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    """Rewrite the grants of what this flush touched, on the flush's connection."""
    if not _RULES:
        return
    flushed = Flushed(list(session.new), list(session.dirty), list(session.deleted))
    if not (flushed.new or flushed.dirty or flushed.deleted):
        return
    from eoffice.org import paths

    connection = session.connection()
    org = paths.after_flush(connection, flushed)
    for rule_ in _RULES.values():
        ids = rule_.touched(flushed, connection)
        if org:
            query = rule_.touched_by_org(org)
            if query is not None:
                ids |= set(connection.scalars(query))
        if ids:
            refresh(connection, rule_, ids)


# --- Reading ---------------------------------------------------------------------------

def visible_clause(rule_: AccessRule, user, object_id: sa.ColumnElement) -> sa.ColumnElement:
    """SQL condition: ``user`` may see the object whose id is ``object_id`` (one index
    lookup per object)."""
    grantees = rule_.grantees(user)
    if not grantees:
        return sa.false()
    grant = aliased(AccessGrant)
    return sa.exists().where(
        grant.object_type == rule_.object_type, grant.object_id == object_id,
        sa.or_(*[sa.and_(grant.grantee_kind == kind, grant.grantee_id == gid)
                 for kind, gid in grantees]))


def granted_ids(rule_: AccessRule, grantees: list[Grantee], *, distinct: bool = False):
    """SELECT of the ids of the objects these grantees may see: one primary-key range per
    grantee (an OR of them lets a planner read every object's grants instead)."""
    branches = [sa.select(AccessGrant.object_id.label("object_id")).where(
        AccessGrant.object_type == rule_.object_type, AccessGrant.grantee_kind == kind,
        AccessGrant.grantee_id == gid) for kind, gid in grantees]
    return sa.union(*branches) if distinct else sa.union_all(*branches)


def person_grantees(user) -> list[Grantee]:
    """The user and the positions they hold today (their own, and those they act for as
    Plt or Plh: ``security.held_positions``): what every rule grants to people."""
    from eoffice.security import held_positions

    return [(USER, user.id), *[(POSITION, p.id) for p in held_positions(user)]]


def can_see(rule_: AccessRule, user, object_id: int | None) -> bool:
    if object_id is None:
        return False
    return bool(db.session.scalar(sa.select(visible_clause(rule_, user,
                                                           sa.literal(object_id)))))


def _held(rule_: AccessRule, user, grantees: list[Grantee] | None) -> list[Grantee]:
    held = rule_.grantees(user)
    if grantees is not None:  # a narrower list (e.g. "registered by me"), never a wider one
        held = [g for g in grantees if g in held]
    return held


def _branch(i: int, *, keyed: bool, newest_first: bool, lowest: bool, highest: bool,
            where) -> sa.Subquery:
    """The range scan of grantee ``i``: its values are bind parameters (``t``, ``k<i>``,
    ``g<i>``, ``key_sort``, ``key_object``, ``lowest``, ``highest``, ``n``), so the
    statement is built once per shape and only executed after that."""
    grant = aliased(AccessGrant)
    query = sa.select(grant.sort_key.label("sort_key"), grant.object_id.label("object_id"))\
        .where(grant.object_type == sa.bindparam("t"),
               grant.grantee_kind == sa.bindparam(f"k{i}"),
               grant.grantee_id == sa.bindparam(f"g{i}"))
    if keyed:
        pair = sa.tuple_(grant.sort_key, grant.object_id)
        bound = sa.tuple_(sa.bindparam("key_sort", type_=sa.BigInteger),
                          sa.bindparam("key_object", type_=sa.Integer))
        query = query.where(pair < bound if newest_first else pair > bound)
    if lowest:
        query = query.where(grant.sort_key >= sa.bindparam("lowest", type_=sa.BigInteger))
    if highest:
        query = query.where(grant.sort_key <= sa.bindparam("highest", type_=sa.BigInteger))
    if where is not None:
        query = query.where(where(grant.object_id))
    order = (grant.sort_key.desc(), grant.object_id.desc()) if newest_first else (
        grant.sort_key.asc(), grant.object_id.asc())
    return query.order_by(*order).limit(sa.bindparam("n", type_=sa.Integer,
                                                     literal_execute=True)).subquery()


_STATEMENTS: dict[tuple, sa.Select] = {}


def _statement(kind: str, count: int, where, **shape) -> sa.Select:
    """The merged statement of ``count`` grantees: ``newest`` rows, or the ``count`` of
    them; cached by shape unless ``where`` (a filter of the caller's) is given."""
    cache_key = (kind, count, tuple(sorted(shape.items())))
    if where is None and cache_key in _STATEMENTS:
        return _STATEMENTS[cache_key]
    newest_first = shape["newest_first"]
    branches = [_branch(i, where=where, **shape) for i in range(count)]
    if count == 1:
        merged = branches[0]
    else:
        merged = sa.union(*[sa.select(b.c.sort_key, b.c.object_id) for b in branches]).subquery()
    if kind == "count":
        statement = sa.select(sa.func.count()).select_from(
            sa.select(merged.c.object_id).limit(sa.bindparam("n", type_=sa.Integer,
                                                             literal_execute=True)).subquery())
    else:
        order = (merged.c.sort_key.desc(), merged.c.object_id.desc()) if newest_first else (
            merged.c.sort_key.asc(), merged.c.object_id.asc())
        statement = sa.select(merged.c.sort_key, merged.c.object_id).order_by(*order).limit(
            sa.bindparam("n", type_=sa.Integer, literal_execute=True))
    if where is None:
        _STATEMENTS[cache_key] = statement
    return statement


def _params(rule_: AccessRule, held: list[Grantee], *, limit: int, key=None, lowest=None,
            highest=None) -> dict:
    params = {"t": rule_.object_type, "n": limit}
    for i, (kind, gid) in enumerate(held):
        params[f"k{i}"], params[f"g{i}"] = kind, gid
    if key is not None:
        params["key_sort"], params["key_object"] = key
    if lowest is not None:
        params["lowest"] = lowest
    if highest is not None:
        params["highest"] = highest
    return params


def newest(rule_: AccessRule, user, *, limit: int, key: Sequence | None = None,
           newest_first: bool = True, where=None, lowest: int | None = None,
           highest: int | None = None,
           grantees: list[Grantee] | None = None) -> list[tuple[int, int]]:
    """(sort_key, object_id) of up to ``limit`` objects ``user`` may see, newest first,
    after ``key`` (a (sort_key, object_id) pair; None: from the newest), or oldest
    first before it when ``newest_first`` is False.

    One range scan of the grants index per grantee the user holds, each stopping
    after ``limit`` rows, merged. ``where(object_id_column)`` narrows the objects (an
    EXISTS on the object's table, checked row by row as the scan goes);
    ``lowest``/``highest`` bound the sort key; ``grantees`` keeps to some of the
    user's grantees.
    """
    held = _held(rule_, user, grantees)
    if not held:
        return []
    statement = _statement("rows", len(held), where, keyed=key is not None,
                           newest_first=newest_first, lowest=lowest is not None,
                           highest=highest is not None)
    params = _params(rule_, held, limit=limit, key=key, lowest=lowest, highest=highest)
    return [tuple(row) for row in db.session.execute(statement, params)]


def _count(rule_: AccessRule, held: list[Grantee], *, cap: int, where=None, lowest=None,
           highest=None) -> int:
    statement = _statement("count", len(held), where, keyed=False, newest_first=True,
                           lowest=lowest is not None, highest=highest is not None)
    return db.session.scalar(statement, _params(rule_, held, limit=cap + 1, lowest=lowest,
                                                highest=highest)) or 0


def sees_more_than(rule_: AccessRule, user, cap: int) -> bool:
    """Whether ``user`` may see more than ``cap`` objects: the grantees are counted one
    after the other (each no further than ``cap``), so a user who holds one large
    grantee is answered after one short index range."""
    total = 0
    for grantee in _held(rule_, user, None):
        total += _count(rule_, [grantee], cap=cap)
        if total > cap:
            return True
    return False


def count_capped(rule_: AccessRule, user, *, cap: int, where=None, lowest: int | None = None,
                 highest: int | None = None,
                 grantees: list[Grantee] | None = None) -> tuple[int, bool]:
    """How many objects ``user`` may see, counting no further than ``cap``:
    (count, whether the cap was reached). One grantee that alone holds more than the
    cap answers at once; otherwise the grantees' objects are counted together."""
    held = _held(rule_, user, grantees)
    if not held:
        return 0, False
    bounds = {"lowest": lowest, "highest": highest}
    if len(held) > 1:
        for grantee in held:
            if _count(rule_, [grantee], cap=cap, where=where, **bounds) > cap:
                return cap, True
    count = _count(rule_, held, cap=cap, where=where, **bounds)
    return min(count, cap), count > cap
