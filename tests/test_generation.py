"""Bake explicit answer sets and check what a region receives."""

from __future__ import annotations

import os
import re
import runpy
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import (
    ANSWER_SETS,
    COOKIECUTTER_JSON,
    COPY_WITHOUT_RENDER,
    bake_ok,
    expected_timezone,
    iter_files,
    read_text_or_none,
    run_cookiecutter_cli,
)
from cookiecutter.hooks import run_hook_from_repo_dir
from cookiecutter.main import cookiecutter

BAKED_SUITE_TIMEOUT = 45 * 60
TEMPLATE_LOCK = "{{cookiecutter.region_slug}}/requirements.lock"
CHOICE_DEFAULTS = {
    key: value[0] for key, value in COOKIECUTTER_JSON.items() if isinstance(value, list)
}
PLACEHOLDER_RE = re.compile(r"\{\{-?\s*cookiecutter|\{%-?[^%]*cookiecutter")
JINJA_RE = re.compile(r"\{\{|\{%|\{#")
RUNTIME_LEFTOVERS = {"__pycache__", ".pytest_cache", ".ruff_cache", "instance", ".venv",
                     ".hypothesis", "test-results"}


def answer(answers: dict[str, str], key: str) -> str:
    return answers.get(key, CHOICE_DEFAULTS.get(key, COOKIECUTTER_JSON.get(key)))


@pytest.fixture(scope="module", params=list(ANSWER_SETS), ids=list(ANSWER_SETS))
def baked(request, cookies_session):
    """(answers, context, project folder) of one supported answer set, baked once per module."""
    answers = ANSWER_SETS[request.param]
    result = cookies_session.bake(extra_context=answers)
    assert result.exit_code == 0, f"bake failed: {result.exception!r}"
    return answers, dict(result.context), result.project_path


def in_copied_core(project: Path, path: Path) -> bool:
    return path.relative_to(project).parts[0] in COPY_WITHOUT_RENDER


# --- supported answer sets --------------------------------------------------------------------


def test_bake_succeeds_with_slug_folder(baked):
    answers, context, project = baked
    assert project.name == context["region_slug"]
    for name in ("region.toml", "pyproject.toml", ".env.example", "wsgi.py", "eoffice"):
        assert (project / name).exists(), name


def test_region_receives_the_lock_as_is(baked):
    _, _, project = baked
    template_lock = Path(__file__).resolve().parent.parent / TEMPLATE_LOCK
    assert (project / "requirements.lock").read_bytes() == template_lock.read_bytes()


def test_no_cookiecutter_placeholder_left(baked):
    _, _, project = baked
    offenders = []
    for path in iter_files(project):
        text = read_text_or_none(path)
        if text is None:
            continue
        relative = path.relative_to(project)
        if PLACEHOLDER_RE.search(text):
            offenders.append(f"{relative}: cookiecutter placeholder")
        # Rendered files must hold no Jinja at all; copied folders (eoffice/, local/, ...)
        # legitimately hold Flask's own Jinja templates.
        elif not in_copied_core(project, path) and JINJA_RE.search(text):
            offenders.append(f"{relative}: Jinja syntax left")
    assert offenders == []


def test_no_runtime_leftovers_copied_from_the_template(baked):
    _, _, project = baked
    leftovers = [
        str(path.relative_to(project)) for path in project.rglob("*")
        if path.name in RUNTIME_LEFTOVERS or path.suffix in {".pyc", ".db", ".sqlite"}
    ]
    assert leftovers == [], (
        "the template folder holds run-time files that every region would receive; "
        "remove them (git clean -ndX shows them)"
    )


def test_region_toml_holds_the_answers(baked):
    answers, context, project = baked
    data = tomllib.loads((project / "region.toml").read_text(encoding="utf-8"))
    region = data["region"]
    assert region["name"] == context["region_name"]
    assert region["type"] == answer(answers, "region_type")
    assert region["slug"] == context["region_slug"]
    assert region["code"] == answer(answers, "region_code")
    for key in ("agency_name", "address", "phone", "email", "website", "admin_email"):
        assert region[key] == context[key], key
    assert data["locale"]["timezone"] == expected_timezone(answers)
    assert data["locale"]["default_locale"] == answer(answers, "default_locale")
    url = data["database"]["url"]
    if answer(answers, "database") == "postgresql":
        assert url.startswith("postgresql+psycopg://")
    else:
        assert url.startswith("sqlite:///")


