"""The daily lists and the top bar on a 360 px phone, and the top bar on a 1366 px office
screen: rows read as cards (the subject gets the width, not one character), the filters
wait behind a button, actions stay reachable, nothing scrolls sideways, and the bar's
links are readable (WCAG AA contrast) with a name for the logo link."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
OFFICE_SCREEN = {"width": 1366, "height": 768}


def _phone(new_context):
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def _fits(page) -> None:
    page.wait_for_load_state("load")
    screen, width = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px screen"


def _rows_are_cards(page, table: str) -> None:
    """Each row takes the screen's width and its subject is not squeezed."""
    rows = page.locator(f"{table} tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator(f"{table} thead")).not_to_be_in_viewport()
    for i in range(min(rows.count(), 3)):
        box = rows.nth(i).bounding_box()
        assert box["width"] >= PHONE["width"] - 40, box
        subject = rows.nth(i).locator("td.eo-card-title").bounding_box()
        assert subject["width"] >= PHONE["width"] - 60, f"the subject is squeezed: {subject}"


def test_the_inbox_is_cards_on_a_phone(new_context, login_as, screenshot):
    page = _phone(new_context)
    login_as(page, "pencatat")
    page.goto("/surat-masuk/")
    _fits(page)
    _rows_are_cards(page, "#letters-table")
    screenshot(page, "phone-incoming-letters")


def test_the_outgoing_list_fits_a_phone(new_context, login_as):
    """(The demo has no outgoing letters yet: its rows are the same cards as above.)"""
    page = _phone(new_context)
    login_as(page, "pimpinan")
    page.goto("/surat-keluar/?antrian=all")
    _fits(page)
    assert "eo-card-table" in page.locator("#outgoing-table").get_attribute("class")


def test_the_inbox_filters_wait_behind_a_button_on_a_phone(new_context, login_as, tr_id):
    page = _phone(new_context)
    login_as(page, "pencatat")
    page.goto("/surat-masuk/")
    search = page.get_by_label(tr_id("Search"), exact=True)
    expect(search).to_be_hidden()
    toggle = page.get_by_role("button", name=tr_id("Filters"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The first row is on the first screen, not below the filters.
    assert page.locator("#letters-table tbody tr").first.bounding_box()["y"] < PHONE["height"]
    toggle.click()
    expect(search).to_be_visible()
    search.fill("rapat")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=rapat"))
    # With a filter in use the filters stay open, so that one sees what narrows the list.
    expect(page.get_by_label(tr_id("Search"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=tr_id("Register a letter"))).to_be_visible()
    _fits(page)


def test_dispositions_are_cards_on_a_phone(new_context, login_as, screenshot):
    page = _phone(new_context)
    login_as(page, "pimpinan")
    page.goto("/disposisi/?antrian=sent")
    _fits(page)
    _rows_are_cards(page, "#dispositions-table")
    screenshot(page, "phone-dispositions")


def test_the_top_bar_on_a_phone(new_context, login_as, tr_id):
    page = _phone(new_context)
    login_as(page, "admin")
    brand = page.locator("a.navbar-brand")
    expect(brand).to_have_accessible_name(re.compile(r"\S"))
    page.locator(".navbar-toggler").click()
    expect(page.locator("#user-menu")).to_be_visible()
    _fits(page)


def _contrast(page, locator) -> float:
    return locator.evaluate("""e => {
      const rgb = s => s.match(/[\\d.]+/g).map(Number);
      const lum = ([r, g, b]) => { const f = c => { c /= 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      let bg = e; while (bg && getComputedStyle(bg).backgroundColor === 'rgba(0, 0, 0, 0)')
        bg = bg.parentElement;
      const fgc = rgb(getComputedStyle(e).color), bgc = rgb(getComputedStyle(bg).backgroundColor);
      const a = fgc.length > 3 ? fgc[3] : 1;
      const mixed = [0, 1, 2].map(i => fgc[i] * a + bgc[i] * (1 - a));
      const [l1, l2] = [lum(mixed), lum(bgc)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    }""")


@pytest.mark.parametrize("username", ["admin", "pimpinan", "pencatat"])
def test_the_top_bar_is_one_row_on_an_office_screen(new_context, login_as, screenshot,
                                                    username):
    page = new_context(viewport=OFFICE_SCREEN).new_page()
    login_as(page, username)
    page.wait_for_load_state("load")
    links = page.locator("#mainNav .navbar-nav.me-auto > .nav-item")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    screenshot(page, f"top-bar-1366-{username}")
    assert len(tops) == 1, f"the menu wraps to {len(tops)} rows at 1366 px"
    inactive = page.locator("#mainNav .nav-link:not(.active)").first
    assert _contrast(page, inactive) >= 4.5
    _fits(page)


def _letter_with_a_scan():
    """A letter to the demo's head with a PDF scan, registered by the demo's clerk."""
    import datetime as dt

    import sqlalchemy as sa

    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.services import LetterInput, register_letter, today_local
    from tests.letters.conftest import PDF_BYTES

    clerk, head = (db.session.scalar(sa.select(User).where(User.username == name))
                   for name in ("pencatat", "pimpinan"))
    today = today_local()
    letter = register_letter(LetterInput(
        sender="Badan Kepegawaian Negara", sender_number="B-555/BKN/2026",
        letter_date=today - dt.timedelta(days=1), received_date=today,
        subject="Surat dengan pindaian untuk uji ponsel", security="B", speed="biasa",
        to_positions=[head.staff.position.id], cc_positions=[],
        uploads=[("pindaian.pdf", PDF_BYTES)]), actor=clerk)
    db.session.commit()
    return letter.id


def test_the_scan_is_a_link_on_a_phone_and_a_frame_on_a_desk(new_context, live_server,
                                                            login_as, tr_id, screenshot):
    letter = live_server.run(_letter_with_a_scan)
    page = _phone(new_context)
    login_as(page, "pimpinan")
    page.goto(f"/surat-masuk/{letter}")
    expect(page.locator("#scan-viewer iframe, #scan-viewer img.img-fluid")).to_be_hidden()
    link = page.locator("#scan-links a").first
    expect(link).to_be_visible()
    expect(link).to_contain_text(tr_id("Open the scan"))
    _fits(page)
    screenshot(page, "phone-letter-scan-link")
    desk = new_context(viewport=OFFICE_SCREEN).new_page()
    login_as(desk, "pimpinan")
    desk.goto(f"/surat-masuk/{letter}")
    expect(desk.locator("#scan-viewer iframe, #scan-viewer img.img-fluid").first).to_be_visible()
    expect(desk.locator("#scan-links")).to_be_hidden()
