#!/usr/bin/env bash
# Pin every dependency, and everything they bring in, to one exact version in
# {{cookiecutter.region_slug}}/requirements.lock, with pip-tools' pip-compile:
#
#   bash scripts/lock.sh                            # after editing requirements-dev.txt: adds
#                                                   # what is new, keeps every other pin
#   bash scripts/lock.sh --upgrade                  # the newest versions the bounds allow
#   bash scripts/lock.sh --upgrade-package sqlalchemy   # one package (repeatable)
#   bash scripts/lock.sh --check                    # exit 1 when the lock is out of date
#
# The input is requirements-dev.txt, which holds the region's dependencies (its
# pyproject.toml, the [test] extra included) and the template's tools. The lock is a
# pip *constraints* file: `pip install -c requirements.lock ...` installs only what is
# asked for, at the locked versions. Regions install with it (docs/it/install.md), so a
# region runs the versions that upstream's tests ran. Then: bash scripts/test.sh, and
# commit the lock with the change. The routine: docs/dev/dependencies.md.
#
# pip-tools runs in its own virtualenv (build/lock-venv) and asks PyPI for the versions.
# Settings (environment): PYTHON (default python3; use the Python that CI runs).

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1
# The command that the lock's header tells a reader to run.
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

PIP_TOOLS_VERSION="7.6.2"
LOCK="{{cookiecutter.region_slug}}/requirements.lock"
TOOLS_VENV="$ROOT/build/lock-venv"

check=0
args=()
for arg in "$@"; do
    case "$arg" in
        --check) check=1 ;;
        *) args+=("$arg") ;;
    esac
done

check_python
make_venv "$TOOLS_VENV"
if ! "$TOOLS_VENV/bin/pip-compile" --version 2>/dev/null | grep -q "version $PIP_TOOLS_VERSION\$"; then
    say "Memasang pip-tools $PIP_TOOLS_VERSION ke build/lock-venv"
    "$TOOLS_VENV/bin/python" -m pip install -q --progress-bar off "pip-tools==$PIP_TOOLS_VERSION"
fi

output="$LOCK"
if [ "$check" -eq 1 ]; then
    output="$(mktemp)"
    cp "$LOCK" "$output"
    trap 'rm -f "$output"' EXIT
fi

# --strip-extras: pip refuses extras in a constraints file (psycopg[binary] is locked as
# psycopg and psycopg-binary). pip and setuptools stay out (pip-tools' "unsafe" packages):
# pip builds the region in an isolated environment that constraints do not reach.
"$TOOLS_VENV/bin/pip-compile" --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
    --resolver=backtracking --output-file "$output" "${args[@]}" requirements-dev.txt

if [ "$check" -eq 1 ]; then
    if ! diff -u "$LOCK" "$output"; then
        die "$LOCK tidak sesuai dengan requirements-dev.txt: jalankan bash scripts/lock.sh"
    fi
    say "$LOCK mutakhir"
else
    say "Ditulis: $LOCK. Jalankan bash scripts/test.sh, lalu commit bersama perubahannya."
fi
