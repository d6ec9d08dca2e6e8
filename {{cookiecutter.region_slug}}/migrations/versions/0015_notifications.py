"""notification centre (pemberitahuan)

Revision ID: 0015_notifications
Revises: 0014_signing_certs
Create Date: 2026-12-03 20:15:00

``notifications`` keeps one row per user and domain event that concerns them
(eoffice/notifications): the event, the letter it is about, whether the letter is
restricted (R/SR: then ``data`` is empty) and when it was read. Two indexes: the bell
counts a user's unread rows on every page (user_id, read_at); the list pages by
(user_id, id).

``event_marks`` keeps the key of each event a periodic scan must tell once (a
disposition due soon or overdue, per recipient and due date); the scan finds open
dispositions by due date (``ix_dispositions_due_date``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_notifications'
down_revision = '0014_signing_certs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notifications_user_newest', ['user_id', 'id'], unique=False)
    op.create_table('event_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_marks')),
    sa.UniqueConstraint('key', name=op.f('uq_event_marks_key')),
    )
    with op.batch_alter_table('dispositions', schema=None) as batch_op:
        batch_op.create_index('ix_dispositions_due_date', ['due_date'], unique=False)


def downgrade():
    with op.batch_alter_table('dispositions', schema=None) as batch_op:
        batch_op.drop_index('ix_dispositions_due_date')
    op.drop_table('event_marks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_newest')
        batch_op.drop_index('ix_notifications_user_unread')
    op.drop_table('notifications')
