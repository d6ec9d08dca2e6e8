"""Shared helpers of the template's tests: paths, answer sets, hook loading, baking.

The tests bake a *snapshot* of the template: the files git would commit
(tracked, plus untracked files that no .gitignore excludes). A region made with
`cruft create` gets exactly that, since cruft clones the template; caches and
run-time data left in the working tree (.ruff_cache, instance/, ...) stay out.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

# Speed is measured by benchmarks, never by timed tests: hypothesis's 200 ms deadline
# failed a hook test on a busy CI machine. No example database in the template folder.
settings.register_profile("template", database=None, deadline=None)
settings.load_profile("template")

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "{{cookiecutter.region_slug}}"
HOOKS_DIR = ROOT / "hooks"
COOKIECUTTER_JSON = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
COPY_WITHOUT_RENDER = tuple(COOKIECUTTER_JSON["_copy_without_render"])

# Supported answer sets, by test id. Missing keys take cookiecutter.json's defaults.
ANSWER_SETS: dict[str, dict[str, str]] = {
    "default": {},
    "kota-bau-bau": {
        "region_name": "Kota Bau-Bau",
        "region_type": "kota",
        "region_code": "74.72",
        "timezone": "Asia/Makassar",
        "default_locale": "en",
        "database": "postgresql",
        "phone": "(0402) 2821234",
    },
    "pangkep": {
        "region_name": "Kabupaten Pangkajene dan Kepulauan",
        "region_type": "kabupaten",
        "region_code": "73.10",
        "timezone": "Asia/Makassar",
    },
    "papua": {
        "region_name": "Provinsi Papua",
        "region_type": "provinsi",
        "region_code": "91",
        "timezone": "WIT",
        "phone": "+62 967 533100",
    },
    "toli-toli": {
        "region_name": "Kabupaten Toli'toli",
        "region_type": "kabupaten",
        "region_code": "72.04",
        "timezone": "wita",
        "address": "Jl. Usman Binol No. 1, Toli'toli",
    },
    "timezone-wib": {
        "region_name": "Kota Contoh",
        "region_type": "kota",
        "region_code": "33.72",
        "timezone": "WIB",
        "website": "http://kota-contoh.go.id",
    },
    "timezone-lowercase": {
        "region_name": "Kota Contoh Timur",
        "region_type": "kota",
        "region_code": "94.71",
        "timezone": "asia/jayapura",
    },
    # No timezone given: the province part of the region code decides it.
    "donggala": {
        "region_name": "Kabupaten Donggala",
        "region_type": "kabupaten",
        "region_code": "72.03",
    },
    "papua-pegunungan": {
        "region_name": "Provinsi Papua Pegunungan",
        "region_type": "provinsi",
        "region_code": "95",
    },
}

TIMEZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

# Every province by its Kemendagri code (Kepmendagri 100.1.1-6117/2022), by timezone:
# an independent statement of what cookiecutter.json derives from the region code.
PROVINCES_BY_TIMEZONE = {
    "Asia/Jakarta": {  # WIB: Sumatra, Riau Islands, Java, West and Central Kalimantan
        "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
        "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
        "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
        "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
        "36": "Banten", "61": "Kalimantan Barat", "62": "Kalimantan Tengah",
    },
    "Asia/Makassar": {  # WITA: Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi
        "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
        "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara",
        "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan",
        "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    },
    "Asia/Jayapura": {  # WIT: Maluku and every Papua province, the 2022 ones included
        "81": "Maluku", "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat",
        "93": "Papua Selatan", "94": "Papua Tengah", "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    },
}
PROVINCE_TIMEZONES = {
    code: timezone for timezone, provinces in PROVINCES_BY_TIMEZONE.items() for code in provinces
}


def expected_timezone(answers: dict[str, str]) -> str:
    """What region.toml must hold: the answer's IANA name, else the province's zone."""
    answer = answers.get("timezone")
    if answer is None:
        code = answers.get("region_code", COOKIECUTTER_JSON["region_code"])
        return PROVINCE_TIMEZONES[code.split(".")[0]]
    if answer.upper() in TIMEZONE_ALIASES:
        return TIMEZONE_ALIASES[answer.upper()]
    return next(name for name in TIMEZONE_ALIASES.values() if name.lower() == answer.lower())


# What `cruft create` and scripts/lib.sh take of the repository to bake a region.
TEMPLATE_PARTS = ("cookiecutter.json", "template_checks.py", "hooks", TEMPLATE_DIR.name)
SNAPSHOT_FALLBACK_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".hypothesis", "instance", ".venv",
    ".env", "build", "dist", "*.egg-info", "test-results",
)


def files_git_would_commit(root: Path, parts: tuple[str, ...]) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files under ``parts``; None outside a git tree."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *parts],
            cwd=root, capture_output=True, check=True, timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = [name.decode("utf-8") for name in listing.split(b"\0") if name]
    return [name for name in names if (root / name).is_file()]  # not deleted in the worktree


def make_template_snapshot(dest: Path, root: Path = ROOT) -> Path:
    """Copy the template as git would commit it into ``dest``; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    names = files_git_would_commit(root, TEMPLATE_PARTS)
    if names is None:
        for part in TEMPLATE_PARTS:
            source = root / part
            if source.is_dir():
                shutil.copytree(source, dest / part, ignore=SNAPSHOT_FALLBACK_IGNORE)
            else:
                shutil.copy2(source, dest / part)
        return dest
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


@pytest.fixture(scope="session", autouse=True)
def template(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template that every bake uses (pytest-cookies' --template, when given, wins)."""
    given = getattr(pytestconfig.option, "template", None) or "."
    # pytest-cookies' default "." may already be resolved against the working directory.
    if Path(given).resolve() not in (ROOT, Path.cwd().resolve()):
        return Path(given).resolve()
    snapshot = make_template_snapshot(tmp_path_factory.mktemp("template"))
    pytestconfig.option.template = str(snapshot)
    return snapshot


def load_hook(name: str) -> ModuleType:
    """Import hooks/<name>.py un-rendered, as the unit tests need it."""
    spec = importlib.util.spec_from_file_location(f"template_hook_{name}", HOOKS_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def pre_hook() -> ModuleType:
    return load_hook("pre_gen_project")


@pytest.fixture(scope="session")
def post_hook() -> ModuleType:
    return load_hook("post_gen_project")


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user config that keeps cookiecutter's replay files out of the home folder."""
    base = tmp_path_factory.mktemp("cookiecutter-user")
    config = base / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(base / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(base / 'replay'))}\n",
        encoding="utf-8",
    )
    return config


def run_cookiecutter_cli(
    template: Path, output_dir: Path, answers: dict[str, str], config_file: Path, *extra_args: str
) -> subprocess.CompletedProcess[str]:
    """`cookiecutter --no-input <template> key=value ...`, as a region's IT team runs it."""
    args = [f"{key}={value}" for key, value in answers.items()]
    return subprocess.run(
        [
            sys.executable, "-m", "cookiecutter", "--no-input", str(template),
            "--output-dir", str(output_dir), "--config-file", str(config_file),
            *extra_args, *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )


def bake_ok(cookies, answers: dict[str, str]) -> Path:
    """Bake with pytest-cookies and fail loudly when generation did not succeed."""
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, f"bake failed: {result.exception!r}"
    assert result.exception is None
    assert result.project_path is not None and result.project_path.is_dir()
    return result.project_path


def iter_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def read_text_or_none(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
