"""Logging in and out in the browser, with real CSRF tokens; local assets only."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _dashboard_counts():
    from eoffice.extensions import db
    from eoffice.org.models import Position, Unit
    from eoffice.staff.models import Staff

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return {
        "Active staff": count(Staff, Staff.status == "aktif"),
        "Units": count(Unit, Unit.active.is_(True)),
        "Vacant positions": count(Position, Position.active.is_(True),
                                  Position.holder_id.is_(None)),
    }


def test_wrong_password_then_admin_dashboard_then_logout(
        page, network, live_server, login_as, tr_id, user_full_name, screenshot):
    login_as(page, "admin", "bukan-sandi-ini")
    expect(page).to_have_url(re.compile(r"/masuk$"))
    expect(page.locator(".alert-danger")).to_contain_text(
        tr_id("Wrong username or password, or the account is locked for a while."))
    expect(page.locator("input[name=username]")).to_have_value("admin")
    screenshot(page, "01-login-wrong-password")

    login_as(page, "admin")
    expect(page.locator("main h1")).to_have_text(
        tr_id("Welcome, %(name)s") % {"name": user_full_name("admin")})
    for title, value in live_server.run(_dashboard_counts).items():
        card = page.locator(".card").filter(has=page.locator(
            ".text-muted.small", has_text=re.compile(rf"^\s*{re.escape(tr_id(title))}\s*$")))
        expect(card.locator(".eo-card-value")).to_have_text(str(value))
    screenshot(page, "02-dashboard-admin")

    # Bootstrap and its icons come from this server, and they are applied.
    css = [u for u in network.requests if urlsplit(u).path.endswith("/bootstrap.min.css")]
    assert css and all(urlsplit(u).path.startswith("/bootstrap/static/") for u in css), css
    assert network.status_of(urlsplit(css[0]).path) == 200
    navbar = page.locator("nav.navbar")
    assert navbar.evaluate("e => getComputedStyle(e).display") == "flex"
    assert navbar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 83, 148)"
    hosts = {urlsplit(u).hostname for u in network.requests if u.startswith("http")}
    assert hosts == {"127.0.0.1"}

    page.locator("#user-menu").click()
    page.get_by_role("button", name=tr_id("Log out")).click()
    expect(page).to_have_url(re.compile(r"/masuk$"))
    expect(page.locator(".alert-info")).to_contain_text(tr_id("You have logged out."))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/masuk\?next=%2F$"))
