#!/usr/bin/env bash
# shellcheck disable=SC2317 # some functions run only through trap or run_stage
# Every test, in one command, on a fresh Debian/Ubuntu machine with Python 3.11+:
#
#   bash scripts/test.sh
#
# 1. installs the system packages it needs (apt-get, with sudo when not root);
# 2. creates .venv at the repository root and installs requirements-dev.txt at the
#    versions of {{cookiecutter.region_slug}}/requirements.lock (pip install -c);
# 3. starts a throwaway PostgreSQL cluster on 127.0.0.1 (stopped again on exit);
# 4. runs (a) the template's tests, (b) the baked default region's own suite on
#    SQLite and (c) the same suite on PostgreSQL (without the browser tests).
#
# Exits non-zero when any stage fails; a pytest run that collects no test fails.
# Works without a terminal (CI=true). Settings (environment): PYTHON (interpreter
# for the venv, default python3), EOFFICE_TEST_PG_PORT (default 54329).

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

VENV="$ROOT/.venv"
LOCK="{{cookiecutter.region_slug}}/requirements.lock"
BUILD_DIR="$ROOT/build/test"
PG_PORT="${EOFFICE_TEST_PG_PORT:-54329}"
PG_DB="eoffice_test"
PG_DATA=""
PG_BIN=""
PG_URL=""
BAKED=""
LOG_DIR="$ROOT/build/test-logs"
SUMMARY=()
FAILED=0
STAGE_NO=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

SYSTEM_PACKAGES=(python3-venv git chromium postgresql poppler-utils zbar-tools libpango-1.0-0
                 libpangoft2-1.0-0)

# --- 1. system packages, 2. virtualenv --------------------------------------------------------

setup() {
    check_python
    ensure_packages "${SYSTEM_PACKAGES[@]}"
    if [ -n "$INSTALLED_PACKAGES" ]; then
        SUMMARY+=("paket sistem: dipasang $INSTALLED_PACKAGES")
    else
        SUMMARY+=("paket sistem: sudah lengkap")
    fi
    make_venv "$VENV"
    if [ ! -f "$VENV/.installed-requirements-dev.txt.sha256" ]; then
        "$VENV/bin/python" -m pip install -q --progress-bar off --upgrade pip
    fi
    # The versions of the lock, which regions install too (bash scripts/lock.sh makes it).
    pip_install_once "$VENV" "requirements-dev.txt $LOCK" -c "$LOCK" -r requirements-dev.txt
    if command -v chromium >/dev/null 2>&1; then
        # Browser tests use the system's Chromium rather than a downloaded build.
        export EOFFICE_E2E_CHROMIUM="${EOFFICE_E2E_CHROMIUM:-$(command -v chromium)}"
    else
        say "Chromium sistem tidak ada: memasang Chromium milik Playwright"
        as_root "$VENV/bin/python" -m playwright install-deps chromium
        "$VENV/bin/python" -m playwright install chromium
    fi
    SUMMARY+=("virtualenv: $("$VENV/bin/python" --version) di .venv")
}

# --- 3. throwaway PostgreSQL ------------------------------------------------------------------

