"""Where migrations live: the core's chain and the region's own branch.

``migrations/versions`` holds the core's revisions (branch label ``core``), upstream-owned.
``local/migrations`` holds the region's revisions (branch label ``local``), for ``local_``
tables only. Both are named in ``migrations/alembic.ini`` (``version_locations``); once a
local branch exists the database is upgraded with ``flask db upgrade heads``.
"""

from __future__ import annotations

import os
from pathlib import Path

from eoffice.config import REGION_ROOT

MIGRATIONS_DIR = REGION_ROOT / "migrations"
LOCAL_MIGRATIONS_DIR = REGION_ROOT / "local" / "migrations"


def normalise_version_locations(config):
    """Resolve ``..`` in the ini's version locations (a Flask-Migrate configure callback).

    Alembic compares ``--version-path local/migrations`` with each location as
    written, so ``migrations/../local/migrations`` must become ``local/migrations``.
    """
    locations = config.get_version_locations_list()
    if locations:
        resolved = [os.path.normpath(location) for location in locations]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations",
                               os.pathsep.join(resolved).replace("%", "%%"))
    return config


def alembic_config(directory: Path = MIGRATIONS_DIR):
    """The Alembic configuration of ``migrations/alembic.ini``, as ``flask db`` reads it."""
    from alembic.config import Config

    config = Config(str(directory / "alembic.ini"))
    config.set_main_option("script_location", str(directory).replace("%", "%%"))
    return normalise_version_locations(config)


def script_directory(directory: Path = MIGRATIONS_DIR):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(directory))


def is_local_path(path: str | os.PathLike) -> bool:
    """Whether a revision file (or a version path) belongs to the region's branch."""
    resolved = Path(path).resolve()
    local = LOCAL_MIGRATIONS_DIR.resolve()
    return resolved == local or local in resolved.parents


def database_revisions(connection) -> set[str]:
    """The revisions the database is at (empty: no schema yet)."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def applied_revisions(script, current: set[str]) -> set[str]:
    """Every revision the database has, given the heads it records.

    Alembic records only the heads: a local revision that depends on a core
    revision stands for that core revision and all below it too.
    """
    applied: set[str] = set()
    stack = list(current)
    while stack:
        revision = script.get_revision(stack.pop())
        if revision is None or revision.revision in applied:
            continue
        applied.add(revision.revision)
        for parents in (revision.down_revision, revision._resolved_dependencies):
            if parents:
                stack.extend([parents] if isinstance(parents, str) else parents)
    return applied


def pending_revisions(script, current: set[str]) -> list[str]:
    """Revisions not applied yet, in the order an upgrade runs them."""
    applied = applied_revisions(script, current)
    return [revision.revision for revision in reversed(list(script.walk_revisions()))
            if revision.revision not in applied]


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Schema comparisons (autogenerate, the migrations test) leave out what the
    migrations create beside the models: the search's FTS5 tables (SQLite) and GIN
    indexes (PostgreSQL), see ``eoffice.search.models``."""
    from eoffice.search.models import internal_names

    return not (reflected and name in internal_names())
