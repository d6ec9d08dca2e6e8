"""The database the benchmark writes to: found, made, checked, never a real region's.

The benchmark seeds a database of its own, named with ``--database URL``. It is
marked as the benchmark's by a row of ``counters`` (series ``MARKER_SERIES``), which
the app never reads. The seeder refuses any database that holds users, units,
staff or letters without that mark, and refuses the app's own database outright.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from eoffice.config import resolve_database_uri

MARKER_SERIES = "eoffice-bench"
MARKER_PERIOD = "seeded"
# Tables whose rows mean "somebody's data lives here".
REAL_DATA_TABLES = ("users", "units", "positions", "staff", "incoming_letters",
                    "outgoing_letters")


class TargetError(click.ClickException):
    """The database named cannot be used by the benchmark; the message says why."""


def resolve_url(url: str, instance_path: str) -> str:
    """The URL as the app would use it: relative SQLite paths inside ``instance/``."""
    url = (url or "").strip()
    if not url:
        raise TargetError("Name the benchmark's database with --database URL.")
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise TargetError(f"--database {url!r} is not a database URL.") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise TargetError("The benchmark runs on SQLite or PostgreSQL "
                          "(postgresql+psycopg://...).")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise TargetError("A SQLite benchmark database must be a file (sqlite:///bench.db).")
    return resolve_database_uri(url, instance_path)


def same_database(first: str, second: str) -> bool:
    a, b = sa.engine.make_url(first), sa.engine.make_url(second)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return (a.host or "localhost", a.port or 5432, a.database) == \
        (b.host or "localhost", b.port or 5432, b.database)


def refuse_app_database(url: str, app_url: str) -> None:
    if same_database(url, app_url):
        raise TargetError("--database names this region's own database; the benchmark needs a "
                          "separate one (e.g. sqlite:///bench.db or .../eoffice_bench).")


def ensure_database(url: str) -> None:
    """Create the database when it does not exist yet (PostgreSQL: CREATE DATABASE on
    the same server; SQLite: the file's folder)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": parsed.database})
            if not exists:
                name = parsed.database.replace('"', '""')
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise TargetError(f"Cannot reach the PostgreSQL server of --database: "
                          f"{str(exc.orig).splitlines()[0]}") from exc
    finally:
        engine.dispose()


def state(connection) -> str:
    """``empty`` (no tables), ``schema`` (tables, no real data), ``bench`` (seeded by the
    benchmark) or ``real`` (somebody's data)."""
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    if not tables:
        return "empty"
    if "counters" in tables and connection.scalar(sa.text(
            "SELECT 1 FROM counters WHERE series = :s AND period = :p"),
            {"s": MARKER_SERIES, "p": MARKER_PERIOD}):
        return "bench"
    for table in REAL_DATA_TABLES:
        if table in tables and connection.scalar(
                sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)):
            return "real"
    return "schema"


def database_state(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return state(connection)
    except sa.exc.OperationalError as exc:
        if sa.engine.make_url(url).get_backend_name() == "postgresql":
            raise TargetError(f"Cannot open --database: {str(exc.orig).splitlines()[0]}") \
                from exc
        raise
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Remove everything from a database the benchmark seeded (checked by the caller)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(parsed.database + suffix)
            if path.exists():
                os.remove(path)
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def prepare(url: str) -> None:
    """Make ``url`` an empty database the seeder may fill, or raise TargetError."""
    ensure_database(url)
    found = database_state(url)
    if found == "real":
        raise TargetError("The database named by --database already holds users, units, staff "
                          "or letters that the benchmark did not seed; it refuses to touch it. "
                          "Name a new database.")
    if found == "bench":
        click.echo("The database was seeded by the benchmark before: emptying it.")
        wipe(url)
        ensure_database(url)


def require_bench(url: str) -> None:
    """The runner logs in as the benchmark's users: refuse any other database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database).exists():
        raise TargetError(f"{parsed.database} does not exist: run `flask eoffice bench seed` "
                          "first.")
    if database_state(url) != "bench":
        raise TargetError("The database named by --database was not seeded by the benchmark: "
                          "run `flask eoffice bench seed` first.")


def bench_app(url: str) -> Flask:
    """The app on the benchmark's database (the region's region.toml and plugins)."""
    from eoffice import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def mark(connection) -> None:
    """Mark the database as the benchmark's (before seeding, so a failed seed can be
    run again)."""
    from eoffice.numbering import Counter

    table = Counter.__table__
    exists = connection.scalar(sa.select(table.c.id).where(
        table.c.series == MARKER_SERIES, table.c.period == MARKER_PERIOD))
    if exists is None:
        connection.execute(table.insert().values(series=MARKER_SERIES, period=MARKER_PERIOD,
                                                 last_value=1))
