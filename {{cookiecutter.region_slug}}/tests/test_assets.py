"""Assets: content-hashed URLs kept a year, compressed, and a light first page.

- Every asset URL a page writes (its CSS, scripts, logo, and the fonts its CSS names)
  carries ``?v=`` with the hash of what the URL serves; such a URL is answered with
  ``Cache-Control: public, max-age=31536000, immutable``; without ``v``, or with an
  old one, with an hour's cache.
- CSS, JavaScript and SVG are compressed (gzip, brotli) when the browser accepts it;
  pages are not (BREACH: see eoffice/assets.py).
- Assets never carry the session: no Set-Cookie, no ``Vary: Cookie``.
- The first load of the dashboard, the HTML and everything it references, is at
  most 300 KB on the wire with gzip.
- Every icon that a template or a plugin names is in the icon stylesheets the pages
  load (the core ships a subset of Bootstrap Icons: scripts/subset_icons.py).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import brotli
import pytest
from flask import url_for
from fontTools.ttLib import TTFont

from eoffice.config import REGION_ROOT
from eoffice.testing.icons import ICON_POSITION, icons_in_css, icons_in_use

IMMUTABLE = "public, max-age=31536000, immutable"
BUDGET = 300_000  # bytes on the wire for the first load of the dashboard
SUBSET_CSS = REGION_ROOT / "eoffice" / "static" / "icons" / "bootstrap-icons-subset.css"
SUBSET_FONT = SUBSET_CSS.with_suffix(".woff2")
ASSETS = [
    ("static", {"filename": "css/eoffice.css"}),
    ("static", {"filename": "icons/bootstrap-icons-subset.css"}),
    ("static", {"filename": "icons/bootstrap-icons-subset.woff2"}),
    ("bootstrap.static", {"filename": "css/bootstrap.min.css"}),
    ("bootstrap.static", {"filename": "js/bootstrap.min.js"}),
    ("dashboard.logo", {}),
]
COMPRESSIBLE = [
    ("static", {"filename": "icons/bootstrap-icons-subset.css"}),
    ("bootstrap.static", {"filename": "css/bootstrap.min.css"}),
    ("bootstrap.static", {"filename": "js/bootstrap.min.js"}),
]
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}


class _AssetLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def linked_assets(html: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(html)
    return parser.urls


def css_references(css: str, base: str) -> list[str]:
    """The URLs a stylesheet's ``url()``s name (data: URIs aside), absolute."""
    found = re.findall(r"""url\(\s*["']?([^"')]+)""", css)
    return [urljoin(base, ref) for ref in found if not ref.startswith("data:")]


