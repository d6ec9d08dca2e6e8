#!/usr/bin/env bash
# Refresh the UI translations: the core's catalog and the local one (maintainers'
# tool; a region's IT team runs it with --local for its own plugins).
#
#   bash scripts/i18n.sh                     core + the example plugin's local catalog
#   bash scripts/i18n.sh --local [REGION]    only local/ of REGION (default: the template's
#                                            {{cookiecutter.region_slug}}/), e.g. a region's checkout
#   bash scripts/i18n.sh --check [--local [REGION]]
#                                            change nothing; exit 1 if a catalog is behind
#                                            its source or its id catalog is not fully translated
#
# Two catalogs, each covering one folder, so that strings a region adds in local/
# never touch the core's catalog (which every update replaces):
#
#   core   eoffice/  -> eoffice/translations/{messages.pot,{id,en}/LC_MESSAGES/messages.po/.mo}
#   local  local/    -> local/translations/{messages.pot,{id,en}/LC_MESSAGES/messages.po/.mo}
#
# For each: 1. extract the marked strings (mapping: eoffice/babel.cfg) into
# messages.pot; 2. merge it into the id and en catalogs (creating a missing one);
# 3. compile the .po files into .mo files (commit both). Flask-Babel loads both
# directories; on a msgid that both translate the core's translation wins.
#
# Then translate every empty or "#, fuzzy" entry of the id catalog(s), run this
# script again (to compile) and run tests/test_translations.py of the region.
# See docs/dev/translations.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/{{cookiecutter.region_slug}}"
LOCALES=(id en)

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

check=0
scopes=(core local)
app_given=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --check) check=1 ;;
        --local) scopes=(local) ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
        *)
            if [[ ${scopes[*]} != local || $app_given == 1 ]]; then
                echo "A region folder is only accepted after --local (got: $1)." >&2; exit 2
            fi
            APP="$(cd "$1" && pwd)"; app_given=1 ;;
    esac
    shift
done
if [[ ! -f "$APP/eoffice/babel.cfg" ]]; then
    echo "$APP is not an e-office region folder (no eoffice/babel.cfg)." >&2
    exit 2
fi

if command -v pybabel >/dev/null 2>&1; then
    PYBABEL=(pybabel)
else
    PYBABEL=("${PYTHON:-python3}" -m babel.messages.frontend)
fi

cd "$APP"

# The keywords besides Babel's defaults (_, gettext, ngettext, pgettext, ...);
# keep them in step with KEYWORDS in tests/test_translations.py.
KEYWORDS=(-k _l -k lazy_gettext -k "lazy_ngettext:1,2" -k "lazy_pgettext:1c,2")

NEW_POT="$(mktemp)"
trap 'rm -f "$NEW_POT"' EXIT
failed=0

# refresh SOURCE CATALOGS PROJECT: one pass (extract, merge, compile or check).
refresh() {
    local source="$1" catalogs="$2" project="$3"
    local pot="$catalogs/messages.pot" stale=0 locale po untranslated
    echo "== $source/ -> $catalogs/"
    if [[ ! -d "$source" ]]; then
        echo "No $source/ folder: nothing to translate."
        return 0
    fi
    "${PYBABEL[@]}" -q extract \
        -F eoffice/babel.cfg "${KEYWORDS[@]}" \
        --project "$project" --copyright-holder "e-office contributors" \
        --no-wrap -o "$NEW_POT" \
        "$source"
    if [[ ! -d "$catalogs" ]] && ! grep -q '^msgid "[^"]' "$NEW_POT"; then
        echo "No marked strings in $source/ and no $catalogs/: nothing to do."
        return 0
    fi

    if [[ $check == 1 ]]; then
        pot="$NEW_POT"
    else
        mkdir -p "$catalogs"
        if [[ -f "$pot" ]] && diff -q <(grep -v '^"POT-Creation-Date:' "$pot") \
                <(grep -v '^"POT-Creation-Date:' "$NEW_POT") >/dev/null; then
            :  # nothing changed but the date: keep the file (and git) quiet
        else
            cp "$NEW_POT" "$pot"
        fi
    fi

    for locale in "${LOCALES[@]}"; do
        po="$catalogs/$locale/LC_MESSAGES/messages.po"
        if [[ $check == 1 ]]; then
            if [[ ! -f "$po" ]]; then
                echo "$po is missing." >&2
                stale=1
            elif ! "${PYBABEL[@]}" -q update --check --ignore-pot-creation-date \
                    --no-fuzzy-matching -i "$pot" -d "$catalogs" -D messages -l "$locale" \
                    --no-wrap >/dev/null 2>&1; then
                echo "$po is behind the source." >&2
                stale=1
            fi
        elif [[ -f "$po" ]]; then
            "${PYBABEL[@]}" -q update --ignore-obsolete --ignore-pot-creation-date \
                --no-fuzzy-matching -i "$pot" -d "$catalogs" -D messages -l "$locale" --no-wrap
        else
            "${PYBABEL[@]}" -q init -i "$pot" -d "$catalogs" -D messages -l "$locale" --no-wrap
        fi
    done

    if [[ $check == 0 ]]; then
        "${PYBABEL[@]}" compile --statistics -d "$catalogs" -D messages
    fi

    # What is left for the translator (the en catalog needs no translations).
    untranslated=""
    [[ -f "$catalogs/id/LC_MESSAGES/messages.po" ]] && untranslated="$(
        "${PYTHON:-python3}" - "$catalogs/id/LC_MESSAGES/messages.po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle)
todo = [m for m in catalog if m.id and (m.fuzzy or not all(
    m.string if isinstance(m.string, tuple) else [m.string]))]
for message in todo:
    print("  -", message.id if isinstance(message.id, str) else message.id[0],
          *([f"[context {message.context!r}]"] if message.context else []),
          *(["(fuzzy)"] if message.fuzzy else []))
PY
    )"
    if [[ -n "$untranslated" ]]; then
        echo "Still to translate in $catalogs/id/LC_MESSAGES/messages.po:"
        echo "$untranslated"
    fi
    if [[ $check == 1 ]]; then
        if [[ $stale == 1 || -n "$untranslated" ]]; then
            failed=1
        else
            echo "Up to date with the source and fully translated."
        fi
    fi
}

for scope in "${scopes[@]}"; do
    case "$scope" in
        core) refresh eoffice eoffice/translations "e-office" ;;
        local) refresh local local/translations "e-office (local)" ;;
    esac
done

if [[ $failed == 1 ]]; then
    fix="bash scripts/i18n.sh"
    if [[ ${scopes[*]} == local ]]; then
        fix+=" --local"
        if [[ $app_given == 1 ]]; then fix+=" $APP"; fi
    fi
    echo "Run: $fix, translate, run it again, commit .pot/.po/.mo." >&2
    exit 1
fi
