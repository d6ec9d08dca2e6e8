"""The update path: a region made with `cruft create` takes upstream changes with `cruft update`.

The region keeps what is its own (``.env``, ``region.toml``, ``local/``) while a
change to the core arrives; the post hook runs again during the update without
touching anything.

``test_region_from_the_first_release_updates_to_this_template`` takes the long
road: a region baked from the first commit whose app ran (pinned below) with
real local work and data, updated to the current template and then once more to
a later upstream commit, checked each time with the commands docs/it/updating.md
tells an IT team to run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import (
    ROOT,
    TEMPLATE_DIR,
    TEMPLATE_PARTS,
    bake_ok,
    make_template_snapshot,
    read_text_or_none,
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(args: list[str], cwd: Path, home: Path) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def commit_all(repo: Path, home: Path, message: str) -> None:
    run(["git", "add", "-A"], repo, home)
    run(["git", "commit", "-q", "--no-gpg-sign", "-m", message], repo, home)


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A throwaway git repository holding the template as git would commit it now."""
    repo = make_template_snapshot(tmp_path / "template")
    run(["git", "init", "-q"], repo, tmp_path)
    commit_all(repo, tmp_path, "template")
    return repo


def test_cruft_create_then_update_keeps_what_the_region_owns(template_repo: Path, tmp_path: Path):
    home = tmp_path
    cruft = [sys.executable, "-m", "cruft"]
    out = tmp_path / "regions"
    run([*cruft, "create", "--no-input", "--output-dir", str(out),
         "--extra-context", '{"region_name": "Kota Bau-Bau", "region_type": "kota", '
         '"region_code": "74.72", "timezone": "WITA", "database": "postgresql"}',
         str(template_repo)], tmp_path, home)
    region = out / "kota-bau-bau"
    assert (region / ".cruft.json").is_file()
    assert (region / ".env").is_file()

    run(["git", "init", "-q"], region, home)
    local_file = region / "local" / "kota_bau_bau_note.txt"
    local_file.parent.mkdir(exist_ok=True)
    local_file.write_text("milik daerah\n", encoding="utf-8")
    region_toml = region / "region.toml"
    region_toml.write_text(region_toml.read_text(encoding="utf-8") + "# edited by the region\n",
                           encoding="utf-8")
    commit_all(region, home, "region")
    env_before = (region / ".env").read_bytes()
    toml_before = region_toml.read_bytes()

    core = template_repo / "{{cookiecutter.region_slug}}"
    (core / "eoffice" / "UPSTREAM_CHANGE.txt").write_text("from upstream\n", encoding="utf-8")
    (core / "region.toml").write_text(
        (core / "region.toml").read_text(encoding="utf-8") + "# changed upstream\n",
        encoding="utf-8",
    )
    commit_all(template_repo, home, "upstream change")

    run([*cruft, "update", "--skip-apply-ask", "--allow-untracked-files"], region, home)

    assert (region / "eoffice" / "UPSTREAM_CHANGE.txt").read_text(encoding="utf-8") == (
        "from upstream\n"
    )
    assert (region / ".env").read_bytes() == env_before
    assert region_toml.read_bytes() == toml_before
    assert local_file.read_text(encoding="utf-8") == "milik daerah\n"
    run([*cruft, "check"], region, home)


