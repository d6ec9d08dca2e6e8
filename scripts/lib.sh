# Helpers shared by scripts/test.sh and scripts/demo.sh (sourced, not run).
# shellcheck shell=bash

PYTHON="${PYTHON:-python3}"

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# as_root COMMAND...: run as root, through sudo when needed (never prompting: CI has no terminal).
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || die "sudo meminta kata sandi; jalankan sendiri lalu ulangi: sudo $*"
    else
        die "perlu root untuk: $* (sudo tidak ada). Jalankan sebagai root lalu ulangi."
    fi
}

os_id() { (. /etc/os-release 2>/dev/null && echo "${ID:-unknown}") || echo unknown; }

has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# package_present NAME: whether what Debian package NAME provides is already here.
package_present() {
    case "$1" in
        python3-venv) "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
        git) command -v git >/dev/null 2>&1 ;;
        poppler-utils) command -v pdftoppm >/dev/null 2>&1 ;;
        zbar-tools) command -v zbarimg >/dev/null 2>&1 ;;
        libpango-1.0-0) has_lib 'libpango-1.0.so.0' ;;
        libpangoft2-1.0-0) has_lib 'libpangoft2-1.0.so.0' ;;
        postgresql) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
        # Ubuntu's "chromium" is a snap stub: there Playwright's own Chromium is used instead.
        chromium) [ "$(os_id)" = "ubuntu" ] || command -v chromium >/dev/null 2>&1 ;;
        *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
    esac
}

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 \
        || die "$PYTHON tidak ditemukan: pasang Python 3.11+ (apt-get install python3 python3-venv)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$("$PYTHON" --version 2>&1) terlalu lama: perlu Python 3.11 atau lebih baru"
}

# ensure_packages NAME...: apt-get install the missing ones (apt-get update once, only if needed);
# INSTALLED_PACKAGES tells the caller what was installed.
INSTALLED_PACKAGES=""
ensure_packages() {
    local missing=() name
    for name in "$@"; do
        package_present "$name" || missing+=("$name")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    if ! is_root && ! command -v sudo >/dev/null 2>&1; then
        die "paket sistem belum lengkap dan sudo tidak ada. Sebagai root, jalankan:
    apt-get update && apt-get install -y ${missing[*]}"
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get tidak ada: pasang sendiri ${missing[*]}"
    say "Memasang paket sistem: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    INSTALLED_PACKAGES="${missing[*]}"
}

# pip_install_once VENV "SOURCE..." PIP_ARGS...: pip install unless every SOURCE file (one
# or more, separated by spaces: the requirements and the lock) is unchanged since the last
# install. The stamp is named after the first SOURCE and holds the hash of them all.
pip_install_once() {
    local venv="$1" stamp want
    local -a sources
    read -r -a sources <<< "$2"
    shift 2
    stamp="$venv/.installed-$(basename "${sources[0]}").sha256"
    want="$(cat "${sources[@]}" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        # PIP_QUIET="" (demo.sh) lets pip print each package as it goes: progress.
        # shellcheck disable=SC2086 # PIP_QUIET is one flag or none
        "$venv/bin/python" -m pip install ${PIP_QUIET--q} --progress-bar off "$@"
        echo "$want" > "$stamp"
    fi
}

# make_venv DIR: a working virtualenv at DIR (recreated when broken).
make_venv() {
    if [ ! -x "$1/bin/python" ] || ! "$1/bin/python" -c 'import sys' >/dev/null 2>&1; then
        say "Membuat virtualenv $1"
        rm -rf "$1"
        "$PYTHON" -m venv "$1"
    fi
}

# template_snapshot ROOT DEST: copy the template (cookiecutter.json, template_checks.py,
# hooks/, the region folder) into DEST as git would commit it: tracked files plus untracked ones that no
# .gitignore excludes. Caches and run-time data in a developer's tree (.ruff_cache,
# instance/, ...) stay out, as they do for `cruft create`, which clones the template.
template_snapshot() {
    local root="$1" dest="$2"
    local parts=(cookiecutter.json template_checks.py hooks '{{cookiecutter.region_slug}}')
    rm -rf "$dest"
    mkdir -p "$dest"
    if command -v git >/dev/null 2>&1 && git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$root" && git ls-files -z --cached --others --exclude-standard -- "${parts[@]}" \
            | while IFS= read -r -d '' name; do [ -f "$name" ] && printf '%s\0' "$name"; done \
            | xargs -0 -r cp -p --parents -t "$dest")
    else
        (cd "$root" && cp -rp "${parts[@]}" "$dest/")
    fi
    [ -f "$dest/cookiecutter.json" ] || die "salinan template di $dest tidak lengkap"
}

# port_free HOST PORT: whether nothing listens on HOST:PORT yet.
port_free() {
    "$PYTHON" - "$1" "$2" <<'PY'
import socket
import sys

with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PY
}

# keep_demo_edits APP_DIR KEPT / restore_demo_edits APP_DIR KEPT: a trainer's region.toml
# and local/ in the demo region, set aside before the template is baked over it and put
# back after, so that a second demo.sh does not reset them.
keep_demo_edits() {
    local app="$1" kept="$2"
    rm -rf "$kept"
    [ -d "$app" ] || return 0
    mkdir -p "$kept"
    [ -f "$app/region.toml" ] && cp -p "$app/region.toml" "$kept/"
    [ -d "$app/local" ] && cp -rp "$app/local" "$kept/"
    return 0
}

restore_demo_edits() {
    local app="$1" kept="$2"
    [ -d "$kept" ] || return 0
    if [ -f "$kept/region.toml" ]; then
        cp -p "$kept/region.toml" "$app/region.toml"
    fi
    if [ -d "$kept/local" ]; then
        rm -rf "$app/local"
        cp -rp "$kept/local" "$app/local"
    fi
    say "region.toml dan local/ demo sebelumnya dipertahankan (hapus build/demo untuk mulai dari awal)"
    rm -rf "$kept"
}
