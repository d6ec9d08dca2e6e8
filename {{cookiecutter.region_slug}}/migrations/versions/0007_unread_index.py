"""unread letters of a position, newest first, from one index

Revision ID: 0007_unread_index
Revises: 0006_search
Create Date: 2026-12-03 11:00:00

``letter_recipients.received_date`` copies the letter's date received (it never
changes) and ``letter_open`` whether the letter is registered (not cancelled, filed
or awaiting), so that the partial index ``(position_id, kind, letter_open,
received_date, letter_id) WHERE read_at IS NULL`` answers the "to read" and "copies"
queues and their counters as a range scan, however many letters a position has had.
The outgoing letters' status index also holds the drafter's position ("to send").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_unread_index'
down_revision = '0006_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('letter_open', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    op.execute("UPDATE letter_recipients SET received_date = (SELECT l.received_date "
               "FROM incoming_letters l WHERE l.id = letter_recipients.letter_id)")
    op.execute("UPDATE letter_recipients SET letter_open = false WHERE letter_id IN "
               "(SELECT id FROM incoming_letters WHERE status <> 'registered')")
    with op.batch_alter_table('letter_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_recipients_position')
        batch_op.create_index('ix_letter_recipients_unread',
                              ['position_id', 'kind', 'letter_open', 'received_date',
                               'letter_id'],
                              unique=False, sqlite_where=sa.text('read_at IS NULL'),
                              postgresql_where=sa.text('read_at IS NULL'))


    with op.batch_alter_table('outgoing_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_letters_status')
        batch_op.create_index('ix_outgoing_letters_status', ['status', 'drafter_position_id'],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # A clerk's or a head's grantee holds tens of thousands of grants where most hold
        # a few hundred: the planner must know the heavy ones (most-common values of the
        # three columns together) to choose between walking and probing the grants.
        op.execute("ALTER TABLE access_grants ALTER COLUMN grantee_id SET STATISTICS 1000")
        op.execute("CREATE STATISTICS st_access_grants_grantee (mcv) "
                   "ON object_type, grantee_kind, grantee_id FROM access_grants")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_access_grants_grantee")
        op.execute("ALTER TABLE access_grants ALTER COLUMN grantee_id SET STATISTICS -1")
    with op.batch_alter_table('outgoing_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_letters_status')
        batch_op.create_index('ix_outgoing_letters_status', ['status'], unique=False)
    with op.batch_alter_table('letter_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_recipients_unread', sqlite_where=sa.text('read_at IS NULL'),
                            postgresql_where=sa.text('read_at IS NULL'))
        batch_op.create_index('ix_letter_recipients_position', ['position_id', 'kind', 'read_at'],
                              unique=False)
        batch_op.drop_column('letter_open')
        batch_op.drop_column('received_date')