@pytest.mark.parametrize(("extra_context", "line_start"), [
    ('{"region_type": "desa"}', 'ERROR: region_type "desa" tidak valid: '),
    ('{"database": "mysql"}', 'ERROR: database "mysql" tidak valid: '),
    ('{"region_name": ""}', 'ERROR: region_name "" tidak valid: '),
    ('{"region_code": "7472", "region_type": "kota"}', 'ERROR: region_code "7472" tidak valid: '),
])
def test_cruft_create_refuses_a_bad_answer_in_one_line(template_repo: Path, tmp_path: Path,
                                                       extra_context: str, line_start: str):
    """cruft showed a failing hook as a 100-line traceback panel."""
    out = tmp_path / "regions"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "cruft", "create", "--no-input", "--output-dir", str(out),
         "--extra-context", extra_context, str(template_repo)],
        cwd=tmp_path, env={**os.environ, **GIT_ENV, "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(line_start)
    assert list(out.iterdir()) == []


# --- the record of the core's files (.eoffice-core.json) -------------------------------------


def load_integrity(project: Path):
    """The baked core's own eoffice/maintenance/integrity.py (standard library only)."""
    spec = importlib.util.spec_from_file_location(
        "baked_integrity", project / "eoffice" / "maintenance" / "integrity.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_generation_records_the_core(cookies):
    project = bake_ok(cookies, {})
    integrity = load_integrity(project)
    text = (project / ".eoffice-core.json").read_text(encoding="utf-8")
    assert text == integrity.render_record(integrity.build_record(project))
    record = json.loads(text)
    core = sorted(path.relative_to(project).as_posix() for folder in ("eoffice", "migrations")
                  for path in (project / folder).rglob("*") if path.is_file())
    assert sorted(record["files"]) == core
    assert record["version"] == integrity.read_version(project) != "unknown"
    assert str(project) not in text and "\t" not in text


def test_post_hook_records_only_where_there_is_a_core(post_hook, tmp_path):
    assert post_hook.record_core_files(tmp_path) is False
    assert not (tmp_path / ".eoffice-core.json").exists()
    core = TEMPLATE_DIR / "eoffice"
    (tmp_path / "eoffice" / "maintenance").mkdir(parents=True)
    for name in ("version.py", "maintenance/integrity.py"):
        shutil.copy2(core / name, tmp_path / "eoffice" / name)
    assert post_hook.record_core_files(tmp_path) is True
    first = (tmp_path / ".eoffice-core.json").read_bytes()
    assert post_hook.record_core_files(tmp_path) is True
    assert (tmp_path / ".eoffice-core.json").read_bytes() == first
    assert set(json.loads(first)["files"]) == {"eoffice/version.py",
                                                "eoffice/maintenance/integrity.py"}


# --- from the first release to this template, with local work and data -----------------------

# The first commit whose app ran ("Template skeleton and core app ..."): baked with
# cruft, its `flask db upgrade` and `flask eoffice demo` work.
FIRST_RELEASE = "a62cc0e27c629c3c0b7124b16e1f5193136b2916"
REGION_ANSWERS = {"region_name": "Kota Bau-Bau", "region_type": "kota", "region_code": "74.72",
                  "timezone": "WITA"}
SLUG = "kota-bau-bau"
# Owned by the region (the template's [tool.cruft] skip list) or made at run time.
REGION_OWNED = ("local", "instance", "region.toml", ".env", ".cruft.json", ".git")
DEMO_LOGIN = {"username": "admin", "password": "demo-eoffice1"}

KECAMATAN_PLUGIN = '''"""Kecamatan of Kota Bau-Bau: the region's own page (later its own table)."""

from eoffice.plugins.toolkit import (
    Blueprint,
    NavItem,
    hookimpl,
    permission_required,
    render_template,
    staff_counts_by_unit,
)

bp = Blueprint("kecamatan", __name__, url_prefix="/lokal/kecamatan",
               template_folder="templates")


def kecamatan_names():
    return []


@bp.route("/")
@permission_required("local.kecamatan.view")
def index():
    return render_template("kecamatan/index.html", names=kecamatan_names(),
                           units=len(staff_counts_by_unit()))


@hookimpl
def eoffice_blueprints(app):
    return [bp]


@hookimpl
def eoffice_nav_items(user):
    return [NavItem("Kecamatan", "kecamatan.index", "geo-alt", "local.kecamatan.view", 110)]


@hookimpl
def eoffice_permissions():
    return {"admin": {"local.kecamatan.view"}}
'''
KECAMATAN_PAGE = '''{% extends "base.html" %}
{% block title %}Kecamatan{% endblock %}
{% block content %}
<h1 class="h4">Kecamatan di Kota Bau-Bau</h1>
<p id="units">{{ units }} unit kerja</p>
<ul id="kecamatan">{% for name in names %}<li>{{ name }}</li>{% endfor %}</ul>
{% endblock %}
'''
KECAMATAN_MODEL = '''

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Mapped, mapped_column  # noqa: E402

from eoffice.plugins.toolkit import LocalModel, db  # noqa: E402

KECAMATAN = ["Betoambari", "Murhum", "Wolio", "Kokalukuna", "Sorawolio", "Bungi", "Lea-Lea",
             "Batupoaro"]


class Kecamatan(LocalModel):
    __tablename__ = "local_kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    camat_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))


def kecamatan_names():  # noqa: F811 - the page lists the table now
    return list(db.session.scalars(sa.select(Kecamatan.name).order_by(Kecamatan.name)))


@hookimpl
def eoffice_demo_data(app, faker):
    for name in KECAMATAN:
        if db.session.scalar(sa.select(Kecamatan).where(Kecamatan.name == name)) is None:
            db.session.add(Kecamatan(name=name))
    db.session.commit()
'''
# A block override: the region's footer line, on every page, without copying base.html.
BASE_OVERRIDE = '''{% extends "core/base.html" %}
{% block footer_extra %}<span id="local-footer">Layanan Diskominfo Kota Bau-Bau</span>{% endblock %}
'''
PAGE_CHECK = '''"""Log in as the demo admin and print each page's status and text."""
import json
import sys

from eoffice import create_app

client = create_app({"WTF_CSRF_ENABLED": False}).test_client()
login = client.post("/masuk", data=json.loads(sys.argv[1]), buffered=True)
assert login.status_code == 302, login.status_code
pages = {}
for path in sys.argv[2:]:
    response = client.get(path, buffered=True)
    pages[path] = [response.status_code, response.get_data(as_text=True)]
print(json.dumps(pages))
'''
# Tables of the first release whose rows must come through every update unchanged.
FIRST_RELEASE_TABLES = ("units", "positions", "staff", "users", "user_roles", "golongan",
                        "audit_events")


class Region:
    """A generated region and the commands its IT team runs there."""

    def __init__(self, root: Path, home: Path, tools: Path):
        self.root, self.home, self.tools = root, home, tools
        (tools / "pages.py").write_text(PAGE_CHECK, encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("EOFFICE_", "FLASK_", "PYTEST_"))
               and key not in ("DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL")}
        env.update(GIT_ENV, HOME=str(self.home), PYTHONPATH=str(self.root),
                   PYTHONDONTWRITEBYTECODE="1")
        return env

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(list(args), cwd=self.root, env=self.env(), capture_output=True,
                                text=True, timeout=300, check=False)
        if ok:
            assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def flask(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "flask", *args, ok=ok)

    def cruft(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "cruft", *args)

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--no-gpg-sign", "-m", message)

    def pages(self, *paths: str) -> dict[str, tuple[int, str]]:
        result = self.run(sys.executable, str(self.tools / "pages.py"), json.dumps(DEMO_LOGIN),
                          *paths)
        return {path: tuple(value) for path, value in json.loads(result.stdout).items()}

    def rows(self, table: str, columns: list[str] | None = None) -> list[tuple]:
        with closing(sqlite3.connect(self.root / "instance" / "eoffice.db")) as connection:
            names = columns or [row[1] for row in connection.execute(
                f'PRAGMA table_info("{table}")')]
            quoted = ", ".join(f'"{name}"' for name in names)
            query = f'SELECT {quoted} FROM "{table}" ORDER BY 1'  # noqa: S608 - our own names
            return connection.execute(query).fetchall()

    def columns(self, table: str) -> list[str]:
        with closing(sqlite3.connect(self.root / "instance" / "eoffice.db")) as connection:
            return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]

    def data(self, tables) -> dict[str, list[tuple]]:
        return {table: self.rows(table) for table in tables}