pg_run() {
    # initdb and postgres refuse to run as root: use the postgres system user then.
    if is_root; then
        (cd /tmp && runuser -u postgres -- "$@")
    else
        (cd /tmp && "$@")
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_postgres() {
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_DATA" ]; then
        rm -rf "$PG_DATA"
    fi
}

start_postgres() {
    local initdb
    # PostgreSQL 15 (Debian 12) when present, else the newest installed major version.
    initdb=/usr/lib/postgresql/15/bin/initdb
    if [ ! -x "$initdb" ]; then
        initdb="$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
    fi
    [ -x "$initdb" ] || initdb=""
    [ -n "$initdb" ] || die "PostgreSQL tidak ditemukan (apt-get install postgresql)"
    PG_BIN="$(dirname "$initdb")"
    if port_in_use "$PG_PORT"; then
        die "port $PG_PORT sudah dipakai; pilih port lain: EOFFICE_TEST_PG_PORT=54339 bash scripts/test.sh"
    fi
    PG_DATA="$(mktemp -d /tmp/eoffice-pg.XXXXXX)"
    trap stop_postgres EXIT
    trap 'exit 130' INT TERM
    if is_root; then
        id postgres >/dev/null 2>&1 || die "pengguna sistem 'postgres' tidak ada (apt-get install postgresql)"
        chown postgres:postgres "$PG_DATA"
    fi
    say "Menyalakan PostgreSQL sementara ($("$PG_BIN/postgres" --version)) di 127.0.0.1:$PG_PORT"
    pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$PG_DATA/server.log" >&2 || true; die "PostgreSQL gagal menyala"; }
    pg_run "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
    PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB"
    SUMMARY+=("postgresql: 127.0.0.1:$PG_PORT/$PG_DB")
}

# --- 4. test stages ---------------------------------------------------------------------------

# count WORD LOG: the number before WORD on pytest's closing line in LOG (0 if absent).
count() {
    local line number
    line="$(grep -E '[0-9]+ (passed|failed|errors?|skipped|deselected)' "$2" | tail -n 1 || true)"
    number="$(printf '%s' "$line" | grep -Eo "[0-9]+ $1" | grep -Eo '[0-9]+' | head -n 1 || true)"
    printf '%s' "${number:-0}"
}

# run_stage NAME DIR COMMAND...: run one pytest command, record PASS/FAIL and its counts.
# Any non-zero exit fails the stage, pytest's 5 (no test collected) included.
run_stage() {
    local name="$1" dir="$2" start rc log
    shift 2
    STAGE_NO=$((STAGE_NO + 1))
    log="$LOG_DIR/stage-$STAGE_NO.log"
    say "Tahap: $name"
    start=$SECONDS
    set +e
    (cd "$dir" && "$@") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    local took=$((SECONDS - start)) passed failed errors skipped
    passed="$(count passed "$log")"
    failed="$(count failed "$log")"
    errors="$(count 'errors?' "$log")"
    skipped="$(count skipped "$log")"
    TOTAL_PASSED=$((TOTAL_PASSED + ${passed:-0}))
    TOTAL_FAILED=$((TOTAL_FAILED + ${failed:-0} + ${errors:-0}))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + ${skipped:-0}))
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("LULUS  $name (${took} dtk)")
    else
        local why="kode keluar $rc"
        [ "$rc" -eq 5 ] && why="tidak ada tes yang dijalankan (kode 5)"
        SUMMARY+=("GAGAL  $name (${took} dtk): $why")
        FAILED=1
    fi
    printf 'RINGKASAN %s: %s\n' "$name" "${SUMMARY[-1]%% *}"
}

bake_default_region() {
    rm -rf "$BUILD_DIR"
    mkdir -p "$BUILD_DIR"
    local config="$BUILD_DIR/.cookiecutter-config.yaml"
    printf 'cookiecutters_dir: "%s/.cookiecutters"\nreplay_dir: "%s/.replay"\n' \
        "$BUILD_DIR" "$BUILD_DIR" > "$config"
    template_snapshot "$ROOT" "$BUILD_DIR/.template"
    "$VENV/bin/cookiecutter" --no-input --config-file "$config" -o "$BUILD_DIR" \
        "$BUILD_DIR/.template" >/dev/null || return 1
    BAKED="$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | head -n 1)"
    [ -n "$BAKED" ] || die "tidak ada folder hasil cookiecutter di $BUILD_DIR"
    say "Daerah bawaan dibuat di ${BAKED#"$ROOT"/}"
}

baked_pytest() {
    # The baked region's suite, importing the region from its own folder.
    env -u DATABASE_URL -u SECRET_KEY -u FLASK_APP PYTHONPATH="$BAKED" \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
}

baked_pytest_postgres() {
    # Same suite on the throwaway server; browser tests already ran on SQLite.
    TEST_DATABASE_URL="$PG_URL" baked_pytest -m "not e2e"
}

main() {
    setup
    start_postgres
    rm -rf "$LOG_DIR"
    mkdir -p "$LOG_DIR"

    run_stage "tes template (tests/)" "$ROOT" "$VENV/bin/python" -m pytest -q tests

    if bake_default_region; then
        if [ -d "$BAKED/tests" ]; then
            run_stage "tes aplikasi hasil bake, SQLite" "$BAKED" baked_pytest
            run_stage "tes aplikasi hasil bake, PostgreSQL" "$BAKED" baked_pytest_postgres
        else
            SUMMARY+=("GAGAL  tes aplikasi hasil bake: folder tests/ tidak ada di ${BAKED#"$ROOT"/}")
            FAILED=1
        fi
    else
        SUMMARY+=("GAGAL  bake daerah bawaan")
        FAILED=1
    fi

    printf '\n==> Ringkasan (log per tahap: build/test-logs/)\n'
    printf '  %s\n' "${SUMMARY[@]}"
    if [ "$FAILED" -ne 0 ]; then
        printf 'HASIL: ada tahap yang GAGAL\n'
    else
        printf 'HASIL: semua tahap LULUS\n'
    fi
    printf 'total: %d passed, %d failed, %d skipped\n' \
        "$TOTAL_PASSED" "$TOTAL_FAILED" "$TOTAL_SKIPPED"
    exit "$FAILED"
}

main "$@"
