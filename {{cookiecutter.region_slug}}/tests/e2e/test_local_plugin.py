"""The example local plugin (local/plugins/example) adds a page and a menu entry."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _active_staff_in_units() -> int:
    from eoffice.extensions import db
    from eoffice.org.models import Unit
    from eoffice.staff.models import Staff

    return db.session.scalar(sa.select(sa.func.count()).select_from(Staff).join(Unit).where(
        Staff.status == "aktif", Unit.active.is_(True)))


def test_admin_opens_the_recap_page_from_the_menu(
        page, live_server, login_as, nav_link, tr_id, screenshot):
    login_as(page, "admin")
    nav_link(page, tr_id("Staff recap")).click()
    expect(page).to_have_url(re.compile(r"/lokal/rekap-pegawai/$"))
    expect(page.locator("main h1")).to_have_text(tr_id("Staff recap"))
    expect(nav_link(page, tr_id("Staff recap"))).to_have_class(re.compile(r"\bactive\b"))

    rows = page.locator("#recap tbody tr")
    expect(rows.first).to_be_visible()
    counts = [int(text) for text in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)  # largest unit first
    total = live_server.run(_active_staff_in_units)
    assert sum(counts) == total
    expect(page.locator("#recap-total")).to_have_text(str(total))
    screenshot(page, "12-local-plugin-recap")
