"""the open dispositions a position gave, by due date, from one index

Revision ID: 0020_disposition_given
Revises: 0019_berkas
Create Date: 2026-12-03 23:20:00

``disposition_recipients.from_position_id`` and ``due_date`` copy their disposition's
(which never change once it is given), so that the dashboard's "overdue dispositions
I gave" is one range of ``ix_disposition_recipients_given`` (sender, status, due date)
instead of a walk over every disposition the position ever gave.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_disposition_given'
down_revision = '0019_berkas'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('disposition_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_position_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_disposition_recipients_from_position_id_positions'),
            'positions', ['from_position_id'], ['id'])
    op.execute("UPDATE disposition_recipients SET from_position_id = (SELECT d.from_position_id "
               "FROM dispositions d WHERE d.id = disposition_recipients.disposition_id), "
               "due_date = (SELECT d.due_date FROM dispositions d "
               "WHERE d.id = disposition_recipients.disposition_id)")
    with op.batch_alter_table('disposition_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_disposition_recipients_given',
                              ['from_position_id', 'status', 'due_date'], unique=False)


def downgrade():
    with op.batch_alter_table('disposition_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_disposition_recipients_given')
        batch_op.drop_constraint(
            batch_op.f('fk_disposition_recipients_from_position_id_positions'),
            type_='foreignkey')
        batch_op.drop_column('due_date')
        batch_op.drop_column('from_position_id')
