"""The UI speaks Bahasa Indonesia: every marked string has an Indonesian translation.

Two catalogs, each covering one folder, and checked separately:

- the core's, eoffice/translations, for the strings of eoffice/ (upstream's job);
- the region's own, local/translations, for the strings of its plugins in local/
  (the region's job: a string added in local/ without a translation fails the
  local tests below, never the core's, which the region cannot change).

The messages are extracted from the current source with Babel's Python API and the
same mapping (eoffice/babel.cfg) and keywords as the template's ``scripts/i18n.sh``,
so a string added to the code without a translation fails here, not in front of a
user. The compiled .mo files (what Flask-Babel actually reads) must say what the
.po files say. Flask-Babel loads both catalogs (eoffice.i18n.translation_directories).
"""

from __future__ import annotations

import gettext as gettext_module
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from tests.conftest import EXAMPLE_PLUGIN

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:  # Babel < 2.14
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

REGION_ROOT = Path(__file__).resolve().parent.parent
CORE = REGION_ROOT / "eoffice"
LOCALES = ("id", "en")
# Keep in step with KEYWORDS in scripts/i18n.sh of the template.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}


@dataclass(frozen=True)
class Scope:
    """A source folder and the catalog that translates it (in <folder>/translations)."""

    source: str
    fix: str

    @property
    def catalogs(self) -> Path:
        return REGION_ROOT / self.source / "translations"

    def __str__(self) -> str:
        return self.source


CORE_SCOPE = Scope("eoffice", (
    "Run `bash scripts/i18n.sh` in the template repository, translate the entries of "
    "eoffice/translations/id/LC_MESSAGES/messages.po, run the script again to compile, "
    "and commit the .po and .mo files (see docs/dev/translations.md)."))
LOCAL_SCOPE = Scope("local", (
    "The strings of local/ are the region's own and live in local/translations (the core's "
    "catalog does not cover them). Run `bash scripts/i18n.sh --local <this region's folder>` "
    "from a checkout of the template (or the pybabel commands in its docs/dev/translations.md), "
    "translate the entries of local/translations/id/LC_MESSAGES/messages.po, run it again to "
    "compile, and commit local/translations (.pot, .po and .mo)."))
SCOPES = (CORE_SCOPE, LOCAL_SCOPE)


@pytest.fixture(params=SCOPES, ids=str)
def scope(request) -> Scope:
    """Each catalog in turn; the local one is skipped when local/ has nothing to translate."""
    if request.param is LOCAL_SCOPE and not LOCAL_SCOPE.catalogs.is_dir() \
            and not extracted_messages(LOCAL_SCOPE):
        pytest.skip("local/ has no marked strings and there is no local/translations: "
                    "the region has nothing of its own to translate")
    return request.param


def po_path(scope: Scope, locale: str) -> Path:
    return scope.catalogs / locale / "LC_MESSAGES" / "messages.po"


def load_po(scope: Scope, locale: str):
    path = po_path(scope, locale)
    assert path.is_file(), f"{path.relative_to(REGION_ROOT)} is missing. {scope.fix}"
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


@cache
def extracted_messages(scope: Scope) -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """{(msgid, context): [locations]} of every marked string in the scope's folder."""
    methods, options = method_map()
    found: dict = {}
    folder = REGION_ROOT / scope.source
    if not folder.is_dir():
        return found
    for filename, lineno, message, _comments, context in extract_from_dir(
            folder, methods, options, keywords=KEYWORDS):
        if isinstance(message, list | tuple):
            message = tuple(message)
        if not (message[0] if isinstance(message, tuple) else message):
            continue
        found.setdefault((message, context), []).append(f"{scope.source}/{filename}:{lineno}")
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
    messages = extracted_messages(CORE_SCOPE)
    assert ("Log in", None) in messages, "the extraction found no template strings"
    assert ("Username", None) in messages, "the extraction found no lazy_gettext (_l) strings"


def test_core_catalog_covers_the_core_only():
    """The core's catalog is built from eoffice/ alone, so what a region adds in local/
    can never make it (or this file, which every update replaces) fail."""
    assert all(location.startswith("eoffice/")
               for m in load_po(CORE_SCOPE, "id") for location, _line in m.locations), \
        "eoffice/translations holds strings from outside eoffice/. " + CORE_SCOPE.fix


def check_translated(scope: Scope) -> None:
    catalog = load_po(scope, "id")
    problems = []
    for (msgid, context), locations in extracted_messages(scope).items():
        message = catalog.get(singular(msgid), context=context)
        where = ", ".join(locations[:3]) + (" ..." if len(locations) > 3 else "")
        if message is None:
            problems.append(f"  - {singular(msgid)!r} (not in the catalog; {where})")
        elif message.fuzzy:
            problems.append(f"  - {singular(msgid)!r} (fuzzy; {where})")
        elif not all(s.strip() for s in strings(message.string)):
            problems.append(f"  - {singular(msgid)!r} (no translation; {where})")
    assert not problems, (
        f"{len(problems)} UI string(s) of {scope.source}/ lack an Indonesian translation in "
        f"{scope.source}/translations:\n" + "\n".join(problems) + "\n" + scope.fix)


