"""Benchmark databases of the tests' own: a SQLite file in a temporary folder, or a
fresh database on the PostgreSQL server of ``TEST_DATABASE_URL``.

The plugin's ``app`` fixture is not used here: the seeder writes and commits through
an app of its own on the benchmark's database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from ..maintenance.databases import admin, postgres_server_url


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory) -> Iterator[Callable[[str], str]]:
    """``bench_url(name)``: the URL of a new, empty database for a benchmark."""
    server = postgres_server_url()
    made: list[str] = []
    folder = tmp_path_factory.mktemp("bench")

    def _url(name: str) -> str:
        if server is None:
            return "sqlite:///" + str(folder / f"{name}.db")
        database = f"eoffice_bench_{name}_{secrets.token_hex(3)}"
        made.append(database)  # the seeder creates it
        return server.set(database=database).render_as_string(hide_password=False)

    yield _url
    for database in made:
        admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def bench_app_for():
    """``bench_app_for(url)``: an app on a benchmark database (engines disposed after)."""
    from eoffice.bench.target import bench_app
    from eoffice.extensions import db

    apps = []

    def _app(url: str):
        app = bench_app(url)
        apps.append(app)
        return app

    yield _app
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
