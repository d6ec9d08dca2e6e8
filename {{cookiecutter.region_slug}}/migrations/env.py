"""Alembic environment for the core (branch ``core``) and local migrations (``local``).

Run through Flask-Migrate: ``flask db upgrade heads`` (core and local branches).
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def is_local_revision(script):
    """Whether a new revision belongs to the region's branch (local/migrations)."""
    from eoffice.maintenance.schema import is_local_path

    if script.version_path and is_local_path(script.version_path):
        return True
    if script.head and script.head != "base":
        return any(rev is not None and is_local_path(rev.path)
                   for rev in context.script.get_revisions(script.head))
    return False


def keep_own_tables(script, local):
    """A local revision changes only ``local_`` tables; a core revision never does.

    Core tables change only through upstream's migrations, so a difference found
    there while writing a local revision is left out (and reported), and the same
    for local tables while upstream writes a core revision.
    """
    left_out = set()
    for ops in (script.upgrade_ops, script.downgrade_ops):
        kept = []
        for op in ops.ops:
            table = getattr(op, "table_name", None) or ""
            if table.startswith("local_") == local:
                kept.append(op)
            else:
                left_out.add(table or type(op).__name__)
        ops.ops = kept
    if left_out:
        logger.warning("Left out of this %s revision (changes to %s tables): %s",
                       "local" if local else "core", "core" if local else "local",
                       ", ".join(sorted(left_out)))


def process_revision_directives(migration_context, revision, directives):
    """Keep each branch to its own tables; do not write an empty migration.

    A new local branch depends on the core revisions the database is at, so that
    on a new database the core's tables exist before local tables refer to them.
    """
    if not getattr(config.cmd_opts, "autogenerate", False):
        return
    script = directives[0]
    local = is_local_revision(script)
    keep_own_tables(script, local)
    if script.upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")
        return
    if local and script.head == "base" and not script.depends_on:
        from eoffice.maintenance.schema import is_local_path

        core = [rev for rev in migration_context.get_current_heads()
                if not is_local_path(context.script.get_revision(rev).path)]
        script.depends_on = tuple(sorted(core)) or None


def run_migrations_offline():
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    from eoffice.maintenance.schema import include_object

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("include_object", include_object)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename); with foreign keys on,
            # the drop would cascade to the rows that refer to it. The pragma only works
            # outside a transaction, so it is sent on the raw connection before Alembic
            # begins one, and switched on again afterwards; the keys are then checked.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata,
                              **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            comparing = connection.in_transaction()  # revision --autogenerate, check
            if sqlite:
                if comparing:
                    connection.rollback()  # comparing only read (the pragma needs no transaction)
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        if getattr(config.cmd_opts, "autogenerate", False) or comparing:
            return  # comparing, not upgrading
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
            connection.rollback()  # the check only read
            if broken is not None:
                raise RuntimeError(f"foreign key broken after migrating: {tuple(broken)}")
        # Derived data (access grants, the search index) that an upgrade left empty is
        # built now, with the code the database has just been brought up to.
        from eoffice.maintenance.database import analyze
        from eoffice.maintenance.derived import build_missing

        with connection.begin():
            build_missing(connection, logger.info)
        if connection.dialect.name == "sqlite":
            analyze(connection)  # statistics for the planner (bounded; seconds)
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
