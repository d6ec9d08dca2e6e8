"""The update path: a region made with `cruft create` takes upstream changes with `cruft update`.

The region keeps what is its own (``.env``, ``region.toml``, ``local/``) while a
change to the core arrives; the post hook runs again during the update without
touching anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_template_snapshot

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
