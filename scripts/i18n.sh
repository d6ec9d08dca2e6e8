#!/usr/bin/env bash
# Refresh the UI translations of the e-office core (maintainers' tool).
#
#   bash scripts/i18n.sh            extract, update (or create) id + en, compile
#   bash scripts/i18n.sh --check    change nothing; exit 1 if a catalog is behind the
#                                   source or the id catalog is not fully translated
#
# 1. extracts every marked string of eoffice/ and local/ into
#    eoffice/translations/messages.pot (mapping: eoffice/babel.cfg);
# 2. merges it into eoffice/translations/{id,en}/LC_MESSAGES/messages.po
#    (creating a catalog that does not exist yet);
# 3. compiles the .po files into .mo files (commit both).
#
# Then translate every empty or "#, fuzzy" entry of the id catalog, run this
# script again (to compile) and run tests/test_translations.py of the region.
# See docs/dev/translations.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/{{cookiecutter.region_slug}}"
CATALOGS="eoffice/translations"
POT="$CATALOGS/messages.pot"
LOCALES=(id en)

if command -v pybabel >/dev/null 2>&1; then
    PYBABEL=(pybabel)
else
    PYBABEL=("${PYTHON:-python3}" -m babel.messages.frontend)
fi

cd "$APP"

# The keywords besides Babel's defaults (_, gettext, ngettext, pgettext, ...);
# keep them in step with KEYWORDS in tests/test_translations.py.
KEYWORDS=(-k _l -k lazy_gettext -k "lazy_ngettext:1,2" -k "lazy_pgettext:1c,2")

check=0
if [[ "${1:-}" == "--check" ]]; then
    check=1
fi
NEW_POT="$(mktemp)"
trap 'rm -f "$NEW_POT"' EXIT

"${PYBABEL[@]}" -q extract \
    -F eoffice/babel.cfg "${KEYWORDS[@]}" \
    --project "e-office" --copyright-holder "e-office contributors" \
    --no-wrap -o "$NEW_POT" \
    eoffice local

if [[ $check == 1 ]]; then
    POT="$NEW_POT"
elif [[ -f "$POT" ]] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
        <(grep -v '^"POT-Creation-Date:' "$NEW_POT") >/dev/null; then
    :  # nothing changed but the date: keep the file (and git) quiet
else
    cp "$NEW_POT" "$POT"
fi

stale=0
for locale in "${LOCALES[@]}"; do
    po="$CATALOGS/$locale/LC_MESSAGES/messages.po"
    if [[ $check == 1 ]]; then
        if [[ ! -f "$po" ]] || ! "${PYBABEL[@]}" -q update --check --ignore-pot-creation-date \
                --no-fuzzy-matching -i "$POT" -d "$CATALOGS" -D messages -l "$locale" \
                --no-wrap >/dev/null 2>&1; then
            echo "$po is behind the source." >&2
            stale=1
        fi
    elif [[ -f "$po" ]]; then
        "${PYBABEL[@]}" -q update --ignore-obsolete --ignore-pot-creation-date \
            --no-fuzzy-matching -i "$POT" -d "$CATALOGS" -D messages -l "$locale" --no-wrap
    else
        "${PYBABEL[@]}" -q init -i "$POT" -d "$CATALOGS" -D messages -l "$locale" --no-wrap
    fi
done

if [[ $check == 0 ]]; then
    "${PYBABEL[@]}" compile --statistics -d "$CATALOGS" -D messages
fi

# What is left for the translator (the en catalog needs no translations).
untranslated="$([[ -f "$CATALOGS/id/LC_MESSAGES/messages.po" ]] && \
    "${PYTHON:-python3}" - "$CATALOGS/id/LC_MESSAGES/messages.po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle)
todo = [m for m in catalog if m.id and (m.fuzzy or not all(
    m.string if isinstance(m.string, tuple) else [m.string]))]
for message in todo:
    print("  -", message.id if isinstance(message.id, str) else message.id[0],
          *(["(fuzzy)"] if message.fuzzy else []))
PY
)"
if [[ -n "$untranslated" ]]; then
    echo "Still to translate in $CATALOGS/id/LC_MESSAGES/messages.po:"
    echo "$untranslated"
fi
if [[ $check == 1 ]]; then
    if [[ $stale == 1 || -n "$untranslated" ]]; then
        echo "Run: bash scripts/i18n.sh, translate, run it again, commit .pot/.po/.mo." >&2
        exit 1
    fi
    echo "Catalogs are up to date with the source and fully translated."
fi
