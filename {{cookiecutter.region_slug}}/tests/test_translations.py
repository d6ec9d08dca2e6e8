"""The UI speaks Bahasa Indonesia: every marked string has an Indonesian translation.

The messages are extracted from the current source (eoffice/ and local/) with
Babel's Python API and the same mapping (eoffice/babel.cfg) and keywords as the
template's ``scripts/i18n.sh``, so a string added to the code without a
translation fails here, not in front of a user. The compiled .mo files (what
Flask-Babel actually reads) must say what the .po files say.
"""

from __future__ import annotations

import gettext as gettext_module
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:  # Babel < 2.14
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

REGION_ROOT = Path(__file__).resolve().parent.parent
CORE = REGION_ROOT / "eoffice"
CATALOGS = CORE / "translations"
SOURCES = ("eoffice", "local")
LOCALES = ("id", "en")
# Keep in step with KEYWORDS in scripts/i18n.sh of the template.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
FIX = ("Run `bash scripts/i18n.sh` in the template repository, translate the entries of "
       "eoffice/translations/id/LC_MESSAGES/messages.po, run the script again to compile, "
       "and commit the .po and .mo files (see docs/dev/translations.md).")


def po_path(locale: str) -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / "messages.po"


def load_po(locale: str):
    path = po_path(locale)
    assert path.is_file(), f"{path} is missing. {FIX}"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def method_map() -> tuple[list[tuple[str, str]], dict]:
    with (CORE / "babel.cfg").open(encoding="utf-8") as handle:
        methods, options = parse_mapping_cfg(handle, filename=str(CORE / "babel.cfg"))
    # Jinja2 provides the extractor; name it directly rather than through the
    # entry point, which a bare install of Jinja2 may lack.
    methods = [(pattern, "jinja2.ext:babel_extract" if method == "jinja2" else method)
               for pattern, method in methods]
    return methods, options


def extracted_messages() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """{(msgid, context): [locations]} of every marked string in the source."""
    methods, options = method_map()
    found: dict = {}
    for source in SOURCES:
        folder = REGION_ROOT / source
        if not folder.is_dir():
            continue
        for filename, lineno, message, _comments, context in extract_from_dir(
                folder, methods, options, keywords=KEYWORDS):
            if isinstance(message, list | tuple):
                message = tuple(message)
            if not (message[0] if isinstance(message, tuple) else message):
                continue
            found.setdefault((message, context), []).append(f"{source}/{filename}:{lineno}")
    return found


def singular(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple | list) else msgid


def strings(msgstr) -> list[str]:
    return list(msgstr) if isinstance(msgstr, tuple | list) else [msgstr]


# %-placeholders as Python (and Jinja's newstyle gettext, which always applies %)
# sees them; a "%" without a valid conversion is kept as an invalid token.
PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])?")
BRACES = re.compile(r"\{[A-Za-z_][\w.]*(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str) -> tuple[Counter, list[str], Counter]:
    named: Counter = Counter()
    positional: list[str] = []
    for match in PERCENT.finditer(text):
        conv = match.group("conv") or "<invalid %>"
        if match.group("name") is not None:
            named[(match.group("name"), conv)] += 1
        else:
            positional.append(conv)
    return named, positional, Counter(BRACES.findall(text))


def describe(message) -> str:
    context = f" [context {message.context!r}]" if getattr(message, "context", None) else ""
    return repr(singular(message.id)) + context


def test_babel_mapping_covers_python_and_templates():
    methods, _options = method_map()
    assert ("**.py", "python") in methods
    assert ("**/templates/**.html", "jinja2.ext:babel_extract") in methods
    messages = extracted_messages()
    assert ("Log in", None) in messages, "the extraction found no template strings"
    assert ("Username", None) in messages, "the extraction found no lazy_gettext (_l) strings"


def test_every_message_has_an_indonesian_translation():
    catalog = load_po("id")
    problems = []
    for (msgid, context), locations in extracted_messages().items():
        message = catalog.get(singular(msgid), context=context)
        where = ", ".join(locations[:3]) + (" ..." if len(locations) > 3 else "")
        if message is None:
            problems.append(f"  - {singular(msgid)!r} (not in the catalog; {where})")
        elif message.fuzzy:
            problems.append(f"  - {singular(msgid)!r} (fuzzy; {where})")
        elif not all(s.strip() for s in strings(message.string)):
            problems.append(f"  - {singular(msgid)!r} (no translation; {where})")
    assert not problems, (
        f"{len(problems)} UI string(s) lack an Indonesian translation:\n"
        + "\n".join(problems) + "\n" + FIX)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_no_fuzzy_entries(locale):
    fuzzy = [describe(m) for m in load_po(locale) if m.id and m.fuzzy]
    assert not fuzzy, (f"fuzzy entries in {po_path(locale).name} ({locale}), which are not "
                       f"compiled: {', '.join(fuzzy)}. Review them and remove the fuzzy flag. "
                       + FIX)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    catalog = load_po(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = strings(message.id)
        for index, text in enumerate(strings(message.string)):
            if not text:
                continue
            # Plural forms: the first form follows the singular msgid when the
            # language has several forms; otherwise the plural msgid (it has the count).
            source = ids[0] if len(ids) == 1 or (index == 0 and catalog.num_plurals > 1) \
                else ids[1]
            if placeholders(text) != placeholders(source):
                problems.append(f"  - {source!r}\n    -> {text!r}")
    assert not problems, (
        f"translations in {locale} whose placeholders (%(name)s, %d, %%, {{name}}) differ "
        "from the English:\n" + "\n".join(problems))


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_the_po(locale):
    catalog = load_po(locale)
    mo = po_path(locale).with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing. {FIX}"
    with mo.open("rb") as handle:
        compiled = Translations(fp=handle, domain="messages")
    plural = gettext_module.c2py(catalog.plural_expr)
    stale = []
    for message in catalog:
        if not message.id or message.fuzzy or not all(strings(message.string)):
            continue
        if isinstance(message.id, tuple | list):
            for index, text in enumerate(strings(message.string)):
                n = next((n for n in range(200) if plural(n) == index), None)
                if n is None:
                    continue
                got = (compiled.npgettext(message.context, *message.id[:2], n)
                       if message.context else compiled.ngettext(*message.id[:2], n))
                if got != text:
                    stale.append(describe(message))
        else:
            got = (compiled.pgettext(message.context, message.id) if message.context
                   else compiled.gettext(message.id))
            if got != message.string:
                stale.append(describe(message))
    assert not stale, (f"{mo.relative_to(REGION_ROOT)} is older than {po_path(locale).name}; "
                       "it translates "
                       f"{len(stale)} message(s) differently or not at all: "
                       + ", ".join(stale[:20]) + ". " + FIX)


def test_login_page_speaks_indonesian_by_default(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")
    html = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="id">' in html
    for text in ("Masuk", "Nama pengguna", "Kata sandi"):
        assert text in html
    for text in ("Log in", "Username", "Password"):
        assert text not in html


def test_login_page_speaks_english_when_chosen(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")
    with client.session_transaction() as session:
        session["locale"] = "en"
    html = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="en">' in html
    for text in ("Log in", "Username", "Password"):
        assert text in html
    for text in ("Masuk", "Kata sandi"):
        assert text not in html
