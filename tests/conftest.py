"""Shared helpers of the template's tests: paths, answer sets, hook loading, baking."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

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
}

TIMEZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def expected_timezone(answer: str) -> str:
    """What region.toml must hold for a timezone answer."""
    if answer.upper() in TIMEZONE_ALIASES:
        return TIMEZONE_ALIASES[answer.upper()]
    return next(name for name in TIMEZONE_ALIASES.values() if name.lower() == answer.lower())


def pytest_configure(config: pytest.Config) -> None:
    # pytest-cookies bakes "--template", "." by default: make it independent of the cwd.
    if getattr(config.option, "template", None) in (None, "."):
        config.option.template = str(ROOT)


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
    output_dir: Path, answers: dict[str, str], config_file: Path, *extra_args: str
) -> subprocess.CompletedProcess[str]:
    """`cookiecutter --no-input <template> key=value ...`, as a region's IT team runs it."""
    args = [f"{key}={value}" for key, value in answers.items()]
    return subprocess.run(
        [
            sys.executable, "-m", "cookiecutter", "--no-input", str(ROOT),
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
