"""Rules of classification codes."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering, paging
from eoffice.archive.models import FINAL_DISPOSITIONS, Classification, RetentionSchedule
from eoffice.extensions import db

CODE_RE = re.compile(r"^\d{3}(\.\d{1,3})*$")
# What a search reads as the start of a code rather than words of a name.
PREFIX_RE = re.compile(r"^\d{1,3}(\.\d{0,3})*$")


class ClassificationError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def parent_code(code: str) -> str | None:
    """``000.1.2`` -> ``000.1``; ``000.1`` -> ``000``; a top code (``100``) -> None."""
    return code.rsplit(".", 1)[0] if "." in code else None


SEARCH_LIMIT = 20


def code_prefix(query: sa.Select, prefix: str) -> sa.Select:
    """Codes starting with ``prefix`` (digits and dots only), answered from an index:
    GLOB on SQLite (the unique index, binary collation), LIKE on PostgreSQL (the
    ``varchar_pattern_ops`` index, whatever the database's collation)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return query.where(Classification.code.op("GLOB")(prefix + "*"))
    return query.where(Classification.code.like(prefix + "%"))


def search_query(text: str, *, active_only: bool = True) -> sa.Select:
    """Codes whose code starts with ``text`` when it looks like a code (``400.7``),
    otherwise whose name holds every word of it, in the regulation's order."""
    query = sa.select(Classification).order_by(Classification.sort_key)
    if active_only:
        query = query.where(Classification.active.is_(True))
    text = " ".join((text or "").split())[:100]
    if PREFIX_RE.match(text):
        return code_prefix(query, text)
    for word in text.split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Classification.name.ilike(f"%{escaped}%", escape="\\"))
    return query


def search(text: str, *, active_only: bool = True, limit: int = SEARCH_LIMIT,
           ) -> list[Classification]:
    """What the classification pickers offer as the user types (at most ``limit``)."""
    if not (text or "").strip():
        return []
    return list(db.session.scalars(search_query(text, active_only=active_only).limit(limit)))


def by_code(code: str) -> Classification | None:
    """The code typed in a picker without JavaScript ("000.1.2" or "000.1.2 Name")."""
    first = (code or "").strip().split(" ", 1)[0]
    if not CODE_RE.match(first):
        return None
    return db.session.scalar(sa.select(Classification).where(Classification.code == first))


def current_schedule() -> RetentionSchedule | None:
    """The retention schedule in force: the newest one imported (or the example)."""
    return db.session.scalar(sa.select(RetentionSchedule)
                             .order_by(RetentionSchedule.id.desc()).limit(1))


def save(item: Classification | None, *, code: str, name: str, active: bool = True,
         retention_active_years: int | None = None, retention_inactive_years: int | None = None,
         final_disposition: str | None = None, retention_note: str | None = None,
         retention_source: str | None = None, actor=None) -> Classification:
    numbering.begin_write()
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ClassificationError(str(_l("A code looks like 000, 000.1 or 000.1.2.")), "code")
    other = db.session.scalar(sa.select(Classification).where(Classification.code == code))
    if other is not None and other is not item:
        raise ClassificationError(str(_l("The code %(c)s already exists.", c=code)), "code")
    if not (name or "").strip():
        raise ClassificationError(str(_l("A code needs a name.")), "name")
    parent = None
    if parent_code(code):
        parent = db.session.scalar(sa.select(Classification).where(
            Classification.code == parent_code(code)))
        if parent is None:
            raise ClassificationError(str(_l("Add the parent code %(c)s first.",
                                             c=parent_code(code))), "code")
    for value, field in ((retention_active_years, "retention_active_years"),
                         (retention_inactive_years, "retention_inactive_years")):
        if value is not None and not 0 <= value <= 100:
            raise ClassificationError(str(_l("Retention is 0 to 100 years.")), field)
    if final_disposition and final_disposition not in FINAL_DISPOSITIONS:
        raise ClassificationError(str(_l("Unknown final disposition.")), "final_disposition")
    is_new = item is None
    item = item or Classification()
    if item.id is not None and item.code != code:
        has_children = db.session.scalar(sa.select(sa.func.count()).select_from(Classification)
                                         .where(Classification.parent_id == item.id))
        if has_children:
            raise ClassificationError(str(_l("A code with sub-codes cannot be renumbered.")),
                                      "code")
    item.set_code(code)
    item.name, item.parent, item.active = name.strip(), parent, active
    item.retention_active_years = retention_active_years
    item.retention_inactive_years = retention_inactive_years
    item.final_disposition = final_disposition or None
    item.retention_note = (retention_note or "").strip() or None
    item.retention_source = (retention_source or "").strip()[:255] or None
    db.session.add(item)
    db.session.flush()
    audit.record("classification.created" if is_new else "classification.updated", item,
                 actor=actor, data={"code": code, "active": active})
    return item


def tree_page(text: str, cursor: paging.Cursor | None, per_page: int) -> paging.KeysetPage:
    """One page of the code tree in the regulation's order (every code, active or not),
    or of the codes matching ``text``; paged by the sort key, with the exact count
    (a few thousand codes at most)."""
    query = (search_query(text, active_only=False) if text.strip()
             else sa.select(Classification).order_by(Classification.sort_key))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))
    cursor = paging.fits(cursor, str)
    if cursor is not None:
        query = query.where(paging.after([Classification.sort_key], cursor.key,
                                         descending=not cursor.forward))
        if not cursor.forward:
            query = query.order_by(None).order_by(Classification.sort_key.desc())
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    page = paging.page_from_rows(rows, per_page, cursor, lambda c: (c.sort_key,))
    page.total = total
    return page
