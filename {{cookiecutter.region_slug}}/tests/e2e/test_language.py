"""Switching the interface language with the selector in the navigation bar.

The default language is Indonesian. The Indonesian texts are read from the
compiled catalog; while it is missing (the UI then shows the English message
ids) only the ``lang`` attribute and the selected option are checked.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _choose(page, locale: str) -> None:
    select = page.locator("#language-form select[name=locale]")
    with page.expect_navigation():
        select.select_option(locale)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(select).to_have_value(locale)


def _expect_english(page, nav_link, name: str) -> None:
    expect(page.locator("main h1")).to_have_text(f"Welcome, {name}")
    expect(nav_link(page, "Dashboard")).to_be_visible()
    expect(nav_link(page, "Organisation")).to_be_visible()
    expect(page.locator("#language-form option:checked")).to_have_text("English")


def _expect_indonesian(page, nav_link, catalog, name: str) -> None:
    expect(page.locator("#language-form option:checked")).to_have_text("Bahasa Indonesia")
    if catalog is None:
        return
    welcome, dashboard = catalog.gettext("Welcome, %(name)s"), catalog.gettext("Dashboard")
    assert welcome != "Welcome, %(name)s" and dashboard != "Dashboard", \
        "the Indonesian catalog does not translate the dashboard"
    expect(page.locator("main h1")).to_have_text(welcome % {"name": name})
    expect(nav_link(page, dashboard)).to_be_visible()
    expect(nav_link(page, catalog.gettext("Organisation"))).to_be_visible()


def test_language_selector_switches_and_is_remembered(
        page, new_context, login_as, nav_link, id_catalog, tr_id, user_full_name, screenshot):
    name = user_full_name("pencatat")

    # Before logging in: Indonesian by default, English on request.
    page.goto("/masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("main form button[type=submit]")).to_have_text(tr_id("Log in"))
    _choose(page, "en")
    expect(page).to_have_url(re.compile(r"/masuk$"))
    expect(page.locator("main form button[type=submit]")).to_have_text("Log in")

    # The language chosen on the login page stays after logging in.
    login_as(page, "pencatat")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _expect_english(page, nav_link, name)
    screenshot(page, "06-dashboard-english")

    _choose(page, "id")
    _expect_indonesian(page, nav_link, id_catalog, name)

    # A logged-in user's choice is saved on the account: a new browser gets it too.
    _choose(page, "en")
    _expect_english(page, nav_link, name)
    other = new_context().new_page()
    login_as(other, "pencatat")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    _expect_english(other, nav_link, name)
    _choose(other, "id")
    _expect_indonesian(other, nav_link, id_catalog, name)
