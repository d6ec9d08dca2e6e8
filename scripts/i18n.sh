#!/usr/bin/env bash
# Refresh the UI translations of the e-office core (maintainers' tool).
#
#   bash scripts/i18n.sh            extract, update (or create) id + en, compile
#   bash scripts/i18n.sh --check    only report: exit 1 if a catalog needs updating
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
    POT="$(mktemp)"
    trap 'rm -f "$POT"' EXIT
fi

"${PYBABEL[@]}" -q extract \
    -F eoffice/babel.cfg "${KEYWORDS[@]}" \
    --project "e-office" --copyright-holder "e-office contributors" \
    --no-wrap -o "$POT" \
    eoffice local

for locale in "${LOCALES[@]}"; do
    po="$CATALOGS/$locale/LC_MESSAGES/messages.po"
    if [[ $check == 1 ]]; then
        "${PYBABEL[@]}" update --check --ignore-pot-creation-date \
            --no-fuzzy-matching -i "$POT" -d "$CATALOGS" -D messages -l "$locale" --no-wrap
    elif [[ -f "$po" ]]; then
        "${PYBABEL[@]}" -q update --ignore-obsolete --ignore-pot-creation-date \
            --no-fuzzy-matching -i "$POT" -d "$CATALOGS" -D messages -l "$locale" --no-wrap
    else
        "${PYBABEL[@]}" -q init -i "$POT" -d "$CATALOGS" -D messages -l "$locale" --no-wrap
    fi
done

if [[ $check == 1 ]]; then
    echo "Catalogs are up to date with the source."
    exit 0
fi

"${PYBABEL[@]}" compile --statistics -d "$CATALOGS" -D messages

# What is left for the translator (the en catalog needs no translations).
untranslated="$("${PYTHON:-python3}" - "$CATALOGS/id/LC_MESSAGES/messages.po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle)
todo = [m for m in catalog if m.id and (m.fuzzy or not all(
    m.string if isinstance(m.string, tuple) else [m.string]))]
for message in todo:
    print("  -", message.id if isinstance(message.id, str) else message.id[0],
          "(fuzzy)" if message.fuzzy else "")
PY
)"
if [[ -n "$untranslated" ]]; then
    echo "Still to translate in $CATALOGS/id/LC_MESSAGES/messages.po:"
    echo "$untranslated"
fi