def upstream_files(root: Path) -> dict[str, bytes]:
    """What the template owns in a region: every file but the region's own."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and path.relative_to(root).parts[0] not in REGION_OWNED
            and "__pycache__" not in path.parts}


def leftovers_of_a_bad_merge(root: Path) -> list[str]:
    """Conflict markers and .rej files: cruft exits 0 even when it leaves them."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0] in (".git", "instance"):
            continue
        if path.suffix in (".rej", ".orig"):
            found.append(f"{relative}: left by a failed patch")
            continue
        text = read_text_or_none(path)
        if text is None:
            continue
        for marker in ("<<<<<<<", ">>>>>>>"):
            if any(line.startswith(marker) for line in text.splitlines()):
                found.append(f"{relative}: conflict marker {marker}")
    return found


def fresh_bake(upstream: Path, commit: str, out: Path, home: Path) -> Path:
    run([sys.executable, "-m", "cruft", "create", "--no-input", "--checkout", commit,
         "--output-dir", str(out), "--extra-context", json.dumps(REGION_ANSWERS), str(upstream)],
        out.parent, home)
    return out / SLUG


def core_head(root: Path) -> str:
    """The newest revision of the core's chain (migrations/versions)."""
    revisions, parents = set(), set()
    for path in (root / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revisions.add(re.search(r"^revision = '([^']+)'", text, re.M).group(1))
        down = re.search(r"^down_revision = (.*)$", text, re.M).group(1)
        parents.update(re.findall(r"'([^']+)'", down))
    [head] = revisions - parents
    return head


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> tuple[Path, str]:
    """A clone of this repository whose newest commit is the template as it is now
    (its HEAD plus any uncommitted work, as the other tests see it): (path, commit)."""
    home = tmp_path_factory.mktemp("home")
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if inside.stdout.strip() != "true":
        pytest.skip("the template is not a git repository")
    clone = tmp_path_factory.mktemp("upstream") / "template"
    run(["git", "clone", "-q", "--no-local", str(ROOT), str(clone)], clone.parent, home)
    known = subprocess.run(["git", "cat-file", "-e", f"{FIRST_RELEASE}^{{commit}}"], cwd=clone,
                           capture_output=True, check=False)
    assert known.returncode == 0, (
        f"commit {FIRST_RELEASE} (the first release) is not in this clone: fetch the whole "
        "history (git fetch --unshallow; in CI: fetch-depth: 0)")
    for part in TEMPLATE_PARTS:
        target = clone / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    make_template_snapshot(clone)
    run(["git", "add", "-A", "--", *TEMPLATE_PARTS], clone, home)
    staged = subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=clone, check=False)
    if staged.returncode:
        commit_all(clone, home, "the working tree of the template")
    return clone, run(["git", "rev-parse", "HEAD"], clone, home).strip()