def test_region_gets_its_own_readme(baked):
    """A region's folder explains itself: first steps, what is the region's to change,
    how to update, where the docs are."""
    _answers, context, project = baked
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# E-office {context['region_name']}\n")
    for part in ("flask eoffice create-admin", "local/plugins/", "cruft update",
                 "flask db upgrade heads", "docs/it/"):
        assert part in readme, part


def test_generated_pyproject_parses(baked):
    _, context, project = baked
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["name"] == f"eoffice-{context['region_slug']}"
    assert context["agency_name"] in data["project"]["description"]


def test_env_has_a_secret_key(baked):
    answers, _, project = baked
    env_path = project / ".env"
    lines = env_path.read_text(encoding="utf-8").splitlines()
    secrets = [line.split("=", 1)[1] for line in lines if line.startswith("SECRET_KEY=")]
    assert len(secrets) == 1 and len(secrets[0]) >= 50 and secrets[0] != "change-me"
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    database_lines = [line for line in lines if line.startswith("DATABASE_URL=")]
    if answer(answers, "database") == "postgresql":
        example = (project / ".env.example").read_text(encoding="utf-8").splitlines()
        assert database_lines and database_lines[0] in example
    else:
        assert database_lines == []


def test_rerunning_the_post_hook_changes_nothing(template, baked):
    _, context, project = baked
    before = {p: p.read_bytes() for p in iter_files(project)}
    run_hook_from_repo_dir(str(template), "post_gen_project", str(project),
                           {"cookiecutter": context}, delete_project_on_failure=False)
    assert {p: p.read_bytes() for p in iter_files(project)} == before


def test_deploy_files(baked):
    _, context, project = baked
    slug = context["region_slug"]
    deploy = project / "deploy"
    settings = runpy.run_path(str(deploy / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] >= 2
    unit = (deploy / "eoffice.service").read_text(encoding="utf-8")
    assert f"WorkingDirectory=/srv/{slug}\n" in unit
    assert f"EnvironmentFile=/srv/{slug}/.env\n" in unit
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in unit
    assert ("postgresql.service" in unit) is (context["database"] == "postgresql")
    nginx = (deploy / "nginx.conf").read_text(encoding="utf-8")
    assert "client_max_body_size 105m;" in nginx
    assert f"alias /srv/{slug}/eoffice/static/;" in nginx
    assert "proxy_pass http://eoffice_" in nginx and "server 127.0.0.1:8000" in nginx
    for path in deploy.iterdir():
        text = path.read_text(encoding="utf-8")
        # No asset or service from another host (offices run on poor intranet links).
        assert not re.search(r"https?://(?!127\.0\.0\.1|eoffice_)", text), path.name


def test_ruff_passes_on_the_baked_output(baked):
    _, _, project = baked
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         str(project)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- across regions ---------------------------------------------------------------------------


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in iter_files(root)}


def test_core_is_byte_identical_across_regions(cookies):
    first = bake_ok(cookies, {})
    second = bake_ok(cookies, ANSWER_SETS["kota-bau-bau"])
    assert (first / "eoffice").is_dir()
    for folder in COPY_WITHOUT_RENDER:
        if not (first / folder).exists() and not (second / folder).exists():
            continue
        one, two = tree_bytes(first / folder), tree_bytes(second / folder)
        assert sorted(one) == sorted(two), f"{folder}/: different file lists"
        differing = [name for name in one if one[name] != two[name]]
        assert differing == [], f"{folder}/: files differ between regions"


def test_two_regions_get_different_secrets(cookies):
    first = bake_ok(cookies, {})
    second = bake_ok(cookies, {})
    assert (first / ".env").read_bytes() != (second / ".env").read_bytes()


def test_regenerating_over_a_region_keeps_its_env(template, cookies, cookiecutter_config):
    project = bake_ok(cookies, ANSWER_SETS["kota-bau-bau"])
    env_before = (project / ".env").read_bytes()
    again = cookiecutter(
        str(template), no_input=True, extra_context=ANSWER_SETS["kota-bau-bau"],
        output_dir=str(project.parent), overwrite_if_exists=True,
        config_file=str(cookiecutter_config),
    )
    assert Path(again) == project
    assert (project / ".env").read_bytes() == env_before


def test_cli_prints_the_next_steps(template, tmp_path, cookiecutter_config):
    result = run_cookiecutter_cli(template, tmp_path, {}, cookiecutter_config)
    assert result.returncode == 0, result.stderr
    for command in ("cd kabupaten-contoh", "git init", "pip install -c requirements.lock -e .",
                    "flask db upgrade heads", "flask eoffice create-admin", "flask run"):
        assert command in result.stdout
    assert "Zona waktu: Asia/Jakarta (WIB), zona provinsi 33 (kode wilayah 33.99)." in result.stdout


