"""The region's own migrations: a branch ``local`` in ``local/migrations``.

Runs the commands of ``local/migrations/README`` (and docs/dev/local-migrations.md)
with the real ``flask`` CLI, in a copy of this region in a temporary folder (the
region's own folder is never written to).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from eoffice.config import REGION_ROOT
from eoffice.maintenance import integrity

from .databases import admin, postgres_server_url

KECAMATAN = '''"""Kecamatan of the region: a local table and its page."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.plugins.toolkit import LocalModel


class Kecamatan(LocalModel):
    __tablename__ = "local_kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    camat_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
'''
REGION_TOML = '''[region]
name = "Kabupaten Contoh"
slug = "kabupaten-contoh"
code = "33.99"

[locale]
default_locale = "en"  # the assertions read the source strings

[plugins]
enabled = ["kecamatan"]
'''


class Region:
    def __init__(self, root: Path):
        self.root = root
        self.database_url = "sqlite:///" + str(root / "instance" / "eoffice.db")

    def flask(self, *args: str, database_url: str | None = None, ok: bool = True,
              ) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("EOFFICE_", "FLASK_")) and key not in (
                   "DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL", "PYTHONPATH")}
        env.update(PYTHONPATH=str(self.root), PYTHONDONTWRITEBYTECODE="1",
                   EOFFICE_REGION_TOML=str(self.root / "region.toml"),
                   DATABASE_URL=database_url or self.database_url,
                   SECRET_KEY="local-migrations-test-secret-key-0123456789")
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
                                cwd=self.root, env=env, capture_output=True, text=True,
                                timeout=300, check=False)  # noqa: S603 - fixed args
        if ok:
            assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n" \
                                           f"{result.stderr}"
        return result

    def local_revisions(self) -> list[Path]:
        return sorted((self.root / "local" / "migrations").glob("*.py"))


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Region:
    root = tmp_path_factory.mktemp("region")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache")
    for folder in ("eoffice", "migrations"):
        shutil.copytree(REGION_ROOT / folder, root / folder, ignore=ignore)
    shutil.copy2(REGION_ROOT / "wsgi.py", root / "wsgi.py")
    (root / "local" / "plugins" / "kecamatan").mkdir(parents=True)
    (root / "local" / "__init__.py").write_text("", encoding="utf-8")
    (root / "local" / "plugins" / "__init__.py").write_text("", encoding="utf-8")
    (root / "local" / "plugins" / "kecamatan" / "__init__.py").write_text(KECAMATAN,
                                                                         encoding="utf-8")
    (root / "region.toml").write_text(REGION_TOML, encoding="utf-8")
    integrity.write_record(root)
    return Region(root)


def core_heads(region: Region) -> list[str]:
    names = (region.root / "migrations" / "versions").glob("*.py")
    revisions, parents = set(), set()
    for path in names:
        text = path.read_text(encoding="utf-8")
        revisions.add(re.search(r"^revision = '([^']+)'", text, re.M).group(1))
        parents.update(re.findall(r"'([^']+)'", re.search(r"^down_revision = (.*)$", text,
                                                          re.M).group(1)))
    return sorted(revisions - parents)


@pytest.fixture
def edited_core_model(region):
    """A core model changed without an upstream migration: not for the region to migrate."""
    models = region.root / "eoffice" / "org" / "models.py"
    text = models.read_text(encoding="utf-8")
    anchor = '    __tablename__ = "units"\n'
    models.write_text(text.replace(anchor, anchor + "    probe: Mapped[str | None] = "
                                   "mapped_column(sa.String(10))\n"), encoding="utf-8")
    yield models
    models.write_text(text, encoding="utf-8")


def test_local_branch(region, edited_core_model):
    region.flask("db", "upgrade", "heads")
    result = region.flask("db", "revision", "--autogenerate", "--head", "base",
                          "--branch-label", "local", "--version-path", "local/migrations",
                          "-m", "kecamatan table")
    left_out = re.search(r"Left out of this local revision \(changes to core tables\): (.*)",
                         result.stderr)
    assert left_out and "units" in left_out.group(1).split(", ")
    [first] = region.local_revisions()
    source = first.read_text(encoding="utf-8")
    assert "op.create_table('local_kecamatan'" in source
    assert "units" not in source and "probe" not in source
    assert "down_revision = None" in source and "branch_labels = ('local',)" in source
    heads = core_heads(region)
    assert f"depends_on = {heads[0]!r}" in source or f"depends_on = {tuple(heads)!r}" in source

    # Two heads now: a plain upgrade is ambiguous, "heads" takes both branches.
    assert "Multiple head revisions" in region.flask("db", "upgrade", ok=False).stderr
    region.flask("db", "upgrade", "heads")

    kecamatan = region.root / "local" / "plugins" / "kecamatan" / "__init__.py"
    kecamatan.write_text(kecamatan.read_text(encoding="utf-8")
                         + "    code: Mapped[str | None] = mapped_column(sa.String(8))\n",
                         encoding="utf-8")
    region.flask("db", "revision", "--autogenerate", "--head", "local@head",
                 "-m", "kecamatan code")
    second = next(p for p in region.local_revisions() if p != first)
    source = second.read_text(encoding="utf-8")
    assert "add_column(sa.Column('code'" in source and "units" not in source
    region.flask("db", "upgrade", "heads")

    # Upstream's own revisions (on the core branch) never take local tables.
    kecamatan.write_text(kecamatan.read_text(encoding="utf-8")
                         + "    note: Mapped[str | None] = mapped_column(sa.String(50))\n",
                         encoding="utf-8")
    result = region.flask("db", "revision", "--autogenerate", "--head", "core@head",
                          "-m", "core probe")
    assert "Left out of this core revision (changes to local tables): local_kecamatan" \
        in result.stderr
    [core_probe] = (region.root / "migrations" / "versions").glob("*core_probe.py")
    source = core_probe.read_text(encoding="utf-8")
    assert "'probe'" in source and "local_kecamatan" not in source
    core_probe.unlink()

    # The doctor sees the edited core model, and nothing else.
    result = region.flask("eoffice", "doctor", ok=False)
    assert result.returncode == 1
    assert "PROBLEM: 1 core files differ from upstream" in result.stdout
    assert "changed  eoffice/org/models.py" in result.stdout
    assert "OK: the database schema is up to date" in result.stdout
    assert "local.plugins.kecamatan" in result.stdout


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_new_database_builds_core_tables_before_local_ones(region, kind, tmp_path):
    """The local branch depends on the core revision it was made on."""
    if not region.local_revisions():
        pytest.skip("needs the revisions of test_local_branch")
    server = postgres_server_url()
    if kind == "sqlite":
        url = "sqlite:///" + str(tmp_path / "new.db")
    elif server is None:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://...")
    else:
        name = f"eoffice_local_{secrets.token_hex(4)}"
        admin(server, f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
    try:
        region.flask("db", "upgrade", "heads", database_url=url)
        engine = sa.create_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"local_kecamatan", "staff", "units"} <= tables
        assert region.flask("eoffice", "doctor", database_url=url).returncode == 0
    finally:
        if kind == "postgresql":
            admin(server, f'DROP DATABASE IF EXISTS "{name}"')
