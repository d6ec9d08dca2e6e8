"""The Content-Security-Policy in a real browser: the main pages of every role load
with nothing blocked, and what moved out of the templates still works (region colours
in a nonce'd style block, the language menu, the letter editor, the PDF preview frame).

Every e2e test also fails on a violation (the recorder in conftest.py); this one visits
the pages no flow test reaches."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PAGES = {
    "pencatat": ["/", "/surat-masuk/", "/surat-masuk/baru", "/surat-masuk/agenda",
                 "/surat-keluar/", "/surat-keluar/baru", "/disposisi/", "/cari/?q=surat",
                 "/organisasi/", "/akun/profil", "/akun/kata-sandi", "/akun/token-api",
                 "/api/docs", "/tentang", "/pertukaran/", "/tidak-ada"],
    "admin": ["/", "/pegawai/", "/pegawai/baru", "/pegawai/impor", "/admin/pengguna",
              "/admin/audit", "/admin/klasifikasi/", "/admin/token-sistem",
              "/organisasi/unit/baru", "/organisasi/jabatan/baru", "/pertukaran/mitra",
              "/lokal/rekap-pegawai/", "/disposisi/instruksi"],
}


def _letter_with_a_pdf(live_server) -> int:
    """A letter registered by the demo clerk, with a PDF scan (shown in a frame)."""

    def register():
        from eoffice.auth.models import User
        from eoffice.extensions import db
        from eoffice.letters.services import LetterInput, register_letter
        from eoffice.org.models import Position

        clerk = db.session.scalar(sa.select(User).where(User.username == "pencatat"))
        head = db.session.scalar(sa.select(Position.id).where(Position.is_head.is_(True))
                                 .order_by(Position.id))
        today = dt.date.today()
        letter = register_letter(LetterInput(
            sender="Kementerian Dalam Negeri", sender_number="000.1/CSP/2026",
            letter_date=today, received_date=today, subject="Uji kebijakan keamanan konten",
            to_positions=[head], uploads=[("pindaian.pdf", PDF)], confirm_duplicate=True),
            actor=clerk)
        db.session.commit()
        return letter.id

    return live_server.run(register)


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def _visit(page, path: str) -> None:
    response = page.goto(path)
    page.wait_for_load_state("load")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "object-src 'none'" in policy, path
    assert response.headers.get("cache-control") == "no-store", path
    assert _violations(page) == [], path


def test_main_pages_load_with_nothing_blocked(page, new_context, live_server, login_as):
    letter_id = _letter_with_a_pdf(live_server)

    _visit(page, "/masuk")
    # The region's colours come from the one nonce'd <style>: applied, not blocked.
    primary = live_server.app.config["PRIMARY_COLOR"].lstrip("#")
    rgb = "rgb({}, {}, {})".format(*(int(primary[i:i + 2], 16) for i in (0, 2, 4)))
    expect(page.locator("nav.eo-navbar")).to_have_css("background-color", rgb)

    for username, paths in PAGES.items():
        context = new_context()
        tab = context.new_page()
        login_as(tab, username)
        for path in paths:
            _visit(tab, path)
        if username == "pencatat":
            _visit(tab, f"/surat-masuk/{letter_id}")
            expect(tab.locator("iframe.eo-preview-frame")).to_have_count(1)
            box = tab.locator("iframe.eo-preview-frame").bounding_box()
            assert box and box["height"] > 200  # its height comes from the stylesheet
            _visit(tab, "/surat-keluar/baru")
            expect(tab.locator(".eo-editor [contenteditable=true]")).to_be_visible()
            tab.select_option("#letter_type", "undangan")
            expect(tab.locator(".eo-type-undangan").first).to_be_visible()
            assert _violations(tab) == []
        context.close()

    # The language menu sends its form on change, from static/js/eoffice.js.
    with page.expect_navigation():
        page.locator("#language-form select[name=locale]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert re.search(r"/masuk$", page.url)
