"""The schema built by the migrations is the schema the models describe, on whatever
database the suite runs (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from eoffice.extensions import db
from eoffice.reference import golongan_rows
from eoffice.staff.models import Golongan


def test_migrations_match_the_models(app):
    """What the migrations create beside the models (the search's FTS5 tables and GIN
    indexes) is left out, as autogenerate leaves it out."""
    from eoffice.maintenance.schema import include_object

    context = MigrationContext.configure(db.session.connection(),
                                         opts={"compare_type": True,
                                               "include_object": include_object})
    differences = compare_metadata(context, db.metadata)
    assert differences == [], "\n".join(map(str, differences))


def test_database_is_at_every_head(app):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(app.extensions["migrate"].directory))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    assert heads and heads <= current


def test_migrations_seed_the_golongan_reference_data(app):
    rows = db.session.execute(sa.select(Golongan.code, Golongan.pangkat)
                              .order_by(Golongan.rank)).all()
    assert [tuple(row) for row in rows] == [(r["code"], r["pangkat"]) for r in golongan_rows()]
