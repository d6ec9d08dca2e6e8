"""Rules of classification codes."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.archive.models import FINAL_DISPOSITIONS, Classification
from eoffice.extensions import db

CODE_RE = re.compile(r"^\d{3}(\.\d{1,3})*$")


class ClassificationError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def parent_code(code: str) -> str | None:
    """``000.1.2`` -> ``000.1``; ``000.1`` -> ``000``; a top code (``100``) -> None."""
    return code.rsplit(".", 1)[0] if "." in code else None


def _sort_key(code: str) -> tuple:
    return tuple(int(part) for part in code.split("."))


def all_codes(active_only: bool = True) -> list[Classification]:
    query = sa.select(Classification)
    if active_only:
        query = query.where(Classification.active.is_(True))
    return sorted(db.session.scalars(query), key=lambda c: _sort_key(c.code))


def choices(active_only: bool = True) -> list[tuple[int, str]]:
    """Indented (tree) choices for a select."""
    return [(c.id, "\u2003" * c.depth + c.label) for c in all_codes(active_only)]


def save(item: Classification | None, *, code: str, name: str, active: bool = True,
         retention_active_years: int | None = None, retention_inactive_years: int | None = None,
         final_disposition: str | None = None, actor=None) -> Classification:
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
    item.code, item.name, item.parent, item.active = code, name.strip(), parent, active
    item.retention_active_years = retention_active_years
    item.retention_inactive_years = retention_inactive_years
    item.final_disposition = final_disposition or None
    db.session.add(item)
    db.session.flush()
    audit.record("classification.created" if is_new else "classification.updated", item,
                 actor=actor, data={"code": code, "active": active})
    return item


def seed_from_csv(rows: list[dict[str, str]]) -> int:
    """Insert missing codes from rows with kode, nama, induk (idempotent)."""
    existing = {c.code: c for c in db.session.scalars(sa.select(Classification))}
    added = 0
    for row in sorted(rows, key=lambda r: _sort_key(r["kode"])):
        if row["kode"] in existing:
            continue
        item = Classification(code=row["kode"], name=row["nama"],
                              parent=existing.get(row.get("induk") or ""))
        db.session.add(item)
        existing[item.code] = item
        added += 1
    db.session.flush()
    return added
