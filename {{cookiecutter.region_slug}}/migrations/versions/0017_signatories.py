"""several signatories on one outgoing letter

Revision ID: 0017_signatories
Revises: 0016_naskah
Create Date: 2026-12-03 20:00:00

``outgoing_signatories`` holds the further signatories of a letter signed by several
officials, in order after the letter's own signing position: the position, its state
(waiting, due, signed), the signature block printed for it, who signed and when, and
the SHA-256 of the PDF after that signature. ``outgoing_letters.status`` gains the value
``signing`` (numbered, not yet signed by everyone); it is a plain string column, so no
change is needed there.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_signatories'
down_revision = '0016_naskah'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_signatories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('block', sa.JSON(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['outgoing_letters.id'], name=op.f('fk_outgoing_signatories_letter_id_outgoing_letters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_outgoing_signatories_position_id_positions')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_outgoing_signatories_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_signatories')),
    sa.UniqueConstraint('letter_id', 'order', name=op.f('uq_outgoing_signatories_letter_id_order')),
    )
    with op.batch_alter_table('outgoing_signatories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_signatories_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index('ix_outgoing_signatories_queue', ['position_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_signatories', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_signatories_queue')
        batch_op.drop_index(batch_op.f('ix_outgoing_signatories_letter_id'))
    op.drop_table('outgoing_signatories')
