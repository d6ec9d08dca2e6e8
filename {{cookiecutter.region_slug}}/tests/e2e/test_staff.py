"""An administrator adds a civil servant through the form and finds them again."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NAME = "Rahmawati Kusumawardani"
WRONG_NAME = "Sulastri Wahyuningtyas"


def _fresh_nip() -> str:
    """A valid NIP (born 15 June 1985, TMT CPNS January 2010, female) nobody holds yet."""
    from eoffice.extensions import db
    from eoffice.staff.models import Staff
    from eoffice.staff.nip import make_nip

    taken = set(db.session.scalars(sa.select(Staff.nip).where(Staff.nip.is_not(None))))
    for sequence in range(42, 1000):
        nip = make_nip(dt.date(1985, 6, 15), 2010, 1, "P", sequence)
        if nip not in taken:
            return nip
    raise AssertionError("no free NIP")


def _unit_label(code: str) -> str:
    """The label the unit has in the form's select, e.g. "— — Bidang ... (CODE)"."""
    from eoffice.extensions import db
    from eoffice.org.models import Unit
    from eoffice.org.services import unit_choices

    unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
    return dict(unit_choices())[unit_id]


def _count_named(name: str) -> int:
    from eoffice.extensions import db
    from eoffice.staff.models import Staff

    return db.session.scalar(sa.select(sa.func.count()).select_from(Staff)
                             .where(Staff.name == name))


def _search(page, text: str):
    box = page.locator("form[role=search] input[name=q]")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")
    expect(box).to_have_value(text)
    return page.locator("#staff-table tbody tr")


def test_admin_adds_a_pns_and_finds_them(page, live_server, login_as, nav_link, tr_id,
                                         screenshot):
    from eoffice.staff.nip import format_nip

    nip = live_server.run(_fresh_nip)
    typed = format_nip(nip)  # "19850615 201001 2 042": typed with spaces, as people do
    login_as(page, "admin")

    nav_link(page, tr_id("Staff")).click()
    page.get_by_role("link", name=tr_id("Add staff member")).click()
    expect(page).to_have_url(re.compile(r"/pegawai/baru$"))
    form = page.locator("main form")
    form.locator("select[name=employment_type]").select_option("pns")
    form.locator("input[name=nip]").fill(typed)
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=back_title]").fill("S.Kom.")
    form.locator("input[name=birth_place]").fill("Surakarta")
    form.locator("select[name=golongan_code]").select_option("III/b")
    form.locator("select[name=jabatan_type]").select_option("fungsional")
    form.locator("input[name=jabatan_name]").fill("Pranata Komputer Ahli Muda")
    form.locator("select[name=unit_id]").select_option(
        label=live_server.run(lambda: _unit_label("DISKOMINFO.APTIKA")))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/pegawai/\d+$"))
    full_name = f"{NAME}, S.Kom."
    expect(page.locator(".alert-success")).to_contain_text(
        tr_id("Staff member %(n)s has been added.") % {"n": full_name})
    expect(page.locator("main h1")).to_have_text(full_name)
    expect(page.locator("#nip")).to_have_text(typed)
    details = page.locator("main dl")
    expect(details).to_contain_text(tr_id("Female"))  # taken from digit 15 of the NIP
    expect(details).to_contain_text("III/b")
    expect(details).to_contain_text("Bidang Aplikasi Informatika")
    screenshot(page, "03-staff-detail")

    nav_link(page, tr_id("Staff")).click()
    rows = _search(page, "kusumaward")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(full_name)
    expect(rows.first.locator(".eo-nip")).to_have_text(typed)
    screenshot(page, "04-staff-search")

    rows = _search(page, nip)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(full_name)
    rows = _search(page, typed[:17])  # "19850615 201001 2": birth date, TMT and gender
    expect(rows.filter(has_text=full_name)).to_have_count(1)

    rows.filter(has_text=full_name).get_by_role("link").click()
    expect(page.locator("#nip")).to_have_text(typed)


def test_wrong_nip_shows_the_field_error_and_saves_nothing(
        page, live_server, login_as, tr_id, screenshot):
    login_as(page, "admin")
    page.goto("/pegawai/baru")
    form = page.locator("main form")
    form.locator("select[name=employment_type]").select_option("pns")
    form.locator("input[name=nip]").fill("19851315 201001 2 043")  # month 13
    form.locator("input[name=name]").fill(WRONG_NAME)
    form.locator("select[name=golongan_code]").select_option("III/a")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/pegawai/baru$"))
    expect(page.locator(".alert-danger")).to_have_text(
        tr_id("Please correct the marked fields."))
    nip_input = form.locator("input[name=nip]")
    expect(nip_input).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(nip_input).to_have_value("19851315 201001 2 043")
    field = form.locator("div.mb-3", has=page.locator("input[name=nip]"))
    expect(field.locator(".invalid-feedback")).to_have_text(
        tr_id("Digits 1-8 of the NIP are not a real birth date (YYYYMMDD)."))
    # Nothing else is marked but the gender, which a PNS's NIP would have given.
    invalid = form.locator(".is-invalid").evaluate_all("els => els.map(e => e.name)")
    assert set(invalid) <= {"nip", "gender"}, invalid
    screenshot(page, "05-staff-form-wrong-nip")

    assert live_server.run(lambda: _count_named(WRONG_NAME)) == 0
    page.goto("/pegawai/")
    expect(_search(page, WRONG_NAME)).to_have_count(0)
    expect(page.locator("main")).to_contain_text(tr_id("No records."))
