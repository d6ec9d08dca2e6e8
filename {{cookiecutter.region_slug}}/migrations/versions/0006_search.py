"""full-text search of letters and attachment text

Revision ID: 0006_search
Revises: 0005_access_grants
Create Date: 2026-12-03 10:30:00

``search_incoming_letters`` and ``search_outgoing_letters`` hold what the search
reads (eoffice/search/); the full-text index over them is the database's own: an
FTS5 table on SQLite, a weighted tsvector with a GIN index on PostgreSQL. Stored
files get the text found in them. The rows are filled by
``flask eoffice search reindex`` (``flask eoffice doctor`` says when it is needed);
a new database has nothing to index.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0006_search'
down_revision = '0005_access_grants'
branch_labels = None
depends_on = None

FIELDS = ("title", "parties", "numbers", "body", "attachments")
SOURCES = ("incoming_letters", "outgoing_letters")


def upgrade():
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('text_status', sa.String(length=10),
                                      server_default='none', nullable=False))
        batch_op.create_index(batch_op.f('ix_stored_files_text_status'), ['text_status'],
                              unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for source in SOURCES:
        table = f"search_{source}"
        op.create_table(
            table,
            sa.Column('object_id', sa.Integer(), autoincrement=False, nullable=False),
            sa.Column('sort_key', sa.BigInteger(), nullable=False),
            *[sa.Column(name, sa.Text(), server_default='', nullable=False) for name in FIELDS],
            sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
                      nullable=True),
            sa.PrimaryKeyConstraint('object_id', name=op.f(f'pk_{table}')),
        )
        if sqlite:
            # External content: the words are indexed, the text stays in the table.
            op.execute(
                f"CREATE VIRTUAL TABLE {table}_fts USING fts5({', '.join(FIELDS)}, "
                f"content='{table}', content_rowid='object_id', "
                "tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
        else:
            op.execute(f"CREATE INDEX ix_{table}_document ON {table} USING gin (document)")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for source in SOURCES:
        table = f"search_{source}"
        if sqlite:
            op.execute(f"DROP TABLE {table}_fts")
        op.drop_table(table)
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_text_status'))
        batch_op.drop_column('text_status')
        batch_op.drop_column('text')
