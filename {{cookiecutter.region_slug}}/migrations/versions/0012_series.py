"""numbering series as data; an agenda book per OPD

Revision ID: 0012_series
Revises: 0011_jra
Create Date: 2026-12-03 17:00:00

- ``numbering_series``: which counter and pattern number which documents, for the
  region, one OPD or one unit (eoffice/series/models.py). Two region-wide series
  are made from region.toml as it is now: the agenda of incoming letters
  (``numbering.agenda_pattern``) and outgoing letters of every type
  (``numbering.letter_pattern``, with a counter per classification code when
  ``numbering.letter_counter = "per_code"``). Their counter keys are the ones the
  counters already have (``agenda``, ``surat``): numbering continues from the last
  number issued, with no gap and no number issued twice.
- ``incoming_letters.agenda_counter``: the counter an agenda number came from
  (``agenda`` for every letter so far); the unique agenda number and sequence are
  now per counter and year, so two OPDs' books may both hold agenda 1.
- ``incoming_letters.agenda_opd_id``: the OPD whose agenda book holds the letter;
  filled for the letters so far from the OPD of the unit that registered them.

On SQLite the letters table is rebuilt (batch mode); migrations/env.py turns foreign
keys off meanwhile, so the rebuild cascades to nothing, and checks them afterwards.
Downgrade refuses when two letters share an agenda sequence in a year (the old
constraint could not hold them).
"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_series'
down_revision = '0011_jra'
branch_labels = None
depends_on = None

OUTGOING_TYPES = ("biasa", "nota_dinas", "undangan", "tugas", "edaran")


def _config() -> dict:
    """The region's numbering settings (the app's configuration when there is one)."""
    defaults = {"AGENDA_PATTERN": "{seq:05d}", "LETTER_PATTERN": "{code}/{seq}/{unit}/{year}",
                "LETTER_COUNTER": "shared"}
    try:
        from flask import current_app

        return {key: current_app.config.get(key, value) for key, value in defaults.items()}
    except RuntimeError:  # no app (plain alembic)
        return defaults


def _opd_of_units(connection) -> dict[int, int]:
    """unit id -> the id of its OPD (see eoffice.series.services.opd_of)."""
    rows = connection.execute(sa.text("SELECT id, parent_id, kind FROM units")).all()
    parent = {r.id: r.parent_id for r in rows}
    kind = {r.id: r.kind for r in rows}
    result = {}
    for unit_id in parent:
        chain, current = [], unit_id
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        if kind.get(chain[-1]) == "pemda":
            if len(chain) > 1:
                result[unit_id] = chain[-2]
        else:
            result[unit_id] = chain[-1]
    return result


def upgrade():
    series = op.create_table('numbering_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('classification_codes', sa.JSON(), nullable=False),
    sa.Column('pattern', sa.String(length=80), nullable=False),
    sa.Column('yearly_reset', sa.Boolean(), nullable=False),
    sa.Column('per_code', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('counter_key', sa.String(length=40), nullable=True),
    sa.Column('default_for', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_numbering_series_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_numbering_series')),
    sa.UniqueConstraint('counter_key', name=op.f('uq_numbering_series_counter_key')),
    sa.UniqueConstraint('default_for', name=op.f('uq_numbering_series_default_for'))
    )
    with op.batch_alter_table('numbering_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_numbering_series_unit_id'), ['unit_id'], unique=False)

    config = _config()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    op.bulk_insert(series, [
        {"name": "Agenda surat masuk", "scope": "region", "unit_id": None, "kinds": ["agenda"],
         "classification_codes": [], "pattern": config["AGENDA_PATTERN"], "yearly_reset": True,
         "per_code": False, "active": True, "counter_key": "agenda", "default_for": "agenda",
         "created_at": now, "updated_at": now},
        {"name": "Nomor surat keluar", "scope": "region", "unit_id": None,
         "kinds": [f"outgoing:{t}" for t in OUTGOING_TYPES], "classification_codes": [],
         "pattern": config["LETTER_PATTERN"], "yearly_reset": True,
         "per_code": config["LETTER_COUNTER"] == "per_code", "active": True,
         "counter_key": "surat", "default_for": "outgoing", "created_at": now,
         "updated_at": now},
    ])

    with op.batch_alter_table('incoming_letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_counter', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('agenda_opd_id', sa.Integer(), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE incoming_letters SET agenda_counter = 'agenda'"))
    by_opd: dict[int, list[int]] = {}
    for unit_id, opd_id in _opd_of_units(connection).items():
        by_opd.setdefault(opd_id, []).append(unit_id)
    for opd_id, unit_ids in by_opd.items():
        connection.execute(sa.text(
            "UPDATE incoming_letters SET agenda_opd_id = :opd "
            "WHERE registering_unit_id IN :units").bindparams(
            sa.bindparam("units", expanding=True)), {"opd": opd_id, "units": unit_ids})
    with op.batch_alter_table('incoming_letters', schema=None) as batch_op:
        batch_op.alter_column('agenda_counter', existing_type=sa.String(length=80),
                              nullable=False)
        batch_op.drop_constraint('uq_incoming_letters_agenda_year_agenda_number', type_='unique')
        batch_op.drop_constraint('uq_incoming_letters_agenda_year_agenda_seq', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_incoming_letters_agenda_counter_agenda_year_agenda_seq'),
            ['agenda_counter', 'agenda_year', 'agenda_seq'])
        batch_op.create_unique_constraint(
            batch_op.f('uq_incoming_letters_agenda_counter_agenda_year_agenda_number'),
            ['agenda_counter', 'agenda_year', 'agenda_number'])
        batch_op.create_foreign_key(batch_op.f('fk_incoming_letters_agenda_opd_id_units'),
                                    'units', ['agenda_opd_id'], ['id'])
        batch_op.create_index('ix_incoming_letters_agenda_opd', ['agenda_opd_id',
                                                                 'received_date'], unique=False)


def downgrade():
    connection = op.get_bind()
    clash = connection.execute(sa.text(
        "SELECT agenda_year, agenda_seq FROM incoming_letters GROUP BY agenda_year, agenda_seq "
        "HAVING COUNT(*) > 1")).first()
    if clash is not None:
        raise RuntimeError(f"cannot downgrade: several agenda books hold sequence {clash[1]} "
                           f"of {clash[0]}; one region-wide book cannot")
    with op.batch_alter_table('incoming_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_letters_agenda_opd')
        batch_op.drop_constraint(batch_op.f('fk_incoming_letters_agenda_opd_id_units'),
                                 type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('uq_incoming_letters_agenda_counter_agenda_year_agenda_number'),
            type_='unique')
        batch_op.drop_constraint(
            batch_op.f('uq_incoming_letters_agenda_counter_agenda_year_agenda_seq'),
            type_='unique')
        batch_op.create_unique_constraint('uq_incoming_letters_agenda_year_agenda_seq',
                                          ['agenda_year', 'agenda_seq'])
        batch_op.create_unique_constraint('uq_incoming_letters_agenda_year_agenda_number',
                                          ['agenda_year', 'agenda_number'])
        batch_op.drop_column('agenda_opd_id')
        batch_op.drop_column('agenda_counter')
    with op.batch_alter_table('numbering_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_numbering_series_unit_id'))
    op.drop_table('numbering_series')
