"""scripts/demo.sh checks its port before any set-up, takes --port, and keeps a trainer's
edits to the demo region (region.toml, local/) across a second run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo.sh"


def _run(*args: str, timeout: int = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": sys.executable}
    env.pop("EOFFICE_DEMO_PORT", None)
    return subprocess.run(["bash", str(DEMO), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_a_busy_port_is_refused_before_any_set_up():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = _run("--port", str(port))
    assert result.returncode != 0
    assert time.monotonic() - started < 10  # not after 25 s of installing
    assert f"{port}" in result.stderr and "EOFFICE_DEMO_PORT" in result.stderr
    assert "--port" in result.stderr
    assert "==> " not in result.stdout  # no set-up step started


def test_a_wrong_port_or_option_is_one_clear_line():
    for args in (("--port", "lima-ribu"), ("--port", "70000"), ("--bukan-opsi",)):
        result = _run(*args)
        assert result.returncode != 0, args
        assert result.stderr.strip().startswith("ERROR:"), result.stderr
    help_text = _run("--help")
    assert help_text.returncode == 0
    assert "--port" in help_text.stdout and "EOFFICE_DEMO_PORT" in help_text.stdout


def test_a_trainers_edits_survive_a_second_bake(tmp_path):
    """keep_demo_edits / restore_demo_edits (scripts/lib.sh) around the re-bake."""
    app = tmp_path / "kabupaten-contoh"
    (app / "local" / "plugins").mkdir(parents=True)
    (app / "region.toml").write_text('name = "Kabupaten Pelatihan"\n', encoding="utf-8")
    (app / "local" / "plugins" / "mine.py").write_text("X = 1\n", encoding="utf-8")
    keep = tmp_path / ".kept"
    script = f"""
set -euo pipefail
. "{ROOT}/scripts/lib.sh"
keep_demo_edits "{app}" "{keep}"
rm -rf "{app}/local" && mkdir -p "{app}/local"        # the bake writes the template's own
printf 'name = "Kabupaten Contoh"\\n' > "{app}/region.toml"
restore_demo_edits "{app}" "{keep}"
"""
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert (app / "region.toml").read_text(encoding="utf-8") == 'name = "Kabupaten Pelatihan"\n'
    assert (app / "local" / "plugins" / "mine.py").read_text(encoding="utf-8") == "X = 1\n"
    assert "region.toml" in result.stdout and "local/" in result.stdout
    assert not keep.exists()
