"""Apps with databases of their own, for backups and restores that really commit.

The plugin's ``app`` fixture runs each test in a rolled-back transaction; a
restore must commit (and must roll back on its own), so these tests build
separate apps: a SQLite file in a temporary folder, or a fresh database on the
PostgreSQL server named by ``TEST_DATABASE_URL``, each built by the real
migrations.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .databases import admin as _admin
from .databases import postgres_server_url


@dataclass
class Site:
    """An app with its own database and instance folder."""

    app: object
    kind: str
    url: str
    instance: Path

    def context(self):
        return self.app.app_context()


class SiteFactory:
    """Makes sites in ``folder``; ``close()`` disposes of their engines and databases."""

    def __init__(self, app_config: dict, folder: Path):
        self.app_config = app_config
        self.folder = folder
        self.server = postgres_server_url()
        self.made: list[Site] = []
        self.databases: list[str] = []

    def __call__(self, kind: str = "sqlite", migrate: bool = True,
                 revision: str = "heads") -> Site:
        from flask_migrate import upgrade

        from eoffice import create_app
        from eoffice.config import REGION_ROOT
        from eoffice.extensions import db

        instance = self.folder / f"instance-{len(self.made)}"
        if kind == "sqlite":
            url = "sqlite:///" + str(instance / "eoffice.db")
        else:
            if self.server is None:
                pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://...")
            name = f"eoffice_maint_{secrets.token_hex(4)}"
            _admin(self.server, f'CREATE DATABASE "{name}"')
            self.databases.append(name)
            url = self.server.set(database=name).render_as_string(hide_password=False)
        app = create_app(self.app_config | {"SQLALCHEMY_DATABASE_URI": url,
                                            "INSTANCE_PATH": str(instance)})
        if migrate:
            with app.app_context():
                upgrade(directory=str(REGION_ROOT / "migrations"), revision=revision)
                db.session.remove()
        site = Site(app, kind, url, instance)
        self.made.append(site)
        return site

    def close(self) -> None:
        from eoffice.extensions import db

        for site in self.made:
            with site.app.app_context():
                db.session.remove()
                db.engine.dispose()
        for name in self.databases:
            _admin(self.server, f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def make_site(app_config, tmp_path) -> Callable[..., Site]:
    """``make_site("sqlite" | "postgresql", migrate=True)``: a new app on an empty database."""
    factory = SiteFactory(app_config, tmp_path)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def make_module_site(app_config, tmp_path_factory) -> Callable[..., Site]:
    """The same, for sites shared by the tests of a module (never change their data)."""
    factory = SiteFactory(app_config, tmp_path_factory.mktemp("sites"))
    yield factory
    factory.close()
