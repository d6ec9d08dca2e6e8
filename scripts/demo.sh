#!/usr/bin/env bash
# The demo in one command, on a fresh Debian/Ubuntu machine with Python 3.11+:
#
#   bash scripts/demo.sh
#
# Bakes the default region (cookiecutter.json's answers) into build/demo/, installs
# it into its own virtualenv, creates the database, loads the demo data, prints
# the demo logins, starts the background job worker (log: instance/worker.log) and
# serves the app at http://127.0.0.1:5000 (Ctrl+C stops both).
# Running it again keeps the demo's database and .env, and a trainer's edits to the
# demo region's region.toml and local/ (delete build/demo to start afresh).
#
#   bash scripts/demo.sh --port 5050     another port (or EOFFICE_DEMO_PORT=5050)
#
# The port is checked first, before anything is installed. Settings (environment):
# PYTHON (default python3), EOFFICE_DEMO_PORT (default 5000).

set -Eeuo pipefail

usage() {
    cat <<'TXT'
Pemakaian: bash scripts/demo.sh [--port PORT]

  --port PORT   port aplikasi demo (bawaan 5000, atau variabel EOFFICE_DEMO_PORT)
  --help        tampilkan bantuan ini

Menjalankan ulang mempertahankan basis data, .env, region.toml dan local/ demo.
Hapus build/demo untuk mulai dari awal.
TXT
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

TOOLS_VENV="$ROOT/.venv"
DEMO_DIR="$ROOT/build/demo"
HOST="127.0.0.1"
PORT="${EOFFICE_DEMO_PORT:-5000}"

while [ "$#" -gt 0 ]; do
    case "$1" in
        --port) [ "$#" -ge 2 ] || die "--port perlu nomor port, mis. --port 5050"
                PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#--port=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "opsi tidak dikenal: $1 (lihat bash scripts/demo.sh --help)" ;;
    esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] \
    || die "port harus angka 1-65535, bukan '$PORT'"

check_python
# Before any set-up: a busy port would otherwise fail only after the installs.
port_free "$HOST" "$PORT" || die "port $PORT di $HOST sudah dipakai program lain. Pilih port lain:
    bash scripts/demo.sh --port 5050      (atau EOFFICE_DEMO_PORT=5050 bash scripts/demo.sh)"
# WeasyPrint (letters as PDF) needs Pango; the search reads attached PDFs with pdftotext.
ensure_packages python3-venv libpango-1.0-0 libpangoft2-1.0-0 poppler-utils

make_venv "$TOOLS_VENV"
if ! "$TOOLS_VENV/bin/python" -c 'import cookiecutter' >/dev/null 2>&1; then
    say "Memasang cookiecutter ke .venv"
    "$TOOLS_VENV/bin/python" -m pip install -q --progress-bar off \
        -c "$ROOT/{{cookiecutter.region_slug}}/requirements.lock" cookiecutter
fi

say "Membuat daerah contoh di build/demo"
mkdir -p "$DEMO_DIR"
CONFIG="$DEMO_DIR/.cookiecutter-config.yaml"
printf 'cookiecutters_dir: "%s/.cookiecutters"\nreplay_dir: "%s/.replay"\n' \
    "$DEMO_DIR" "$DEMO_DIR" > "$CONFIG"
template_snapshot "$ROOT" "$DEMO_DIR/.template"
# A trainer's edits to the demo region survive the re-bake below.
KEPT="$DEMO_DIR/.kept"
if [ -f "$DEMO_DIR/.baked-path" ]; then
    keep_demo_edits "$(cat "$DEMO_DIR/.baked-path")" "$KEPT"
fi
# Like `cookiecutter --no-input -f . -o build/demo`, keeping the baked folder's path:
# -f bakes over an earlier demo; the post hook keeps its .env, instance/ is left alone.
"$TOOLS_VENV/bin/python" - "$DEMO_DIR/.template" "$DEMO_DIR" "$CONFIG" "$DEMO_DIR/.baked-path" \
    >/dev/null <<'PY'
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter

template, output_dir, config_file, result_file = sys.argv[1:5]
project = cookiecutter(template, no_input=True, overwrite_if_exists=True,
                       output_dir=output_dir, config_file=config_file)
Path(result_file).write_text(project, encoding="utf-8")
PY
APP_DIR="$(cat "$DEMO_DIR/.baked-path")"
SLUG="$(basename "$APP_DIR")"
[ -f "$APP_DIR/wsgi.py" ] || die "hasil bake tidak ditemukan di $APP_DIR"
restore_demo_edits "$APP_DIR" "$KEPT"
cd "$APP_DIR"

make_venv "$APP_DIR/.venv"
say "Memasang aplikasi ke build/demo/$SLUG/.venv (pip install -c requirements.lock -e .)"
# Only what the app needs (no test tools); pip's own lines show the progress.
PIP_QUIET="" pip_install_once "$APP_DIR/.venv" "pyproject.toml requirements.lock" \
    -c requirements.lock -e .

export FLASK_APP=wsgi:app
say "Menyiapkan basis data (flask db upgrade heads)"
.venv/bin/flask db upgrade heads
say "Mengisi data demo (flask eoffice demo)"
.venv/bin/flask eoffice demo

say "Menjalankan pekerja latar (flask eoffice worker; antrean di instance/jobs.db)"
.venv/bin/flask eoffice worker --workers 1 >"$APP_DIR/instance/worker.log" 2>&1 &
WORKER_PID=$!
trap 'kill -INT "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true' EXIT

say "Aplikasi demo berjalan di http://$HOST:$PORT (Ctrl+C untuk berhenti)"
.venv/bin/flask run --host "$HOST" --port "$PORT"