def test_every_core_message_has_an_indonesian_translation():
    check_translated(CORE_SCOPE)


def test_every_local_message_has_an_indonesian_translation():
    """The region's own strings (local/) against the region's own catalog (local/translations).

    Skipped only when local/ has nothing marked for translation; a local string
    without a translation fails, and fixing it is the region's work (see the message).
    """
    if not extracted_messages(LOCAL_SCOPE):
        pytest.skip("local/ has no marked strings: the region has nothing of its own to "
                    "translate")
    check_translated(LOCAL_SCOPE)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_no_fuzzy_entries(scope, locale):
    fuzzy = [describe(m) for m in load_po(scope, locale) if m.id and m.fuzzy]
    assert not fuzzy, (f"fuzzy entries in {po_path(scope, locale).relative_to(REGION_ROOT)}, "
                       f"which are not compiled: {', '.join(fuzzy)}. Review them and remove "
                       "the fuzzy flag. " + scope.fix)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(scope, locale):
    catalog = load_po(scope, locale)
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
        f"translations in {po_path(scope, locale).relative_to(REGION_ROOT)} whose placeholders "
        "(%(name)s, %d, %%, {{name}}) differ from the English:\n" + "\n".join(problems))


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_the_po(scope, locale):
    catalog = load_po(scope, locale)
    mo = po_path(scope, locale).with_suffix(".mo")
    assert mo.is_file(), f"{mo.relative_to(REGION_ROOT)} is missing. {scope.fix}"
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
    assert not stale, (f"{mo.relative_to(REGION_ROOT)} is older than its .po; it translates "
                       f"{len(stale)} message(s) differently or not at all: "
                       + ", ".join(stale[:20]) + ". " + scope.fix)


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


def test_example_page_speaks_indonesian_from_the_local_catalog(client, admin, login, app,
                                                               monkeypatch):
    """The example plugin's own strings come from local/translations, not the core's."""
    if not EXAMPLE_PLUGIN.is_dir():
        pytest.skip("the region removed the example plugin")
    if ("Staff recap", None) not in extracted_messages(LOCAL_SCOPE):
        pytest.skip("the region changed the example plugin's wording")
    translated = load_po(LOCAL_SCOPE, "id").get("Staff recap")
    assert translated is not None and translated.string, LOCAL_SCOPE.fix
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")
    login(admin)
    html = client.get("/lokal/rekap-pegawai/").get_data(as_text=True)
    assert translated.string in html
    assert "Staff recap" not in html
    assert "Dasbor" in html or "Keluar" in html  # the core's strings still translate


def write_catalog(folder: Path, locale: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=locale, domain="messages")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    target = folder / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


@pytest.fixture
def app_with_local_catalog(app_config, monkeypatch):
    """``make(folder)``: a new app whose local catalog directory is ``folder``."""
    from eoffice import create_app, i18n
    from eoffice.extensions import babel

    # Flask-Babel caches the merged catalogs per locale on the shared Babel object:
    # give these apps their own cache, and give the other tests theirs back afterwards.
    monkeypatch.setattr(babel.domain_instance, "cache", {})

    def make(folder: Path):
        monkeypatch.setattr(i18n, "LOCAL_TRANSLATIONS", folder)
        return create_app(app_config | {"BABEL_DEFAULT_LOCALE": "id"})

    return make


def test_a_local_catalog_adds_strings_but_cannot_change_the_cores(app_with_local_catalog,
                                                                  tmp_path):
    from flask_babel import force_locale, get_translations, gettext

    write_catalog(tmp_path, "id", {"Only in a local plugin": "Hanya di plugin lokal",
                                   "Log in": "Silakan masuk"})
    app = app_with_local_catalog(tmp_path)
    with app.test_request_context(), force_locale("id"):
        assert gettext("Only in a local plugin") == "Hanya di plugin lokal"
        assert gettext("Log in") == "Masuk"  # the core's translation wins
        assert get_translations().plural(5) == 0  # the core's rule (Indonesian: one form)


def test_a_region_without_local_translations_is_fine(app_with_local_catalog, tmp_path):
    from flask_babel import force_locale, get_translations, gettext

    app = app_with_local_catalog(tmp_path / "no-such-folder")
    with app.test_request_context(), force_locale("id"):
        assert gettext("Log in") == "Masuk"
        assert gettext("Only in a local plugin") == "Only in a local plugin"
        assert get_translations().plural(5) == 0
    assert app.test_client().get("/masuk").status_code == 200
