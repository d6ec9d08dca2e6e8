"""Pemberkasan in the browser: a clerk opens a berkas, registers a letter of its code,
files it from the letter's page, sees it in the daftar isi berkas, and closes the berkas
(its retention dates from the JRA appear)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CODE = "000.1.2.3"


def test_file_a_letter_into_a_berkas(page, network, live_server, login_as, screenshot):
    import sqlalchemy as sa

    from eoffice.extensions import db
    from eoffice.org.models import Position

    kadis = live_server.run(lambda: db.session.scalar(sa.select(Position.id).where(
        Position.name == "Kepala Dinas Komunikasi dan Informatika")))
    today = dt.date.today()
    login_as(page, "pencatat")

    # 1. Open a berkas of the code (typed: the server reads the code without the picker).
    page.goto("/pemberkasan/baru")
    page.fill("input[name=classification_code]", CODE)
    page.fill("input[name=title]", "Surat edaran ketatausahaan uji peramban")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#berkas-title")).to_have_text("Surat edaran ketatausahaan uji peramban")
    berkas_url = page.url

    # 2. Register a letter of that code.
    page.goto("/surat-masuk/baru")
    page.fill("input[name=sender]", "Sekretariat Daerah Provinsi")
    page.fill("input[name=sender_number]", "000.1.2.3/55/SETDA")
    page.fill("input[name=letter_date]", (today - dt.timedelta(days=2)).isoformat())
    page.fill("input[name=received_date]", today.isoformat())
    page.fill("input[name=subject]", "Edaran tata naskah dinas untuk diberkaskan")
    page.fill("input[name=classification_code]", CODE)
    page.keyboard.press("Escape")
    page.select_option("select[name=to_positions]", [str(kadis)])
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#agenda-number")).to_have_text(re.compile(r"^\d{5}$"))
    agenda = page.locator("#agenda-number").inner_text()

    # 3. File it from the letter's page into the berkas just opened.
    card = page.locator("#letter-berkas")
    expect(card.locator("select[name=berkas_id]")).to_contain_text(
        "Surat edaran ketatausahaan uji peramban")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    expect(page.locator("#letter-berkas")).to_contain_text(
        "Surat edaran ketatausahaan uji peramban")
    screenshot(page, "filing-01-letter-filed")

    # 4. The daftar isi berkas lists it; closing gives the retention dates.
    page.goto(berkas_url)
    expect(page.locator("#berkas-items")).to_contain_text(agenda)
    expect(page.locator("#berkas-items")).to_contain_text(
        "Edaran tata naskah dinas untuk diberkaskan")
    with page.expect_navigation():
        page.locator("form[action$='/tutup'] button").click()
    expect(page.locator("#berkas-status")).not_to_have_text(re.compile("open|terbuka"))
    screenshot(page, "filing-02-closed")