@pytest.mark.parametrize(("answers", "timezone", "summary"), [
    ({"region_code": "72.03"}, "Asia/Makassar",
     "Zona waktu: Asia/Makassar (WITA), zona provinsi 72 (kode wilayah 72.03)."),
    ({"region_type": "kota", "region_code": "95.01"}, "Asia/Jayapura",
     "Zona waktu: Asia/Jayapura (WIT), zona provinsi 95 (kode wilayah 95.01)."),
    ({"region_type": "provinsi", "region_code": "51"}, "Asia/Makassar",
     "Zona waktu: Asia/Makassar (WITA), zona provinsi 51 (kode wilayah 51)."),
    ({"region_code": "95.01", "timezone": "WIB"}, "Asia/Jakarta",
     "Zona waktu: Asia/Jakarta (WIB). PERHATIAN: provinsi 95 (kode wilayah 95.01) memakai "
     "Asia/Jayapura (WIT); bila salah, ubah [locale] timezone di region.toml."),
])
def test_cli_timezone_follows_the_province_unless_given(template, tmp_path, cookiecutter_config,
                                                       answers, timezone, summary):
    result = run_cookiecutter_cli(template, tmp_path, answers, cookiecutter_config)
    assert result.returncode == 0, result.stderr
    assert summary in result.stdout.splitlines()
    region = tomllib.loads((tmp_path / "kabupaten-contoh" / "region.toml").read_text("utf-8"))
    assert region["locale"]["timezone"] == timezone


# --- invalid answers --------------------------------------------------------------------------

# (answers, field given a bad value, fragment of the expected message)
INVALID_ANSWERS = [
    ({"region_name": "K"}, "region_name", "nama daerah"),
    ({"region_name": "Kota <Baru>"}, "region_name", "apostrof"),
    ({"region_name": "Kota  Baru"}, "region_name", "nama daerah"),
    ({"region_slug": "Kota_Baru"}, "region_slug", "huruf kecil"),
    ({"region_slug": "kota--baru"}, "region_slug", "tanda hubung"),
    ({"region_code": "3301"}, "region_code", "NN.NN untuk kabupaten/kota (mis. 33.01)"),
    ({"region_code": "33.1"}, "region_code", "NN.NN"),
    ({"region_code": "ab.cd"}, "region_code", "NN.NN"),
    ({"region_type": "provinsi", "region_code": "91.01"}, "region_code", "NN untuk provinsi"),
    ({"region_type": "kota", "region_code": "74"}, "region_code", "NN.NN"),
    ({"agency_name": 'Pemerintah "Kota"'}, "agency_name", "petik ganda"),
    ({"address": " "}, "address", "satu baris"),
    ({"phone": "telepon kantor"}, "phone", "angka"),
    ({"phone": "123"}, "phone", "angka"),
    ({"email": "diskominfo"}, "email", "alamat email"),
    ({"email": "a@b"}, "email", "alamat email"),
    ({"website": "kabupaten-contoh.go.id"}, "website", "http:// atau https://"),
    ({"website": "ftp://kabupaten-contoh.go.id"}, "website", "http:// atau https://"),
    ({"timezone": "UTC"}, "timezone", "Asia/Makassar (WITA)"),
    ({"timezone": "Asia/Tokyo"}, "timezone", "Asia/Jayapura (WIT)"),
    ({"timezone": "WITT"}, "timezone", "Asia/Jakarta (WIB)"),
    ({"admin_email": "admin"}, "admin_email", "alamat email"),
]

# Answers with a fixed list of values: the message names every allowed value.
INVALID_CHOICES = [
    ({"region_type": "desa"}, "region_type", ("kabupaten", "kota", "provinsi")),
    ({"region_type": "Kota"}, "region_type", ("kabupaten", "kota", "provinsi")),
    ({"default_locale": "fr"}, "default_locale", ("id", "en")),
    ({"database": "mysql"}, "database", ("sqlite", "postgresql")),
]


