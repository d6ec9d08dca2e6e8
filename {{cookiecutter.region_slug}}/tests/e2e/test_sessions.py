"""In the browser: the password strength meter (a static script asking the server) and
ending one's other sessions from *Sesi saya*."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_strength_meter_shows_the_server_verdict_as_one_types(
        page, network, login_as, tr_id, screenshot):
    login_as(page, "pegawai")
    page.goto("/akun/kata-sandi")
    meter = page.locator("#password-meter")
    expect(meter).to_be_visible()  # shown by the script; hidden without JavaScript
    field = page.locator("input[name=new]")
    field.fill("password1234")
    expect(meter.locator("[data-meter-text]")).to_have_text(
        tr_id("Not accepted") + ": " + tr_id(
            "This password is on a list of common or leaked passwords. Choose another."))
    expect(meter.locator(".progress-bar")).to_have_class(re.compile(r"\bbg-danger\b"))
    field.fill("kopi tubruk di warung")
    expect(meter.locator("[data-meter-text]")).to_have_text(
        re.compile("^(" + re.escape(tr_id("Strong")) + "|" + re.escape(tr_id("Very strong"))
                   + ")$"))
    expect(meter.locator(".progress-bar")).to_have_class(re.compile(r"\bbg-(info|success)\b"))
    screenshot(page, "password-meter")
    field.fill("")
    expect(meter.locator("[data-meter-text]")).to_have_text("")
    checks = [u for u in network.requests if u.endswith("/akun/kata-sandi/periksa")]
    assert checks, "the meter asks the server"


def test_ending_the_other_sessions_logs_the_other_browser_out(
        page, new_context, login_as, tr_id, screenshot):
    other = new_context().new_page()
    login_as(other, "pencatat")
    login_as(page, "pencatat")
    page.goto("/akun/sesi")
    expect(page.locator("#sessions tr[aria-current=true]")).to_contain_text(tr_id("this session"))
    assert page.locator("#sessions tbody tr").count() >= 2
    page.locator("input[name=password]").fill("bukan-sandinya-1")
    page.get_by_role("button", name=tr_id("End all other sessions")).click()
    expect(page.locator(".invalid-feedback")).to_have_text(tr_id("The password is wrong."))
    from eoffice.demo import DEMO_PASSWORD

    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=tr_id("End all other sessions")).click()
    expect(page.locator(".alert-info")).to_contain_text(re.compile(r"\d+"))
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    screenshot(page, "my-sessions")
    other.goto("/")
    expect(other).to_have_url(re.compile(r"/masuk\?next="))
    expect(other.locator(".alert-warning")).to_contain_text(
        tr_id("Your session has ended. Please log in again."))
