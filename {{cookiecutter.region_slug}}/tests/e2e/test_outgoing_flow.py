"""Outgoing flow in the browser: a staff member drafts a nota dinas, the first verifier
returns it with a note, the drafter revises, both verifiers approve, the head signs with
their signing passphrase. The number follows the pattern; the PDF shows the letterhead, number,
signature block and a QR code pointing at the verification page, which accepts the
original PDF and rejects a modified one. The internal recipient finds the letter in
their incoming queue and dispositions it."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _setup(live_server) -> dict:
    """Logins for the Sekretaris (recipient) and the Kabid IKP (second verifier)."""
    from eoffice.auth.services import create_user
    from eoffice.demo import DEMO_PASSWORD
    from eoffice.extensions import db
    from eoffice.org.models import Position

    def run():
        ids = dict(db.session.execute(sa.select(Position.name, Position.id)).all())
        for username, name in (("sekdis", "Sekretaris Dinas Kominfo"),
                               ("kabidikp", "Kepala Bidang Informasi dan Komunikasi Publik")):
            position = db.session.get(Position, ids[name])
            from eoffice.auth.models import User

            if db.session.scalar(sa.select(User).where(User.username == username)) is None:
                create_user(username, DEMO_PASSWORD, full_name=position.holder.full_name,
                            roles=["pimpinan", "pegawai"], staff=position.holder)
        db.session.commit()
        return ids

    return live_server.run(run)


def _submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _switch(page, login_as, username):
    page.context.clear_cookies()
    login_as(page, username)


def test_nota_dinas_draft_return_revise_approve_sign_send(page, network, live_server, login_as,
                                                          tmp_path, screenshot):
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    ids = _setup(live_server)
    code = live_server.run(lambda: db.session.scalar(
        sa.select(Classification.id).where(Classification.code == "000.1")))

    # 1. A staff member drafts a nota dinas.
    _switch(page, login_as, "pegawai")
    page.goto("/surat-keluar/baru")
    page.select_option("select[name=letter_type]", "nota_dinas")
    page.fill("input[name=subject]", "Permohonan akses server aplikasi")
    # the classification picker: type words, choose the suggestion from the server
    page.locator("input[name=classification_code]").press_sequentially("ketatausahaan")
    page.locator("[role=option]", has_text="000.1 Ketatausahaan dan Kerumahtanggaan").click()
    assert page.input_value("input[name=classification_id]") == str(code)
    page.select_option("select[name=to_positions]", [str(ids["Sekretaris Dinas Kominfo"])])
    page.locator(".eo-editor [contenteditable]").fill(
        "Dengan hormat, kami mohon akses server untuk aplikasi layanan publik.")
    page.select_option("select[name=verifier_1]",
                       str(ids["Kepala Bidang Aplikasi Informatika"]))
    page.select_option("select[name=verifier_2]",
                       str(ids["Kepala Bidang Informasi dan Komunikasi Publik"]))
    page.select_option("select[name=signer_position_id]",
                       str(ids["Kepala Dinas Komunikasi dan Informatika"]))
    _submit(page)
    letter_url = page.url
    assert re.search(r"/surat-keluar/\d+$", letter_url), letter_url
    with page.expect_navigation():
        page.locator("form[action$='/ajukan'] button").click()

    # 2. The first verifier returns it with a note; the drafter revises it.
    _switch(page, login_as, "admin")
    page.goto(letter_url)
    page.fill("input[name=note]", "Sebutkan nama aplikasinya.")
    with page.expect_navigation():
        page.locator("button[formaction$='/kembalikan']").click()
    _switch(page, login_as, "pegawai")
    page.goto(letter_url)
    expect(page.locator(".alert-warning")).to_contain_text("Sebutkan nama aplikasinya.")
    with page.expect_navigation():
        page.locator("a[href$='/ubah']").click()
    page.locator(".eo-editor [contenteditable]").fill(
        "Dengan hormat, kami mohon akses server untuk aplikasi SIMPEG daerah.")
    page.fill("input[name=revision_note]", "Nama aplikasi ditambahkan")
    _submit(page)
    with page.expect_navigation():
        page.locator("form[action$='/ajukan'] button").click()

    # 3. Both verifiers approve.
    for verifier in ("admin", "kabidikp"):
        _switch(page, login_as, verifier)
        page.goto(letter_url)
        with page.expect_navigation():
            page.locator("button[formaction$='/setujui']").click()
    expect(page.locator("#chain li").nth(1)).to_contain_text(
        "Kepala Bidang Informasi dan Komunikasi Publik")

    # 4. The head signs with their signing passphrase (the demo enrolled a certificate).
    _switch(page, login_as, "pimpinan")
    page.goto(letter_url)
    preview = page.request.get(letter_url + "/pratinjau.pdf")
    assert preview.status == 200 and preview.body().startswith(b"%PDF")
    (tmp_path / "pratinjau.pdf").write_bytes(preview.body())
    draft = re.sub(r"\s+", "", subprocess.run(  # stream order: the watermark is rotated
        ["pdftotext", "-raw", str(tmp_path / "pratinjau.pdf"), "-"], capture_output=True,
        text=True, check=True).stdout)
    assert "KONSEP–BELUMDITANDATANGANI" in draft and "(diberikansaatditandatangani)" in draft
    assert "Ditandatanganisecaraelektronik" not in draft and "/verifikasi/" not in draft
    page.fill("form[action$='/tandatangani'] input[name=passphrase]", "bukan-sandinya-1")
    with page.expect_navigation():
        page.locator("form[action$='/tandatangani'] button").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    from eoffice.demo import DEMO_SIGNING_PASSPHRASE

    page.fill("form[action$='/tandatangani'] input[name=passphrase]", DEMO_SIGNING_PASSPHRASE)
    with page.expect_navigation():
        page.locator("form[action$='/tandatangani'] button").click()
    number = page.locator("#letter-number").inner_text()
    year = dt.date.today().year
    assert re.fullmatch(rf"000\.1/\d+/DISKOMINFO/{year}", number), number
    screenshot(page, "outgoing-01-signed")

    pdf = page.request.get(letter_url + "/surat.pdf").body()
    pdf_path = tmp_path / "nota.pdf"
    pdf_path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    agency = live_server.app.config["AGENCY_NAME"].upper()
    for expected in (agency, "DINAS KOMUNIKASI DAN INFORMATIKA",
                     "NOTA DINAS", number, "Kepala Dinas Komunikasi dan Informatika", "NIP",
                     "SIMPEG daerah", "Ditandatangani secara elektronik"):
        assert expected in flat, expected
    verify_href = page.locator("a[href*='/verifikasi/']").get_attribute("href")
    assert verify_href.split("/verifikasi/")[1] in flat.replace(" ", "")
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf_path),
                        str(tmp_path / "page")], check=True)
        image = next(tmp_path.glob("page*.png"))
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)],
                                 capture_output=True, text=True).stdout.strip()
        assert decoded.endswith(verify_href), decoded

    # The public verification page accepts the original and rejects a modified copy.
    page.context.clear_cookies()
    page.goto(verify_href)
    expect(page.locator("#verified-letter")).to_contain_text(number)
    page.set_input_files("input[name=file]", str(pdf_path))
    with page.expect_navigation():
        page.locator("main form button").click()
    expect(page.locator("#verify-result")).to_have_class(re.compile("alert-success"))
    modified = tmp_path / "nota-ubah.pdf"
    modified.write_bytes(pdf.replace(b"SIMPEG", b"SIMPEL") if b"SIMPEG" in pdf else pdf + b" ")
    page.set_input_files("input[name=file]", str(modified))
    with page.expect_navigation():
        page.locator("main form button").click()
    expect(page.locator("#verify-result")).to_have_class(re.compile("alert-danger"))

    # The drafter sends it; the internal recipient finds it and dispositions it.
    _switch(page, login_as, "pegawai")
    page.goto(letter_url)
    with page.expect_navigation():
        page.locator("form[action$='/kirim'] button").click()
    _switch(page, login_as, "sekdis")
    page.goto("/surat-masuk/?antrian=to_read")
    row = page.locator("#letters-table tr", has_text="Permohonan akses server aplikasi")
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.locator("a").first.click()
    with page.expect_navigation():
        page.locator("a[href*='/disposisi/surat/']").click()
    page.locator("input[name=to_positions]").first.check()
    page.fill("textarea[name=note]", "Mohon disiapkan.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".disposition")).to_have_count(1)
    screenshot(page, "outgoing-02-disposed")
