"""officials' signing certificates (PAdES signing with the sertifikat backend)

Revision ID: 0014_signing_certs
Revises: 0013_trust_roots
Create Date: 2026-12-03 17:00:00

``signing_certificates`` keeps one row per enrolment of an official's PKCS#12: the
certificate (PEM, subject, issuer, serial, validity, SHA-256 fingerprint), the issuers
the file carried, and the private key encrypted with AES-256-GCM under a key derived
from the official's signing passphrase (salt, nonce and KDF parameters stored; the
passphrase never is). Revocation is a date, who revoked and why.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_signing_certs'
down_revision = '0013_trust_roots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('chain_pem', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=1000), nullable=False),
    sa.Column('issuer', sa.String(length=1000), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=100), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('key_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('key_salt', sa.LargeBinary(length=32), nullable=False),
    sa.Column('key_nonce', sa.LargeBinary(length=12), nullable=False),
    sa.Column('kdf', sa.String(length=50), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signing_certificates_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'], name=op.f('fk_signing_certificates_enrolled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_signing_certificates_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_certificates')),
    )
    with op.batch_alter_table('signing_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_certificates_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('signing_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_certificates_user_id'))
    op.drop_table('signing_certificates')
