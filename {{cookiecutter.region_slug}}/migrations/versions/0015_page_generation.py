"""the data generation token of the page cache

Revision ID: 0015_page_generation
Revises: 0014_signing_certs
Create Date: 2026-12-03 20:00:00

``page_generation`` has one row whose ``token`` every committed write replaces
(``eoffice/pagecache.py``): a worker serves a session's cached copy of a busy list page
only while the token it was built under is still the database's.
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_page_generation'
down_revision = '0014_signing_certs'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('page_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('page_generation')