def assert_one_clear_line(result: subprocess.CompletedProcess[str], field: str,
                          value: str) -> str:
    """stderr is exactly the one error line, and nothing anywhere is a traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f'ERROR: {field} "{value}" tidak valid: '), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("answers", "field", "fragment"),
    INVALID_ANSWERS,
    ids=[f"{field}={answers[field]}" for answers, field, _ in INVALID_ANSWERS],
)
def test_invalid_answer_fails_with_one_clear_line(template, tmp_path, cookiecutter_config, answers,
                                                  field, fragment):
    output = tmp_path / "out"
    result = run_cookiecutter_cli(template, output, answers, cookiecutter_config)
    line = assert_one_clear_line(result, field, answers[field])
    assert fragment in line
    assert not output.exists() or not any(output.iterdir()), "output folder left behind"


@pytest.mark.parametrize(
    ("answers", "field", "allowed"), INVALID_CHOICES,
    ids=[f"{field}={answers[field]}" for answers, field, _ in INVALID_CHOICES],
)
def test_invalid_choice_fails_with_one_clear_line(template, tmp_path, cookiecutter_config,
                                                  answers, field, allowed):
    output = tmp_path / "out"
    result = run_cookiecutter_cli(template, output, answers, cookiecutter_config)
    line = assert_one_clear_line(result, field, answers[field])
    for value in allowed:
        assert value in line.split("tidak valid: ", 1)[1]
    assert not output.exists() or not any(output.iterdir()), "output folder left behind"


@pytest.mark.parametrize(("answers", "field"), [
    ({"region_name": ""}, "region_name"),
    ({"region_name": "!!!"}, "region_name"),
    ({"region_slug": ""}, "region_slug"),
    ({"region_slug": "../kota-lain"}, "region_slug"),
])
def test_empty_name_or_slug_into_an_existing_folder_names_the_answer(
        template, tmp_path, cookiecutter_config, answers, field):
    """An empty slug made the folder "." and cookiecutter said only that it exists."""
    output = tmp_path / "srv"
    output.mkdir()
    (output / "kota-lama").mkdir()
    result = run_cookiecutter_cli(template, output, answers, cookiecutter_config)
    assert_one_clear_line(result, field, answers[field])
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["kota-lama", "srv"]


@pytest.mark.parametrize(("answers", "field"), [
    ({"region_type": "desa"}, "region_type"),
    ({"database": "mysql"}, "database"),
    ({"region_name": ""}, "region_name"),
])
def test_invalid_answer_through_pytest_cookies_is_one_line(cookies, capfd, answers, field):
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.project_path is None
    err = capfd.readouterr().err
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith("ERROR: ")]
    assert err.startswith(f'ERROR: {field} "{answers[field]}" tidak valid: ')


def test_invalid_answer_through_pytest_cookies_leaves_no_folder(cookies, tmp_path):
    result = cookies.bake(extra_context={"region_code": "3301"})
    assert result.exit_code != 0
    assert result.project_path is None
    # pytest-cookies bakes into <tmp_path>/cookies/bakeNN/<slug>; the slug folder must be gone.
    leftovers = [p for p in (tmp_path / "cookies").rglob("*") if p.is_file() or p.name != "bake00"]
    assert leftovers == []


# --- the baked application's own test suite ---------------------------------------------------


def baked_suite_env(project: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("EOFFICE_", "FLASK_", "PYTEST_"))
        and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env["PYTHONPATH"] = str(project)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# The baked suite of the second answer set (a kota in WITA, its own code and name): the
# parts whose behaviour follows the answers (numbers, agenda, dates and the local day,
# the region's identity on pages and PDFs, configuration, migrations, translations).
# The whole suite runs once more on the default region in scripts/test.sh's next stages;
# running all of it a third time here cost CI about eight minutes.
REGION_SENSITIVE_TESTS = [
    "tests/letters", "tests/outgoing", "tests/series", "tests/dashboard",
    "tests/test_numbering.py", "tests/test_config.py", "tests/test_ui_dates.py",
    "tests/test_migrations.py", "tests/test_translations.py", "tests/test_access_matrix.py",
]


@pytest.mark.slow
def test_baked_app_suite_passes(cookies):
    project = bake_ok(cookies, ANSWER_SETS["kota-bau-bau"])
    if not (project / "tests").is_dir():
        pytest.skip("the baked region has no tests/ folder yet: the core's test suite is missing")
    present = [path for path in REGION_SENSITIVE_TESTS if (project / path).exists()]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *present,
         "-m", "not e2e"],
        cwd=project, env=baked_suite_env(project), capture_output=True, text=True,
        timeout=BAKED_SUITE_TIMEOUT, check=False,
    )
    output = (result.stdout + result.stderr)[-6000:]
    assert result.returncode != 5, "the baked suite collected no tests\n" + output
    assert result.returncode == 0, output
