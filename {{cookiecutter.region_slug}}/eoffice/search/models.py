"""The search index: one text row per searchable object, per kind of object.

``search_<source>`` holds what is searched for each object (subject, parties,
numbers, body with disposition notes, attachment text), in fields that weigh
differently in ranking. It is derived data (``eoffice.search.index`` writes it
after every flush that touches an object, and can rebuild it); the full-text index
over it is the database's own:

- SQLite: an FTS5 table ``search_<source>_fts`` over these rows (external content,
  rowid = object id), kept in step by triggers (migration 0006);
- PostgreSQL: the ``document`` column (a weighted ``tsvector``: A subject, B parties,
  C numbers, D body and attachments) with a GIN index.

Both are created by the migrations, not by these models, which is why
``eoffice.maintenance.schema.include_object`` keeps them out of schema comparisons.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from eoffice.extensions import db

# The weighted tsvector on PostgreSQL; an unused (NULL) text column on SQLite.
DOCUMENT_TYPE = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
FIELDS = ("title", "parties", "numbers", "body", "attachments")


def search_table(source: str) -> sa.Table:
    return sa.Table(
        f"search_{source}", db.metadata,
        sa.Column("object_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sort_key", sa.BigInteger, nullable=False),
        *[sa.Column(name, sa.Text, nullable=False, server_default="") for name in FIELDS],
        sa.Column("document", DOCUMENT_TYPE),
    )


INCOMING = search_table("incoming_letters")
OUTGOING = search_table("outgoing_letters")
TABLES = {"incoming_letters": INCOMING, "outgoing_letters": OUTGOING}


def fts_name(table: sa.Table) -> str:
    return f"{table.name}_fts"


def document_index_name(table: sa.Table) -> str:
    return f"ix_{table.name}_document"


def internal_names() -> set[str]:
    """Names of what the migrations create beside the models: the FTS5 tables with
    their shadow tables, triggers and the GIN indexes."""
    out = set()
    for table in TABLES.values():
        fts = fts_name(table)
        out |= {fts, f"{fts}_data", f"{fts}_idx", f"{fts}_docsize", f"{fts}_config",
                f"{fts}_content", document_index_name(table)}
    return out