def body(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    return DECODERS[encoding](response.data) if encoding else response.data


def first_load(client, accept_encoding: str = "gzip"):
    """The dashboard and every asset it needs, the way a browser with an empty cache
    fetches them: ``[(url, response)]``, the page first."""
    page = client.get("/", headers={"Accept-Encoding": accept_encoding})
    assert page.status_code == 200
    loaded = [("/", page)]
    queue = linked_assets(body(page).decode())
    assert queue, "the dashboard links no asset"
    while queue:
        url = queue.pop(0)
        if url in dict(loaded):
            continue
        response = client.get(url, headers={"Accept-Encoding": accept_encoding})
        assert response.status_code == 200, url
        loaded.append((url, response))
        if response.mimetype == "text/css":
            queue += css_references(body(response).decode(), url)
    return loaded


def version_of(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("v", [None])[0]


def asset_url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


# --- versioned URLs and caching --------------------------------------------------------------

def test_the_dashboard_links_only_versioned_assets(client, as_admin):
    loaded = first_load(client)[1:]
    urls = [url for url, _ in loaded]
    assert any("bootstrap.min.css" in u for u in urls) and any(".woff2" in u for u in urls)
    assert not any("bootstrap-icons.min.css" in u for u in urls), "the full icon font is loaded"
    for url, response in loaded:
        assert urlsplit(url).scheme == "" and url.startswith("/"), f"not from this server: {url}"
        expected = hashlib.sha256(body(response)).hexdigest()[:12]
        assert version_of(url) == expected, f"{url}: v is not the hash of what it serves"
        assert response.headers["Cache-Control"] == IMMUTABLE, url


@pytest.mark.parametrize(("endpoint", "values"), ASSETS)
def test_a_versioned_url_is_kept_a_year(app, client, endpoint, values):
    url = asset_url(app, endpoint, values)
    assert version_of(url), url
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Expires" not in response.headers


@pytest.mark.parametrize(("endpoint", "values"), ASSETS)
def test_an_unversioned_or_old_url_is_kept_an_hour(app, client, endpoint, values):
    current = asset_url(app, endpoint, values)
    path = urlsplit(current).path
    for url in (path, path + "?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=3600", url


def test_a_revalidated_asset_is_still_kept_a_year(app, client):
    url = asset_url(app, "bootstrap.static", {"filename": "css/bootstrap.min.css"})
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == IMMUTABLE


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    """The hash follows the content, not the name or a start-up value."""
    from eoffice.assets import content_hash

    path = tmp_path / "eoffice.css"
    path.write_text("a { color: red; }")
    first = content_hash(path)
    assert first == content_hash(path)
    path.write_text("a { color: blue; }")
    assert content_hash(path) != first


# --- compression --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize(("endpoint", "values"), COMPRESSIBLE)
def test_css_and_javascript_are_compressed(app, client, endpoint, values, encoding):
    url = asset_url(app, endpoint, values)
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "accept-encoding" in response.headers["Vary"].lower()
    assert DECODERS[encoding](response.data) == plain.data
    assert len(response.data) < len(plain.data) * 0.6


def test_pages_are_not_compressed(client, as_admin):
    """A page holds a CSRF token; compressed next to text from the URL it could leak."""
    response = client.get("/?q=x", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


# --- the session ----------------------------------------------------------------------------

def test_assets_never_carry_the_session(client, as_admin):
    for url, response in first_load(client)[1:]:
        assert "Set-Cookie" not in response.headers, url
        assert "cookie" not in response.headers.get("Vary", "").lower(), url


def test_assets_load_while_the_password_must_be_changed(app, client, create_user, login):
    login(create_user(must_change=True))
    for endpoint, values in ASSETS:
        url = asset_url(app, endpoint, values)
        assert client.get(url).status_code == 200, url
    assert client.get("/").status_code == 302


# --- the page weight --------------------------------------------------------------------------

def test_the_first_dashboard_load_fits_the_budget(client, as_admin):
    loaded = first_load(client, "gzip")
    sizes = {url: len(response.data) for url, response in loaded}
    total = sum(sizes.values())
    report = "\n".join(f"{size:>9,} {url}" for url, size in sizes.items())
    assert total <= BUDGET, f"{total:,} bytes > {BUDGET:,}:\n{report}"


# --- icons ----------------------------------------------------------------------------------

def test_icon_positions_match_the_layout_dataclasses():
    from eoffice import ui

    for name, position in ICON_POSITION.items():
        fields = [f.name for f in dataclasses.fields(getattr(ui, name))]
        assert fields.index("icon") == position, name


def test_the_icon_scanner_finds_icons_in_templates_and_plugins(tmp_path):
    """The completeness test below can fail: the scanner sees every way code names an icon."""
    plugin = tmp_path / "local" / "plugins" / "agenda"
    (plugin / "templates").mkdir(parents=True)
    (plugin / "templates" / "page.html").write_text(
        '<i class="bi bi-calendar"></i> <i class="bi bi-{{ \'star text-warning\' if x else'
        ' "moon" }}"></i> {{ button(icon="sun") }}')
    (plugin / "__init__.py").write_text(
        "CARD_ICON = 'cloud'\n"
        "def nav(user):\n"
        "    return [NavItem('Agenda', 'agenda.index', 'calendar-event'),\n"
        "            DashboardCard('Hari ini', 3, 'agenda.index', CARD_ICON),\n"
        "            NavItem('Lain', 'agenda.other', icon=pick())]\n"
        "for name, icon in (('a', 'tree'), ('b', 'water')):\n"
        "    NavGroup(name, [], icon)\n")
    use = icons_in_use(tmp_path)
    assert set(use.icons) == {"calendar", "star", "moon", "sun", "calendar-event", "cloud",
                              "tree", "water"}
    assert use.unreadable == ["local/plugins/agenda/__init__.py:5: pick()"]


def test_every_icon_in_use_is_in_the_loaded_icon_stylesheets(app, client, as_admin):
    """The icons that eoffice/ and local/ name, the navigation gives and the dashboard
    shows are all defined by the stylesheets the dashboard loads."""
    from eoffice.ui import nav_entries

    available: dict[str, int] = {}
    for _url, response in first_load(client, "identity"):
        if response.mimetype == "text/css":
            available |= icons_in_css(response.get_data(as_text=True))
    use = icons_in_use(REGION_ROOT)
    assert not use.unreadable, "write these icon names as literals:\n" + "\n".join(use.unreadable)
    used = {name: sorted(places) for name, places in use.icons.items()}
    with app.test_request_context():
        for entry in nav_entries(as_admin):
            for item in [entry, *getattr(entry, "items", [])]:
                used.setdefault(item.icon, ["navigation (eoffice_nav_items)"])
    page = client.get("/").get_data(as_text=True)
    for name in re.findall(r"\bbi-([a-z0-9]+(?:-[a-z0-9]+)*)", page):
        used.setdefault(name, ["the dashboard page"])
    missing = {name: places for name, places in used.items() if name not in available}
    assert not missing, (
        "icons used but not in the icon stylesheets the pages load:\n"
        + "\n".join(f"  {name}: {', '.join(places)}" for name, places in sorted(missing.items()))
        + "\nUpstream: run scripts/subset_icons.py of the template and commit the subset. "
        "In a region: scripts/subset_icons.py --local (docs/dev/performance.md, Assets).")


def test_the_subset_font_has_a_glyph_for_every_icon_rule():
    rules = icons_in_css(SUBSET_CSS.read_text(encoding="utf-8"))
    assert rules
    font = TTFont(io.BytesIO(SUBSET_FONT.read_bytes()))
    code_points = set(font.getBestCmap())
    missing = sorted(name for name, code in rules.items() if code not in code_points)
    assert not missing, f"no glyph in {SUBSET_FONT.name} for: {', '.join(missing)}"
    referenced = re.search(r'url\("([^"]+)"\)', SUBSET_CSS.read_text(encoding="utf-8")).group(1)
    digest = hashlib.sha256(SUBSET_FONT.read_bytes()).hexdigest()[:12]
    assert referenced == f"{SUBSET_FONT.name}?v={digest}", "run scripts/subset_icons.py again"