@pytest.mark.slow
def test_region_from_the_first_release_updates_to_this_template(upstream, tmp_path):
    template, current = upstream
    home = tmp_path / "home"
    home.mkdir()
    tools = tmp_path / "tools"
    tools.mkdir()

    # 1. The region as generated by the first release, with cruft.
    run([sys.executable, "-m", "cruft", "create", "--no-input", "--checkout", FIRST_RELEASE,
         "--output-dir", str(tmp_path / "regions"), "--extra-context",
         json.dumps(REGION_ANSWERS), str(template)], tmp_path, home)
    region = Region(tmp_path / "regions" / SLUG, home, tools)
    assert json.loads((region.root / ".cruft.json").read_text())["commit"] == FIRST_RELEASE
    region.flask("db", "upgrade")
    region.flask("eoffice", "demo")

    # 2. Local work at the first release: its own plugin and page, an edited region.toml.
    region.run("git", "init", "-q")
    region.commit("Kota Bau-Bau as generated")
    plugin = region.root / "local" / "plugins" / "kecamatan"
    (plugin / "templates" / "kecamatan").mkdir(parents=True)
    (plugin / "__init__.py").write_text(KECAMATAN_PLUGIN, encoding="utf-8")
    (plugin / "templates" / "kecamatan" / "index.html").write_text(KECAMATAN_PAGE,
                                                                  encoding="utf-8")
    toml = region.root / "region.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in (('enabled = ["example"]', 'enabled = ["example", "kecamatan"]'),
                     ('agency_name = "Pemerintah Kota Bau-Bau"',
                      'agency_name = "Pemerintah Kota Bau-Bau (Diskominfo)"')):
        assert old in text, old
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    page = region.pages("/lokal/kecamatan/")["/lokal/kecamatan/"]
    assert page[0] == 200 and "Kecamatan di Kota Bau-Bau" in page[1]
    region.commit("Kecamatan page; agency name")
    kept = {name: (region.root / name).read_bytes() for name in (
        "region.toml", ".env", "local/plugins/kecamatan/__init__.py")}
    staff_columns, audit_columns = region.columns("staff"), region.columns("audit_events")
    before = region.data(FIRST_RELEASE_TABLES) | {
        "staff": region.rows("staff", staff_columns),
        "audit_events": region.rows("audit_events", audit_columns)}
    assert len(before["staff"]) >= 60 and len(before["users"]) == 4

    # 3. Update to the template as it is now.
    checked = update_and_check(region, template, current, tmp_path / "fresh-1")
    assert checked["core_files"] > 100
    for name, content in kept.items():
        assert (region.root / name).read_bytes() == content, f"{name} changed by the update"
    # The audit log keeps its events as they were (their hashes too) and gains one seal
    # over them (migration 0009_audit); the chain still verifies.
    events = region.rows("audit_events", audit_columns)
    assert region.data(FIRST_RELEASE_TABLES) | {
        "staff": region.rows("staff", staff_columns),
        "audit_events": events[:len(before["audit_events"])]} == before, \
        "data of the first release changed"
    assert [row[audit_columns.index("action")] for row in events[len(before["audit_events"]):]] \
        == ["audit.sealed"]
    region.flask("eoffice", "audit", "verify")  # exit 0: the chain is intact
    page = region.pages("/lokal/kecamatan/")["/lokal/kecamatan/"]
    assert page[0] == 200 and "Kecamatan di Kota Bau-Bau" in page[1]
    assert "Pemerintah Kota Bau-Bau (Diskominfo)" in page[1]  # region.toml still read

    # 4. Local work the new core allows (the first release had no local migration branch,
    #    no core/ template names and no letters): a local_ table with its own migration
    #    branch, a block override of base.html, letters. Step 5 carries them through an update.
    with (plugin / "__init__.py").open("a", encoding="utf-8") as handle:
        handle.write(KECAMATAN_MODEL)
    region.flask("db", "revision", "--autogenerate", "--head", "base", "--branch-label",
                 "local", "--version-path", "local/migrations", "-m", "kecamatan table")
    [local_revision] = (region.root / "local" / "migrations").glob("*.py")
    assert "local_kecamatan" in local_revision.read_text(encoding="utf-8")
    region.flask("db", "upgrade", "heads")
    (region.root / "local" / "templates" / "base.html").write_text(BASE_OVERRIDE,
                                                                    encoding="utf-8")
    region.flask("eoffice", "demo")
    assert len(region.rows("incoming_letters")) > 0
    assert len(region.rows("local_kecamatan")) == 8
    pages = region.pages("/lokal/kecamatan/", "/tentang")
    assert "Betoambari" in pages["/lokal/kecamatan/"][1]
    for status, html in pages.values():
        assert status == 200 and 'id="local-footer"' in html
    assert region.flask("eoffice", "doctor").returncode == 0
    region.commit("Kecamatan table; footer; letters")
    later_tables = [*FIRST_RELEASE_TABLES, "incoming_letters", "letter_recipients",
                    "local_kecamatan"]
    before = region.data(later_tables)

    # 5. One more upstream release: a core migration and a change to base.html, the page
    #    the region overrides. The region's branch, table, override and data come through.
    next_release = next_upstream_release(template, home)
    update_and_check(region, template, next_release, tmp_path / "fresh-2")
    assert region.data(later_tables) == before, "data changed by the second update"
    assert region.rows("update_probe") == []  # the new core migration ran
    pages = region.pages("/lokal/kecamatan/", "/")
    for status, html in pages.values():
        assert status == 200
        assert 'id="local-footer"' in html and "<!-- upstream: next release -->" in html
    assert "Betoambari" in pages["/lokal/kecamatan/"][1]


