"""The browser keeps the assets: after the first page, the next ones ask only for HTML.

Counted on the server, so a response that Chromium takes from its cache (which it
may still report as a request) is told apart from one that crossed the network.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ASSET = re.compile(r"^/(static/|bootstrap/static/|logo$)")


@contextmanager
def server_requests(live_server):
    """The paths (with their query) that reach the live app while the block runs."""
    app = live_server.app
    inner = app.wsgi_app
    seen: list[str] = []

    def recording(environ, start_response):
        query = environ.get("QUERY_STRING")
        seen.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
        return inner(environ, start_response)

    app.wsgi_app = recording
    try:
        yield seen
    finally:
        app.wsgi_app = inner


def _assets(paths: list[str]) -> list[str]:
    return [p for p in paths if ASSET.match(p.split("?", 1)[0])]


def _settled(page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def test_next_pages_request_no_unchanged_asset(
        new_context, live_server, login_as, nav_link, tr_id):
    page = new_context().new_page()
    with server_requests(live_server) as first:
        login_as(page, "admin")
        _settled(page)
    fetched = _assets(first)
    # The first visit did fetch them from the server (so the count below means something).
    assert any("bootstrap.min.css" in p for p in fetched), first
    assert any(".woff2" in p for p in fetched), first
    assert all("?v=" in p for p in fetched), fetched

    with server_requests(live_server) as later:
        nav_link(page, tr_id("Staff")).click()
        expect(page).to_have_url(re.compile(r"/pegawai/$"))
        _settled(page)
        page.goto("/")
        _settled(page)
    assert "/pegawai/" in later and "/" in later, later
    assert _assets(later) == [], f"asked again for unchanged assets: {_assets(later)}"
