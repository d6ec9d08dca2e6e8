"""The dashboard in the browser, for each role of the demo: what each needs first, the
head's chart drawn without a script, and counters announced with their number."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

OFFICE_SCREEN = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize("username, first", [
    ("pimpinan", ["Letters to read", "Letters to sign", "Overdue dispositions I gave"]),
    ("pencatat", ["Received today", "Letters I registered"]),
    ("pegawai", ["Dispositions to act on", "Due within %(n)d days", "Overdue"]),
])
def test_each_role_sees_its_own_work_first(new_context, login_as, tr_id, screenshot,
                                           username, first):
    page = new_context(viewport=OFFICE_SCREEN).new_page()
    login_as(page, username)
    section = page.locator("#dashboard-first")
    expect(section.get_by_role("heading", name=tr_id("Needs you first"))).to_be_visible()
    titles = [t.strip() for t in section.locator(".card .text-muted.small").all_inner_texts()]
    wanted = [tr_id(t) % {"n": 3} if "%(n)d" in t else tr_id(t) for t in first]
    assert titles[:len(wanted)] == wanted
    # Each card's link is announced with its number ("Surat perlu dibaca: 2").
    for link in section.locator("a.stretched-link").all():
        assert re.fullmatch(r".+: \d+", link.get_attribute("aria-label"))
    screenshot(page, f"dashboard-{username}")


def test_the_head_sees_a_chart_with_its_numbers(new_context, login_as, tr_id, network):
    page = new_context(viewport=OFFICE_SCREEN).new_page()
    login_as(page, "pimpinan")
    chart = page.get_by_role("img", name=re.compile(re.escape(
        tr_id("Letters per week, last %(n)d weeks") % {"n": 8})))
    expect(chart).to_be_visible()
    assert chart.evaluate("e => e.tagName") == "svg"
    assert chart.locator("rect").count() == 16  # 8 weeks, letters in and out
    page.get_by_text(tr_id("Show as a table")).click()
    expect(page.locator("#chart-weeks-data tbody tr")).to_have_count(8)
    assert not [u for u in network.requests if u.endswith(".js") and "chart" in u]


def test_the_clerk_registers_from_the_dashboard_on_a_phone(new_context, login_as, tr_id,
                                                           screenshot):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    login_as(page, "pencatat")
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboard is {width}px wide on a phone"
    screenshot(page, "dashboard-pencatat-phone")
    page.get_by_role("link", name=tr_id("Register a letter")).click()
    expect(page).to_have_url(re.compile(r"/surat-masuk/baru$"))
