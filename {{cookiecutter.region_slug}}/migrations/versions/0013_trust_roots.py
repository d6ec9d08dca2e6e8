"""trust roots for verifying signed PDFs

Revision ID: 0013_trust_roots
Revises: 0012_series
Create Date: 2026-12-03 17:00:00

``signing_trust_roots`` keeps the CA certificates an administrator trusts for the
signatures in PDFs (the national BSrE/BSSN root, another region's CA), beside the
region's own CA in ``instance/ca/ca.pem``, which is always trusted and not in this
table. The certificate is kept whole (PEM); subject, issuer, validity and SHA-256
fingerprint are copies of it for the admin list.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_trust_roots'
down_revision = '0012_series'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_trust_roots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=95), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('pem', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_signing_trust_roots_added_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_trust_roots')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_signing_trust_roots_fingerprint')),
    sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table('signing_trust_roots')
