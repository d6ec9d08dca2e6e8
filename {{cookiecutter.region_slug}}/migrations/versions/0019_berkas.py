"""pemberkasan: berkas, the letters filed in them, berita acara

Revision ID: 0019_berkas
Revises: 0018_notifications
Create Date: 2026-12-03 20:00:00

``berkas`` holds a unit's file of letters about one classification code in one year,
numbered within the unit and year, with its status along the retention lifecycle and
the retention copied from the JRA at closing (years, final disposition, dates) and a
legal hold that stops the lifecycle.
``berkas_items`` files an incoming or an outgoing letter (exactly one; a letter in one
berkas at most). ``berita_acara`` records the minutes of destruction or handover that
end berkas past their inactive period.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_berkas'
down_revision = '0018_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('berita_acara',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('number', sa.String(length=128), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('approved_by', sa.String(length=255), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_berita_acara_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_berita_acara')),
    )
    op.create_table('berkas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('classification_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('retention_active_years', sa.Integer(), nullable=True),
    sa.Column('retention_inactive_years', sa.Integer(), nullable=True),
    sa.Column('final_disposition', sa.String(length=20), nullable=True),
    sa.Column('active_until', sa.Date(), nullable=True),
    sa.Column('inactive_until', sa.Date(), nullable=True),
    sa.Column('berita_acara_id', sa.Integer(), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('legal_hold_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_berkas_unit_id_units')),
    sa.ForeignKeyConstraint(['classification_id'], ['classifications.id'], name=op.f('fk_berkas_classification_id_classifications')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_berkas_opened_by_id_users')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_berkas_closed_by_id_users')),
    sa.ForeignKeyConstraint(['berita_acara_id'], ['berita_acara.id'], name=op.f('fk_berkas_berita_acara_id_berita_acara')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_berkas')),
    sa.UniqueConstraint('unit_id', 'year', 'number', name=op.f('uq_berkas_unit_id_year_number')),
    )
    with op.batch_alter_table('berkas', schema=None) as batch_op:
        batch_op.create_index('ix_berkas_unit_year', ['unit_id', 'year', 'number'], unique=False)
        batch_op.create_index('ix_berkas_status_active', ['status', 'active_until'], unique=False)
        batch_op.create_index('ix_berkas_status_inactive', ['status', 'inactive_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_berkas_classification_id'), ['classification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_berkas_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_berkas_berita_acara_id'), ['berita_acara_id'], unique=False)
    op.create_table('berkas_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('berkas_id', sa.Integer(), nullable=False),
    sa.Column('incoming_letter_id', sa.Integer(), nullable=True),
    sa.Column('outgoing_letter_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(incoming_letter_id IS NULL) <> (outgoing_letter_id IS NULL)', name=op.f('ck_berkas_items_one_letter')),
    sa.ForeignKeyConstraint(['berkas_id'], ['berkas.id'], name=op.f('fk_berkas_items_berkas_id_berkas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incoming_letter_id'], ['incoming_letters.id'], name=op.f('fk_berkas_items_incoming_letter_id_incoming_letters')),
    sa.ForeignKeyConstraint(['outgoing_letter_id'], ['outgoing_letters.id'], name=op.f('fk_berkas_items_outgoing_letter_id_outgoing_letters')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_berkas_items_filed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_berkas_items')),
    sa.UniqueConstraint('incoming_letter_id', name=op.f('uq_berkas_items_incoming_letter_id')),
    sa.UniqueConstraint('outgoing_letter_id', name=op.f('uq_berkas_items_outgoing_letter_id')),
    )
    with op.batch_alter_table('berkas_items', schema=None) as batch_op:
        batch_op.create_index('ix_berkas_items_berkas', ['berkas_id', 'id'], unique=False)


def downgrade():
    op.drop_table('berkas_items')
    op.drop_table('berkas')
    op.drop_table('berita_acara')
