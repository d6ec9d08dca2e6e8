"""naskah types of Permendagri 1/2023 as data; the signing-authority table; address book

Revision ID: 0016_naskah
Revises: 0015_page_generation
Create Date: 2026-12-03 20:00:00

- ``naskah_types``: the kinds of naskah dinas (eoffice/naskah/models.py). The five the
  code knew (biasa, nota_dinas, undangan, tugas, edaran) keep their codes, so every
  letter keeps its type; eleven more of Permendagri 1/2023 are added (memo,
  keputusan, perintah, keterangan, pengantar, pengumuman, berita_acara, laporan,
  telaahan, kuasa, notula), each drawn with one of the five layouts.
- ``naskah_type_opds``: the OPDs of a type that not every OPD writes.
- ``signing_authorities``: who may sign which type. Seeded with one rule, the
  regulation's clearest: a Keputusan is signed by the head of an OPD or of the region,
  in person. Every other type may be signed by any position, as before.
- ``recipient_groups`` / ``recipient_group_members`` and ``external_contacts``: the
  address book of the draft form (eoffice/recipients), empty.
- The region's default series of outgoing letters (``default_for = 'outgoing'``) now
  numbers the new types too, so that each can be numbered from the first day.
"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_naskah'
down_revision = '0015_page_generation'
branch_labels = None
depends_on = None

# code, name, code in the number, layout, internal only
TYPES = [
    ("biasa", "Surat Dinas", "SD", "biasa", False),
    ("nota_dinas", "Nota Dinas", "ND", "nota_dinas", True),
    ("memo", "Memo", "MEMO", "nota_dinas", True),
    ("undangan", "Surat Undangan", "UND", "undangan", False),
    ("edaran", "Surat Edaran", "SE", "edaran", False),
    ("keputusan", "Keputusan", "KEP", "edaran", False),
    ("tugas", "Surat Tugas", "ST", "tugas", False),
    ("perintah", "Surat Perintah", "SPRIN", "tugas", False),
    ("keterangan", "Surat Keterangan", "SKET", "edaran", False),
    ("pengantar", "Surat Pengantar", "SPENG", "biasa", False),
    ("pengumuman", "Pengumuman", "PENG", "edaran", False),
    ("berita_acara", "Berita Acara", "BA", "edaran", False),
    ("laporan", "Laporan", "LAP", "edaran", False),
    ("telaahan", "Telaahan Staf", "TS", "nota_dinas", True),
    ("kuasa", "Surat Kuasa", "SKU", "edaran", False),
    ("notula", "Notula", "NOT", "edaran", False),
]
OLD_TYPES = ("biasa", "nota_dinas", "undangan", "tugas", "edaran")
NEW_KINDS = [f"outgoing:{t[0]}" for t in TYPES if t[0] not in OLD_TYPES]

series_table = sa.table('numbering_series', sa.column('id', sa.Integer),
                        sa.column('kinds', sa.JSON), sa.column('default_for', sa.String))


def upgrade():
    types = op.create_table('naskah_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('number_code', sa.String(length=16), nullable=False),
    sa.Column('layout', sa.String(length=12), nullable=False),
    sa.Column('internal_only', sa.Boolean(), nullable=False),
    sa.Column('all_opds', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naskah_types')),
    sa.UniqueConstraint('code', name=op.f('uq_naskah_types_code'))
    )
    op.create_table('naskah_type_opds',
    sa.Column('naskah_type_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['naskah_type_id'], ['naskah_types.id'], name=op.f('fk_naskah_type_opds_naskah_type_id_naskah_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_naskah_type_opds_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('naskah_type_id', 'unit_id', name=op.f('pk_naskah_type_opds'))
    )
    with op.batch_alter_table('naskah_type_opds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_naskah_type_opds_unit_id'), ['unit_id'], unique=False)
    authorities = op.create_table('signing_authorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('naskah_type_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('delegable', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['naskah_type_id'], ['naskah_types.id'], name=op.f('fk_signing_authorities_naskah_type_id_naskah_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_signing_authorities_position_id_positions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_signing_authorities_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_authorities'))
    )
    with op.batch_alter_table('signing_authorities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_authorities_naskah_type_id'), ['naskah_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_authorities_position_id'), ['position_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_authorities_unit_id'), ['unit_id'], unique=False)

    op.create_table('recipient_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipient_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_recipient_groups_name'))
    )
    op.create_table('recipient_group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['recipient_groups.id'], name=op.f('fk_recipient_group_members_group_id_recipient_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_recipient_group_members_position_id_positions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'position_id', name=op.f('pk_recipient_group_members'))
    )
    with op.batch_alter_table('recipient_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipient_group_members_position_id'), ['position_id'], unique=False)
    op.create_table('external_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('agency', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_contacts'))
    )
    with op.batch_alter_table('external_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_external_contacts_name', ['name'], unique=False)

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    op.bulk_insert(types, [
        {"id": i, "code": code, "name": name, "number_code": number, "layout": layout,
         "internal_only": internal, "all_opds": True, "active": True, "sort_order": i * 10,
         "created_at": now, "updated_at": now}
        for i, (code, name, number, layout, internal) in enumerate(TYPES, start=1)])
    keputusan = 1 + [t[0] for t in TYPES].index("keputusan")
    op.bulk_insert(authorities, [
        {"naskah_type_id": keputusan, "unit_id": None, "level": "kepala_opd",
         "position_id": None, "delegable": False, "created_at": now, "updated_at": now}])
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":  # ids were given: move the sequence on
        connection.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('naskah_types', 'id'), "
            "(SELECT MAX(id) FROM naskah_types))"))
    row = connection.execute(sa.select(series_table.c.id, series_table.c.kinds).where(
        series_table.c.default_for == 'outgoing')).first()
    if row is not None:
        kinds = list(row.kinds or [])
        kinds += [k for k in NEW_KINDS if k not in kinds]
        connection.execute(series_table.update().where(series_table.c.id == row.id)
                           .values(kinds=kinds))


def downgrade():
    connection = op.get_bind()
    used = connection.execute(sa.text(
        "SELECT letter_type FROM outgoing_letters WHERE letter_type NOT IN :old").bindparams(
        sa.bindparam("old", expanding=True)), {"old": list(OLD_TYPES)}).first()
    if used is not None:
        raise RuntimeError(f"cannot downgrade: outgoing letters of type {used[0]} exist, "
                           "which the older code does not know")
    for row in connection.execute(sa.select(series_table.c.id, series_table.c.kinds)).all():
        kinds = [k for k in row.kinds or [] if k not in NEW_KINDS]
        if kinds != list(row.kinds or []):
            connection.execute(series_table.update().where(series_table.c.id == row.id)
                               .values(kinds=kinds))
    with op.batch_alter_table('external_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_external_contacts_name')
    op.drop_table('external_contacts')
    with op.batch_alter_table('recipient_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipient_group_members_position_id'))
    op.drop_table('recipient_group_members')
    op.drop_table('recipient_groups')
    with op.batch_alter_table('signing_authorities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_authorities_unit_id'))
        batch_op.drop_index(batch_op.f('ix_signing_authorities_position_id'))
        batch_op.drop_index(batch_op.f('ix_signing_authorities_naskah_type_id'))
    op.drop_table('signing_authorities')
    with op.batch_alter_table('naskah_type_opds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naskah_type_opds_unit_id'))
    op.drop_table('naskah_type_opds')
    op.drop_table('naskah_types')
