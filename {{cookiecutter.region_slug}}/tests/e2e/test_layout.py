"""The layout on a phone and on an office screen: nothing scrolls sideways.

On a phone the navigation collapses behind the toggler and opens on a tap.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
OFFICE_SCREEN = {"width": 1280, "height": 720}


def _fits_the_screen(page) -> None:
    # Measure only once the page's stylesheets have loaded: a layout forced earlier
    # (a busy machine, a click that just navigated) is computed without Bootstrap.
    page.wait_for_load_state("load")
    screen, width = page.evaluate(
        "[window.innerWidth, document.documentElement.scrollWidth]")
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px screen"


def test_navbar_collapses_and_opens_on_a_phone(
        new_context, login_as, nav_link, tr_id, screenshot):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    login_as(page, "admin")
    _fits_the_screen(page)

    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#mainNav")
    staff = nav_link(page, tr_id("Staff"))
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(staff).to_be_hidden()
    screenshot(page, "09-mobile-dashboard")

    toggler.click()
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(staff).to_be_visible()
    expect(page.locator("#language-form select")).to_be_visible()
    expect(menu).not_to_have_class(re.compile(r"\bcollapsing\b"))  # the animation has ended
    screenshot(page, "10-mobile-menu-open")

    staff.click()
    expect(page).to_have_url(re.compile(r"/pegawai/$"))
    expect(page.locator("#staff-table tbody tr").first).to_be_visible()
    expect(page.locator("#mainNav")).to_be_hidden()  # a new page starts collapsed again
    _fits_the_screen(page)
    screenshot(page, "11-mobile-staff-list")


@pytest.mark.parametrize("username", ["admin", "pimpinan"])
def test_office_screen_shows_the_whole_menu_without_scrolling(
        new_context, login_as, nav_link, tr_id, username):
    """The user with the longest menu still sees it in one bar, inside the screen."""
    page = new_context(viewport=OFFICE_SCREEN).new_page()
    login_as(page, username)
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    expect(nav_link(page, tr_id("Staff"))).to_be_visible()
    _fits_the_screen(page)
    nav_link(page, tr_id("Staff")).click()
    expect(page.locator("#staff-table tbody tr").first).to_be_visible()
    _fits_the_screen(page)
