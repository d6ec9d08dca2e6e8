"""Security headers: a strict Content-Security-Policy on every page, pages and downloads
never cached, assets still cached a year; page templates hold nothing the policy forbids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eoffice.assets import IMMUTABLE
from eoffice.config import REGION_ROOT

CORE = REGION_ROOT / "eoffice"


def directives(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    parts = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return {name: value for name, value in parts}


def assert_strict(policy: dict[str, str]) -> None:
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9_-]{20,}')?", policy["style-src"])
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'self'"
    assert policy["img-src"] == "'self' data:"


def test_login_page_has_a_strict_policy_and_is_not_stored(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert_strict(directives(response))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_region_colours_carry_the_nonce_of_the_policy(client):
    first, second = client.get("/masuk"), client.get("/masuk")
    nonces = []
    for response in (first, second):
        nonce = directives(response)["style-src"].split("'nonce-")[1].rstrip("'")
        html = response.get_data(as_text=True)
        assert f'<style nonce="{nonce}">' in html
        assert html.count("<style") == 1
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # one per response


@pytest.mark.parametrize("path", ["/", "/pegawai/", "/admin/pengguna", "/surat-masuk/",
                                  "/tidak-ada"])
def test_pages_of_a_signed_in_user_have_the_policy_and_no_store(client, as_chief, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/tidak-ada" else 200), path
    assert_strict(directives(response))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_downloads_and_redirects_are_not_stored(client, as_admin):
    export = client.get("/pegawai/ekspor.csv")
    assert export.status_code == 200
    assert export.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in export.headers  # not a page: a PDF viewer must work
    redirect = client.get("/masuk")
    assert redirect.status_code == 302 and redirect.headers["Cache-Control"] == "no-store"


def test_answers_over_https_tell_the_browser_to_stay_on_https(client):
    secure = client.get("/masuk", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/masuk").headers  # plain HTTP


def test_assets_keep_their_cache(client):
    page = client.get("/masuk").get_data(as_text=True)
    url = re.search(r'src="(/static/js/eoffice\.js\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Security-Policy" not in response.headers


def test_api_data_is_not_stored(client):
    response = client.get("/api/v1/health")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Security-Policy"] == \
        "default-src 'none'; frame-ancestors 'none'"


# --- Templates: what the policy would block ---------------------------------------------------

def page_templates() -> list[Path]:
    """Every HTML template served as a page (PDF templates are WeasyPrint's, not a browser's)."""
    roots = [CORE, REGION_ROOT / "local"]
    return sorted(p for root in roots for p in root.rglob("templates/**/*.html")
                  if "pdf" not in p.relative_to(root).parts)


FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "style element without the nonce": re.compile(r"<style(?![^>]*nonce=)[^>]*>", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_the_page_templates_are_found():
    names = {p.name for p in page_templates()}
    assert {"base.html", "detail.html", "form.html", "recap.html"} <= names


@pytest.mark.parametrize("template", page_templates(),
                         ids=lambda p: str(p.relative_to(REGION_ROOT)))
def test_page_templates_hold_nothing_the_policy_blocks(template):
    text = template.read_text(encoding="utf-8")
    found = [f"{what}: {m.group(0)!r}" for what, pattern in FORBIDDEN.items()
             for m in pattern.finditer(text)]
    assert not found, f"{template.name}: " + "; ".join(found)