PROBE_MIGRATION = '''"""update probe: a core migration of the next release

Revision ID: 9999_update_probe
Revises: {head}
"""
from alembic import op
import sqlalchemy as sa

revision = '9999_update_probe'
down_revision = '{head}'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('update_probe', sa.Column('id', sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table('update_probe')
'''


def next_upstream_release(template: Path, home: Path) -> str:
    """Commit a later release to the upstream clone: a core migration, a base.html change."""
    core = template / "{{cookiecutter.region_slug}}"
    (core / "migrations" / "versions" / "9999_update_probe.py").write_text(
        PROBE_MIGRATION.format(head=core_head(core)), encoding="utf-8")
    base = core / "eoffice" / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    assert "</footer>" in text
    base.write_text(text.replace("</footer>", "<!-- upstream: next release -->\n</footer>", 1),
                    encoding="utf-8")
    commit_all(template, home, "next release")
    return run(["git", "rev-parse", "HEAD"], template, home).strip()


def update_and_check(region: Region, template: Path, commit: str, fresh_dir: Path) -> dict:
    """`cruft update` to ``commit``, then what docs/it/updating.md says to check."""
    region.cruft("update", "--skip-apply-ask", "--checkout", commit)
    assert json.loads((region.root / ".cruft.json").read_text())["commit"] == commit
    assert leftovers_of_a_bad_merge(region.root) == []
    # ... and the same with the commands of docs/it/updating.md
    grep = region.run("grep", "-rIln", "--exclude-dir=.git", "--exclude-dir=instance",
                      "-e", "^<<<<<<<", "-e", "^>>>>>>>", ".", ok=False)
    assert grep.returncode == 1 and grep.stdout == "", grep.stdout
    assert region.run("find", ".", "-name", "*.rej", "-not", "-path", "./.git/*").stdout == ""
    region.cruft("check")
    fresh = fresh_bake(template, commit, fresh_dir, region.home)
    mine, theirs = upstream_files(region.root), upstream_files(fresh)
    assert sorted(mine) == sorted(theirs), "files differ from a fresh bake"
    assert [name for name in mine if mine[name] != theirs[name]] == [], \
        "contents differ from a fresh bake"
    region.flask("db", "upgrade", "heads")
    region.flask("eoffice", "doctor")  # exit 0: no drift, no pending migration
    region.commit(f"cruft update to {commit[:10]}")
    return {"core_files": sum(1 for name in mine if name.startswith("eoffice/"))}
