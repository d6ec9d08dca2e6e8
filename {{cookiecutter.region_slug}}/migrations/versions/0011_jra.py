"""the full classification list (Permendagri 83/2022, 2,988 codes) and the example JRA

Revision ID: 0011_jra
Revises: 0010_acting
Create Date: 2026-12-03 17:30:00

- ``classifications`` gains ``level`` (1-4) and ``sort_key`` (each part of the code
  padded to three digits, so the tree pages by one indexed ORDER BY), the retention
  schedule's ``retention_note`` (its conditions, word for word) and
  ``retention_source`` (the regulation), and a ``name`` wide enough for the
  regulation's names (up to ~870 characters). An index on ``code`` with
  ``varchar_pattern_ops`` lets PostgreSQL answer a code-prefix search (LIKE '400.1%')
  from an index whatever the database's collation (SQLite uses GLOB on the unique index).
- The codes of ``eoffice/data/klasifikasi_arsip.csv`` that are missing are added in
  bulk (the 84 codes seeded by 0002 keep their ids, so letters keep their codes);
  a seeded name still as 0002 wrote it takes the regulation's wording, a name the
  region changed is kept.
- ``retention_schedules`` records which retention schedule is in force; the example
  schedule ``eoffice/data/jra_contoh.csv`` (one province's Pergub No. 30) is applied
  to the codes that have no retention yet and recorded as *the example*, which the
  admin pages flag until the region imports its own.

SQLite cannot alter a column's type without rebuilding the table, and a rebuild of a
table that letters refer to fails under ``PRAGMA foreign_keys=ON``: there the wide
``name`` is made by adding a new column, copying and dropping the old one (SQLite 3.35+).

Downgrade drops the new columns and table and cuts names back to 255 characters; the
codes added stay (letters may use them).
"""
import csv
import datetime
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_jra'
down_revision = '0010_acting'
branch_labels = None
depends_on = None

DATA_DIR = Path(__file__).resolve().parents[2] / 'eoffice' / 'data'
# Names 0002 seeded in a shorter form than the regulation has them (code: (0002's, new)).
RENAMED = {
    '000.1.1': ('Telekomunikasi', 'Telekomunikasi (Fasilitasi Telekomunikasi)'),
    '000.1.4': ('Penggunaan Fasilitas Kantor', None),
    '000.1.5': ('Rapat Pimpinan (Notula/Risalah Rapat)', None),
    '000.1.12': ('Administrasi Pakaian Dinas Pegawai, Satpam, Petugas Kebersihan dan '
                 'Pegawai Lainnya', None),
    '400.12': ('Kependudukan dan Pencatatan Sipil', None),
    '600.2': ('Perumahan Rakyat dan Kawasan Permukiman', None),
    '600.3': ('Tata Ruang', None),
}
EXAMPLE_NAME = 'Pergub No. 30 (JRA contoh satu provinsi)'

classifications = sa.table(
    'classifications', sa.column('id', sa.Integer), sa.column('code', sa.String),
    sa.column('name', sa.String), sa.column('parent_id', sa.Integer),
    sa.column('level', sa.SmallInteger), sa.column('sort_key', sa.String),
    sa.column('active', sa.Boolean), sa.column('retention_active_years', sa.Integer),
    sa.column('retention_inactive_years', sa.Integer),
    sa.column('final_disposition', sa.String), sa.column('retention_note', sa.Text),
    sa.column('retention_source', sa.String), sa.column('created_at', sa.DateTime),
    sa.column('updated_at', sa.DateTime))


def read_csv(name):
    with (DATA_DIR / name).open(encoding='utf-8', newline='') as handle:
        return list(csv.DictReader(handle))


def sort_key(code):
    return '.'.join(part.zfill(3) for part in code.split('.'))


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    op.add_column('classifications', sa.Column('level', sa.SmallInteger(), nullable=False,
                                               server_default='1'))
    op.add_column('classifications', sa.Column('sort_key', sa.String(length=64),
                                               nullable=False, server_default=''))
    op.add_column('classifications', sa.Column('retention_note', sa.Text(), nullable=True))
    op.add_column('classifications', sa.Column('retention_source', sa.String(length=255),
                                               nullable=True))
    widen_name(sqlite, 1000)
    op.create_index('ix_classifications_sort_key', 'classifications', ['sort_key'])
    op.create_index('ix_classifications_code_pattern', 'classifications', ['code'],
                    postgresql_ops={'code': 'varchar_pattern_ops'})
    op.create_table(
        'retention_schedules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('is_example', sa.Boolean(), nullable=False),
        sa.Column('codes', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'],
                                name=op.f('fk_retention_schedules_imported_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_schedules')))
    seed(bind)


