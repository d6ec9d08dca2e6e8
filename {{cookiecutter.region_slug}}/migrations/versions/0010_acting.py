"""acting officials (Plt / Plh) and the signing capacity of outgoing letters (a.n. / u.b.)

Revision ID: 0010_acting
Revises: 0009_audit
Create Date: 2026-12-03 17:00:00

- ``acting_assignments``: a user acting for a position (Plt or Plh) from a start day
  to an end day (region-local, both included), ended early when ``ended_at`` is set.
- ``outgoing_letters.signing_as`` ("langsung" | "an" | "ub") and
  ``on_behalf_position_id`` (the position signed for with a.n.). Existing letters are
  "langsung". Added with one ALTER TABLE each on SQLite (a batch rebuild would drop and
  copy the letters table).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_acting'
down_revision = '0009_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'acting_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('position_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=3), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('decree', sa.String(length=200), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('end_date >= start_date', name=op.f('ck_acting_assignments_range')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_acting_assignments_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['position_id'], ['positions.id'],
                                name=op.f('fk_acting_assignments_position_id_positions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_acting_assignments_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_acting_assignments')),
    )
    op.create_index('ix_acting_assignments_user', 'acting_assignments',
                    ['user_id', 'start_date'], unique=False)
    op.create_index('ix_acting_assignments_position', 'acting_assignments',
                    ['position_id', 'start_date'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE outgoing_letters ADD COLUMN signing_as VARCHAR(8) "
                   "DEFAULT 'langsung' NOT NULL")
        op.execute('ALTER TABLE outgoing_letters ADD COLUMN on_behalf_position_id INTEGER '
                   'CONSTRAINT fk_outgoing_letters_on_behalf_position_id_positions '
                   'REFERENCES positions (id)')
    else:
        op.add_column('outgoing_letters', sa.Column('signing_as', sa.String(length=8),
                                                    server_default='langsung',
                                                    nullable=False))
        op.add_column('outgoing_letters', sa.Column('on_behalf_position_id', sa.Integer(),
                                                    nullable=True))
        op.create_foreign_key(op.f('fk_outgoing_letters_on_behalf_position_id_positions'),
                              'outgoing_letters', 'positions', ['on_behalf_position_id'],
                              ['id'])


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE outgoing_letters DROP COLUMN on_behalf_position_id')
        op.execute('ALTER TABLE outgoing_letters DROP COLUMN signing_as')
    else:
        op.drop_constraint(op.f('fk_outgoing_letters_on_behalf_position_id_positions'),
                           'outgoing_letters', type_='foreignkey')
        op.drop_column('outgoing_letters', 'on_behalf_position_id')
        op.drop_column('outgoing_letters', 'signing_as')
    op.drop_index('ix_acting_assignments_position', table_name='acting_assignments')
    op.drop_index('ix_acting_assignments_user', table_name='acting_assignments')
    op.drop_table('acting_assignments')
