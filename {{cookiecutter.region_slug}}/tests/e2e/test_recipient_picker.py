"""The recipient picker of the draft form on a phone: the drafter types, chooses a
position with a tap, a recipient group with the keyboard and an agency from the address
book; the draft is saved with all of them. Nothing scrolls sideways."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def _setup(live_server) -> dict:
    """A group of the two Kepala Bidang of Kominfo and one agency in the address book."""
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.org.models import Position
    from eoffice.recipients.models import ExternalContact, RecipientGroup
    from eoffice.recipients.services import save_contact, save_group

    def run():
        ids = dict(db.session.execute(sa.select(Position.name, Position.id)).all())
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        if db.session.scalar(sa.select(RecipientGroup).where(
                RecipientGroup.name == "Para Kepala Bidang Kominfo")) is None:
            save_group(None, actor=admin, name="Para Kepala Bidang Kominfo", active=True,
                       position_ids=[ids["Kepala Bidang Aplikasi Informatika"],
                                     ids["Kepala Bidang Informasi dan Komunikasi Publik"]])
        if db.session.scalar(sa.select(ExternalContact).where(
                ExternalContact.name == "Kepala Balai Monitor Spektrum")) is None:
            save_contact(None, actor=admin, name="Kepala Balai Monitor Spektrum",
                         agency="Kementerian Komunikasi dan Digital",
                         address="Jl. Medan Merdeka Barat 9", active=True)
        db.session.commit()
        return ids

    return live_server.run(run)


def test_a_drafter_picks_recipients_by_typing_on_a_phone(new_context, live_server, login_as,
                                                        screenshot):
    ids = _setup(live_server)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    login_as(page, "pegawai")
    page.goto("/surat-keluar/baru")
    page.select_option("select[name=letter_type]", "biasa")
    page.fill("input[name=subject]", "Koordinasi frekuensi radio pemerintah daerah")
    page.locator("input[name=classification_code]").press_sequentially("000.1")
    page.locator("#classification_id-list [role=option]").first.click()

    # To: a position, typed and tapped.
    to = page.locator("#to-picker")
    expect(to).to_be_visible()
    to.press_sequentially("sekretaris dinas")
    option = page.locator("#to-picker-list [role=option]",
                          has_text="Sekretaris Dinas Kominfo")
    option.first.tap()
    chips = page.locator("#to-chips li")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Sekretaris Dinas Kominfo")
    # and an agency from the address book: a line of the external recipients
    to.press_sequentially("balai monitor")
    page.locator("#to-picker-list [role=option]", has_text="Kepala Balai Monitor").tap()
    expect(page.locator("textarea[name=external_to]")).to_have_value(re.compile(
        r"Kepala Balai Monitor Spektrum \| Kementerian Komunikasi dan Digital"))

    # Copies: a group, with the keyboard only; then one member removed again.
    cc = page.locator("#cc-picker")
    cc.press_sequentially("para kepala bidang")
    expect(page.locator("#cc-picker-list [role=option]")).to_have_count(1)
    cc.press("ArrowDown")
    cc.press("Enter")
    cc_chips = page.locator("#cc-chips li")
    expect(cc_chips).to_have_count(2)
    screenshot(page, "30-mobile-recipient-picker")
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen
    cc_chips.filter(has_text="Informasi dan Komunikasi Publik").locator("button").tap()
    expect(cc_chips).to_have_count(1)

    page.locator(".eo-editor [contenteditable]").fill(
        "Dengan hormat, kami mengundang koordinasi penggunaan frekuensi radio.")
    page.select_option("select[name=signer_position_id]",
                       str(ids["Kepala Dinas Komunikasi dan Informatika"]))
    with page.expect_navigation():
        page.locator("#draft-form button[type=submit]").click()
    assert re.search(r"/surat-keluar/\d+$", page.url), page.url
    body = page.locator("main")
    expect(body).to_contain_text("Sekretaris Dinas Kominfo")
    expect(body).to_contain_text("Kepala Balai Monitor Spektrum")
    expect(body).to_contain_text("Kepala Bidang Aplikasi Informatika")
    expect(body).not_to_contain_text("Kepala Bidang Informasi dan Komunikasi Publik")