def widen_name(sqlite, length):
    if not sqlite:
        op.alter_column('classifications', 'name', type_=sa.String(length=length),
                        existing_nullable=False,
                        postgresql_using=f'substr(name, 1, {length})::varchar({length})')
        return
    op.execute('ALTER TABLE classifications RENAME COLUMN name TO name_before')
    op.execute(f"ALTER TABLE classifications ADD COLUMN name VARCHAR({length}) NOT NULL "
               "DEFAULT ''")
    length = int(length)  # a number of this file (1000 or 255), never input
    op.execute(f'UPDATE classifications SET name = substr(name_before, 1, {length})')  # nosec B608
    op.execute('ALTER TABLE classifications DROP COLUMN name_before')


def seed(bind):
    """Missing codes are inserted level by level with their parent, level, sort key
    and example retention already set (a few multi-row INSERTs); only the rows that
    were there before are updated one by one (84 on a database that 0002 seeded)."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    rows = read_csv('klasifikasi_arsip.csv')
    names = {row['kode']: row['nama'] for row in rows}
    example = {row['kode']: row for row in read_csv('jra_contoh.csv')}
    for code, (old, new) in RENAMED.items():
        bind.execute(classifications.update().where(
            classifications.c.code == code, classifications.c.name == old).values(
            name=new or names[code]))
    ids = dict(bind.execute(sa.select(classifications.c.code, classifications.c.id)).all())
    before = dict(ids)
    missing = [row for row in rows if row['kode'] not in ids]
    for level in sorted({row['kode'].count('.') + 1 for row in missing}):
        batch = [row for row in missing if row['kode'].count('.') + 1 == level]
        bind.execute(classifications.insert(), [
            {'code': row['kode'], 'name': row['nama'], 'active': True, 'level': level,
             'sort_key': sort_key(row['kode']), 'parent_id': ids.get(row['induk']),
             'created_at': now, 'updated_at': now, **retention(example.get(row['kode']))}
            for row in batch])
        ids.update(bind.execute(sa.select(classifications.c.code, classifications.c.id).where(
            classifications.c.level == level, classifications.c.sort_key != '')).all())
    parents = {row['kode']: row['induk'] for row in rows}
    empty = set(bind.scalars(sa.select(classifications.c.id).where(
        classifications.c.retention_active_years.is_(None),
        classifications.c.retention_inactive_years.is_(None),
        classifications.c.final_disposition.is_(None))))
    for code, id_ in before.items():  # rows 0002 seeded, or the region added
        parent = parents.get(code, code.rsplit('.', 1)[0] if '.' in code else '')
        changes = {'level': code.count('.') + 1, 'sort_key': sort_key(code)}
        if id_ in empty and code in example:
            changes.update(retention(example[code]))
        bind.execute(classifications.update().where(classifications.c.id == id_).values(
            parent_id=sa.func.coalesce(classifications.c.parent_id, ids.get(parent)),
            **changes))
    schedules = sa.table('retention_schedules', sa.column('name', sa.String),
                         sa.column('is_example', sa.Boolean), sa.column('codes', sa.Integer),
                         sa.column('file_name', sa.String),
                         sa.column('imported_at', sa.DateTime))
    bind.execute(schedules.insert().values(
        name=EXAMPLE_NAME, is_example=True, codes=len(set(example) & set(ids)),
        file_name='jra_contoh.csv', imported_at=now))


def retention(row):
    """The columns of one row of the example schedule (none when there is no row)."""
    if row is None:
        return dict.fromkeys(('retention_active_years', 'retention_inactive_years',
                              'final_disposition', 'retention_note', 'retention_source'))
    return {'retention_active_years': int(row['retensi_aktif']),
            'retention_inactive_years': int(row['retensi_inaktif']),
            'final_disposition': row['nasib_akhir'].strip().replace(' ', '_'),
            'retention_note': row['keterangan'] or None,
            'retention_source': row['source'][:255] or None}


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_table('retention_schedules')
    op.drop_index('ix_classifications_code_pattern', table_name='classifications')
    op.drop_index('ix_classifications_sort_key', table_name='classifications')
    for column in ('retention_source', 'retention_note', 'sort_key', 'level'):
        if sqlite:
            op.execute(f'ALTER TABLE classifications DROP COLUMN {column}')
        else:
            op.drop_column('classifications', column)
    widen_name(sqlite, 255)
