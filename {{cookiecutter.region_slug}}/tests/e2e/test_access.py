"""What each role sees: the menu, the 403 page, and a head's view of their own units."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_pegawai_has_no_staff_menu_and_gets_403(page, login_as, nav_link, tr_id, screenshot):
    login_as(page, "pegawai")
    expect(nav_link(page, tr_id("Dashboard"))).to_be_visible()
    expect(page.locator("#mainNav a[href='/pegawai/']")).to_have_count(0)
    expect(page.locator("#mainNav a[href='/lokal/rekap-pegawai/']")).to_have_count(0)

    response = page.goto("/pegawai/")
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text(re.compile(
        rf"^\s*403\s+{re.escape(tr_id('Not allowed'))}\s*$"))
    expect(page.locator("main")).to_contain_text(tr_id("You do not have access to this page."))
    screenshot(page, "07-forbidden-pegawai")
    assert page.goto("/lokal/rekap-pegawai/").status == 403
    assert page.goto("/pegawai/baru").status == 403

    page.get_by_role("link", name=tr_id("Back to the dashboard")).click()
    expect(page).to_have_url(re.compile(r"/$"))


def _pimpinan_scope():
    """Unit names the head of Diskominfo may see, their staff count, and an outsider."""
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.org.models import Position, Unit
    from eoffice.security import staff_scope
    from eoffice.staff.models import Staff

    user = db.session.scalar(sa.select(User).where(User.username == "pimpinan"))
    scope = staff_scope(user)
    names = set(db.session.scalars(sa.select(Unit.name).where(Unit.id.in_(scope))))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Staff).where(
        sa.or_(Staff.unit_id.in_(scope), Staff.id == user.staff_id)))
    sekda = db.session.scalar(sa.select(Position).where(Position.name == "Sekretaris Daerah"))
    return names, total, (sekda.holder.id, sekda.holder.name)


def test_pimpinan_sees_the_staff_of_their_units_only(
        page, live_server, login_as, nav_link, tr_id, screenshot):
    names, total, (outsider_id, outsider_name) = live_server.run(_pimpinan_scope)
    assert "Dinas Komunikasi dan Informatika" in names and "Dinas Kesehatan" not in names
    login_as(page, "pimpinan")
    nav_link(page, tr_id("Staff")).click()
    expect(page).to_have_url(re.compile(r"/pegawai/$"))

    rows = page.locator("#staff-table tbody tr")
    expect(rows.first).to_be_visible()
    shown_units = set(rows.locator("td:nth-child(5)").all_inner_texts())
    assert shown_units and shown_units <= names, shown_units - names
    per_page = rows.count()
    expect(page.locator("main")).to_contain_text(
        tr_id("%(first)d–%(last)d of %(total)d") % {
            "first": 1, "last": min(per_page, total), "total": total})
    # Heads read the list but do not edit it.
    expect(page.locator("a[href='/pegawai/baru']")).to_have_count(0)
    screenshot(page, "08-staff-list-pimpinan")

    box = page.locator("form[role=search] input[name=q]")
    box.fill(outsider_name)
    with page.expect_navigation():
        box.press("Enter")
    expect(page.locator("main")).to_contain_text(tr_id("No records."))
    expect(rows).to_have_count(0)
    assert page.goto(f"/pegawai/{outsider_id}").status == 404
