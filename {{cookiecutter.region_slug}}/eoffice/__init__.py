"""The e-office core: identical in every region, updated from upstream.

``create_app`` wires configuration, extensions, plugins (core features included),
blueprints and CLI commands in small ``register_*`` steps.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from eoffice.config import REGION_ROOT, build_config, resolve_database_uri
from eoffice.version import __version__

__all__ = ["create_app", "__version__"]


def create_app(config: dict | None = None) -> Flask:
    instance_path = os.environ.get("EOFFICE_INSTANCE_PATH", str(REGION_ROOT / "instance"))
    if config and "INSTANCE_PATH" in config:
        instance_path = str(config["INSTANCE_PATH"])
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    register_config(app, config)
    register_inputs(app)
    register_extensions(app)
    register_plugins(app)
    register_jobs(app)
    register_blueprints(app)
    register_templates(app)
    register_assets(app)
    register_cli(app)
    register_error_handlers(app)
    register_security_headers(app)
    return app


def register_config(app: Flask, config: dict | None) -> None:
    app.config.update(build_config(config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_uri(
        app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path
    )
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "files"))


def register_inputs(app: Flask) -> None:
    """Bounded ids in URLs and JSON of limited size and depth (eoffice/inputs.py).
    First, so the URL rules of every blueprint get the bounded ``int`` converter and a
    JSON body's limit is set before anything reads it."""
    from eoffice import inputs

    inputs.init_app(app)


def register_extensions(app: Flask) -> None:
    from eoffice import i18n, models  # noqa: F401 - every model registered on the metadata
    from eoffice.auth import sessions
    from eoffice.extensions import babel, bootstrap, compress, csrf, db, login_manager, migrate

    db.init_app(app)
    from eoffice.inputs import guard_database

    guard_database(app)
    migrate.init_app(app, db, directory=str(REGION_ROOT / "migrations"))
    from eoffice.maintenance.schema import normalise_version_locations

    if normalise_version_locations not in migrate.configure_callbacks:
        migrate.configure(normalise_version_locations)
    csrf.init_app(app)
    bootstrap.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=i18n.translation_directories())
    login_manager.init_app(app)
    sessions.init_login_manager(login_manager)
    register_write_transactions(app)  # before anything reads: see its docstring
    sessions.init_session_expiry(app)
    i18n.init_app(app)
    from eoffice import pagecache

    pagecache.init_app(app)


def register_write_transactions(app: Flask) -> None:
    """On SQLite, a request that may write (POST, PUT, PATCH, DELETE) starts its
    transaction with BEGIN IMMEDIATE, before it reads anything (the logged-in user
    included). Concurrent writers then wait their turn (busy timeout) instead of
    failing with "database is locked" when their earlier read went stale. GET requests
    stay fully concurrent; PostgreSQL needs none of this.

    The whole body is read first (form fields and files parsed, anything else kept for
    ``get_data``): one writer holds the database at a time, and a client that sends its
    body slowly must never be that writer. Views marked with ``numbering.locks_itself``
    (the exchange endpoint, the API) check the request first and let their services
    take the lock (``begin_write``) only when they write.
    """
    from flask import request

    from eoffice.db import is_sqlite
    from eoffice.numbering import begin_write, request_locks_itself

    @app.before_request
    def _write_transaction():
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.endpoint != "static":
            if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                request.form  # noqa: B018 - parsing reads the body to its end
            else:
                request.get_data(cache=True)
            if not request_locks_itself(app):
                begin_write()

    if is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        set_busy_timeout(app)


def set_busy_timeout(app: Flask) -> None:
    """SQLite: a write waits SQLITE_BUSY_TIMEOUT_SECONDS for another writer (then the user
    gets the "busy, try again" page: eoffice/errors.py)."""
    import sqlalchemy as sa

    from eoffice.extensions import db

    milliseconds = int(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000)

    def _busy_timeout(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
        cursor.close()

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":  # after eoffice.db's listener (15 s)
                sa.event.listen(engine, "connect", _busy_timeout)


def register_plugins(app: Flask) -> None:
    from eoffice.plugins.manager import init_plugins

    init_plugins(app)


def register_jobs(app: Flask) -> None:
    """The background job queue (eoffice/jobs.py): SQLite in instance/ by default."""
    from eoffice import jobs

    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    for blueprints in app.extensions["eoffice_plugins"].hook.eoffice_blueprints(app=app):
        for blueprint in blueprints:
            app.register_blueprint(blueprint)


def register_templates(app: Flask) -> None:
    """Local template overrides (local/templates) win over the core's templates."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

    from eoffice import ui

    core = FileSystemLoader(str(Path(__file__).parent / "templates"))
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(REGION_ROOT / "local" / "templates")),
        core,
        # "core/base.html" always names the core's own file, so a local override of
        # base.html can extend it and replace single blocks instead of copying the page.
        PrefixLoader({"core": core}),
    ])
    ui.init_app(app)


def register_assets(app: Flask) -> None:
    """Asset URLs carry a content hash and are cached for a year (see eoffice/assets.py)."""
    from eoffice import assets

    assets.init_app(app)


def register_cli(app: Flask) -> None:
    from eoffice.cli import build_cli

    app.cli.add_command(build_cli(app))


def register_error_handlers(app: Flask) -> None:
    from eoffice import errors

    errors.init_app(app)


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy, Cache-Control: no-store and the other security headers
    (eoffice/headers.py)."""
    from eoffice import headers

    headers.init_app(app)
