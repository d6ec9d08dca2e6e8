"""The migration that made numbering series data keeps every counter where it was."""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa

from tests.test_numbering import _server_database


def _row(connection, table: str, **values) -> None:
    """Insert a row at the old schema: the given values, and a plain value for every other
    required column."""
    columns = sa.inspect(connection).get_columns(table)
    today = dt.date.today()
    for column in columns:
        if column["name"] in values or column["nullable"] or column.get("default") is not None \
                or column.get("autoincrement") is True or column["name"] == "id":
            continue
        kind = column["type"]
        values[column["name"]] = (
            False if isinstance(kind, sa.Boolean) else
            dt.datetime(today.year, today.month, today.day) if isinstance(kind, sa.DateTime) else
            today if isinstance(kind, sa.Date) else
            0 if isinstance(kind, sa.Integer) else
            "{}" if isinstance(kind, sa.JSON) else "x")
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"),  # noqa: S608
                       values)


def _old_letter(connection, year: int) -> None:
    """A registered letter with one addressee, as the old schema stored it."""
    _row(connection, "units", id=1, code="DKF", name="Dinas", kind="opd", active=True)
    _row(connection, "users", id=1, username="pencatat", active=True)
    _row(connection, "positions", id=1, name="Kepala", unit_id=1, active=True)
    _row(connection, "incoming_letters", id=1, agenda_number="00041", agenda_year=year,
         agenda_seq=41, sender="Kementerian", sender_number="1/2", subject="Surat lama",
         security="B", speed="biasa", status="registered", registered_by_id=1,
         registering_unit_id=1, letter_date=dt.date(year, 1, 2),
         received_date=dt.date(year, 1, 3))
    _row(connection, "letter_recipients", letter_id=1, position_id=1, kind="to",
         letter_open=True)


def test_the_migration_continues_the_old_counters(app_config, tmp_path):
    """A region upgraded mid-year: agenda 41 and letter 7 were issued. The defaults made
    from region.toml continue at 42 and 8: no number issued twice, none skipped."""
    from flask_migrate import upgrade

    from eoffice import create_app
    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db

    drop = None
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server and sa.engine.make_url(server).get_backend_name() == "postgresql":
        url, drop = _server_database(sa.engine.make_url(server))
        uri = url.render_as_string(hide_password=False)
    else:
        uri = "sqlite:///" + str(tmp_path / "upgrade.db")
    app = create_app(app_config | {"SQLALCHEMY_DATABASE_URI": uri,
                                   "INSTANCE_PATH": str(tmp_path / "instance"),
                                   "AGENDA_PATTERN": "SM/{seq:04d}/{year}"})
    year = dt.date.today().year
    directory = str(REGION_ROOT / "migrations")
    try:
        with app.app_context():
            upgrade(directory=directory, revision="0011_jra")
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO counters (series, period, last_value) VALUES "
                    "('agenda', :y, 41), ('surat', :y, 7)"), {"y": str(year)})
                _old_letter(connection, year)
            upgrade(directory=directory, revision="heads")
            with db.engine.connect() as connection:
                # The letters table was rebuilt (SQLite batch mode): its recipients stay.
                assert connection.execute(sa.text(
                    "SELECT agenda_counter, agenda_opd_id FROM incoming_letters")).all() == [
                    ("agenda", 1)]
                assert connection.execute(sa.text(
                    "SELECT count(*) FROM letter_recipients")).scalar_one() == 1
            from eoffice import numbering
            from eoffice.series.models import NumberingSeries
            from eoffice.series.services import issue, series_for

            agenda = series_for("agenda", None)
            outgoing = series_for("outgoing:nota_dinas", None)
            assert (agenda.default_for, agenda.pattern) == ("agenda", "SM/{seq:04d}/{year}")
            assert outgoing.pattern == app.config["LETTER_PATTERN"]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(
                NumberingSeries)) == 2
            today = dt.date(year, 3, 1)
            assert issue(agenda, today, {}).number == f"SM/0042/{year}"
            assert issue(outgoing, today, {"code": "000.1", "unit": "DKF"}).seq == 8
            assert numbering.peek("agenda", str(year)) == 42
            db.session.rollback()
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        if drop is not None:
            drop()
