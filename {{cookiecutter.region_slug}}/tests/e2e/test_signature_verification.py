"""Electronic signature end to end, in the browser (issue 10): a staff member drafts a
nota dinas, a verifier gives the paraf, the head signs with the demo signing passphrase.
The issued PDF carries a PAdES signature that pyHanko and poppler's ``pdfsig`` accept; the
verification page its QR code points at says "valid" at once, without an upload; a copy
changed after signing, uploaded to the public verification page (no token), is reported
altered."""

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SUBJECT = "Laporan pemeliharaan jaringan kantor"


def _positions(live_server) -> dict[str, int]:
    from eoffice.extensions import db
    from eoffice.org.models import Position

    return live_server.run(lambda: dict(db.session.execute(
        sa.select(Position.name, Position.id)).all()))


def _switch(page, login_as, username):
    page.context.clear_cookies()
    login_as(page, username)


def test_signed_letter_verifies_and_altered_copy_does_not(page, network, live_server, login_as,
                                                          user_full_name, tmp_path, screenshot):
    from eoffice.archive.models import Classification
    from eoffice.demo import DEMO_SIGNING_PASSPHRASE
    from eoffice.extensions import db
    from eoffice.signing import verify

    ids = _positions(live_server)
    code = live_server.run(lambda: db.session.scalar(
        sa.select(Classification.id).where(Classification.code == "000.1")))

    # 1. The drafter writes the letter and submits it.
    _switch(page, login_as, "pegawai")
    page.goto("/surat-keluar/baru")
    page.select_option("select[name=letter_type]", "nota_dinas")
    page.fill("input[name=subject]", SUBJECT)
    page.locator("input[name=classification_code]").press_sequentially("ketatausahaan")
    page.locator("[role=option]", has_text="000.1 Ketatausahaan dan Kerumahtanggaan").click()
    assert page.input_value("input[name=classification_id]") == str(code)
    page.select_option("select[name=to_positions]", [str(ids["Sekretaris Dinas Kominfo"])])
    page.locator(".eo-editor [contenteditable]").fill(
        "Dengan hormat, bersama ini kami laporkan pemeliharaan jaringan kantor bulan ini.")
    page.select_option("select[name=verifier_1]",
                       str(ids["Kepala Bidang Aplikasi Informatika"]))
    page.select_option("select[name=signer_position_id]",
                       str(ids["Kepala Dinas Komunikasi dan Informatika"]))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    letter_url = page.url
    assert re.search(r"/surat-keluar/\d+$", letter_url), letter_url
    with page.expect_navigation():
        page.locator("form[action$='/ajukan'] button").click()

    # 2. Paraf.
    _switch(page, login_as, "admin")
    page.goto(letter_url)
    with page.expect_navigation():
        page.locator("button[formaction$='/setujui']").click()

    # 3. The signatory signs with the signing passphrase of their enrolled certificate.
    _switch(page, login_as, "pimpinan")
    page.goto(letter_url)
    page.fill("form[action$='/tandatangani'] input[name=passphrase]", DEMO_SIGNING_PASSPHRASE)
    with page.expect_navigation():
        page.locator("form[action$='/tandatangani'] button").click()
    expect(page.locator("#letter-number")).not_to_be_empty()
    number = page.locator("#letter-number").inner_text()

    # 4. The issued PDF, downloaded, carries a valid PAdES signature.
    pdf = page.request.get(letter_url + "/surat.pdf").body()
    assert pdf.startswith(b"%PDF")
    pdf_path = tmp_path / "surat.pdf"
    pdf_path.write_bytes(pdf)
    report = live_server.run(lambda: verify.check_pdf(pdf))
    assert report.verdict == verify.VALID, report
    assert len(report.signatures) == 1 and report.signatures[0].level == "PAdES B-B"
    assert report.signatures[0].intact and report.signatures[0].trusted
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(pdf_path)], capture_output=True, text=True).stdout
        assert "Signature Validation: Signature is Valid." in out, out

    # 5. The verification page behind the QR code says "valid" without an upload,
    #    also to someone not logged in.
    verify_href = page.locator("a[href*='/verifikasi/']").first.get_attribute("href")
    page.context.clear_cookies()
    page.goto(verify_href)
    expect(page.locator("#verified-letter")).to_contain_text(number)
    expect(page.locator("#signature-verdict")).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#signature-1")).to_contain_text(user_full_name("pimpinan"))
    screenshot(page, "tte-01-verification-valid")

    # 6. A copy changed after signing (one letter of the text) is reported altered on the
    #    public page, which needs no token.
    marker = b"pemeliharaan"
    altered = pdf.replace(marker, b"pemeliharaaN", 1) if marker in pdf else None
    if altered is None:  # the text is in a compressed stream: flip a byte inside the range
        start = pdf.index(b"stream", len(pdf) // 4) + 40
        altered = pdf[:start] + bytes([pdf[start] ^ 0x01]) + pdf[start + 1:]
    altered_path = tmp_path / "surat-diubah.pdf"
    altered_path.write_bytes(altered)
    page.goto("/verifikasi")
    page.set_input_files("input[name=file]", str(altered_path))
    with page.expect_navigation():
        page.locator("main form button").click()
    expect(page.locator("#signature-verdict")).to_have_attribute("data-verdict", "altered")
    screenshot(page, "tte-02-public-altered")

    # ... and the untouched file is valid there too.
    page.set_input_files("input[name=file]", str(pdf_path))
    with page.expect_navigation():
        page.locator("main form button").click()
    expect(page.locator("#signature-verdict")).to_have_attribute("data-verdict", "valid")


def test_joint_letter_signed_by_two_officials_in_turn(page, network, live_server, login_as,
                                                       user_full_name, tmp_path):
    """Two signatories: the drafter lists the Kepala Dinas, then the Kabid Aptika; the
    second sees the letter to sign only once the first has signed; the verification page
    lists both signatures, valid."""
    from eoffice.archive.models import Classification
    from eoffice.demo import DEMO_SIGNING_PASSPHRASE
    from eoffice.extensions import db
    from eoffice.signing import verify

    ids = _positions(live_server)
    code = live_server.run(lambda: db.session.scalar(
        sa.select(Classification.id).where(Classification.code == "000.1")))
    _switch(page, login_as, "pegawai")
    page.goto("/surat-keluar/baru")
    page.select_option("select[name=letter_type]", "nota_dinas")
    page.fill("input[name=subject]", "Nota bersama jadwal pemeliharaan server")
    page.locator("input[name=classification_code]").press_sequentially("ketatausahaan")
    page.locator("[role=option]", has_text="000.1 Ketatausahaan dan Kerumahtanggaan").click()
    assert page.input_value("input[name=classification_id]") == str(code)
    page.select_option("select[name=to_positions]", [str(ids["Sekretaris Dinas Kominfo"])])
    page.locator(".eo-editor [contenteditable]").fill(
        "Dengan hormat, jadwal pemeliharaan server ditetapkan bersama.")
    page.select_option("select[name=signer_position_id]",
                       str(ids["Kepala Dinas Komunikasi dan Informatika"]))
    page.select_option("select[name=co_signer_1]",
                       str(ids["Kepala Bidang Aplikasi Informatika"]))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    letter_url = page.url
    assert re.search(r"/surat-keluar/\d+$", letter_url), letter_url
    expect(page.locator("#signatories li")).to_have_count(2)
    with page.expect_navigation():
        page.locator("form[action$='/ajukan'] button").click()

    # The second signatory's turn has not come yet.
    _switch(page, login_as, "admin")
    page.goto(letter_url)
    expect(page.locator("#sign-card")).to_have_count(0)

    for username in ("pimpinan", "admin"):
        _switch(page, login_as, username)
        page.goto(letter_url)
        page.fill("#sign-card input[name=passphrase]", DEMO_SIGNING_PASSPHRASE)
        with page.expect_navigation():
            page.locator("form[action$='/tandatangani'] button").click()
        expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#signatories li[data-state=signed]")).to_have_count(2)

    pdf = page.request.get(letter_url + "/surat.pdf").body()
    report = live_server.run(lambda: verify.check_pdf(pdf))
    assert report.verdict == verify.VALID and len(report.signatures) == 2, report
    if shutil.which("pdfsig"):
        path = tmp_path / "bersama.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert out.count("Signature Validation: Signature is Valid.") == 2, out
    verify_href = page.locator("a[href*='/verifikasi/']").first.get_attribute("href")
    page.context.clear_cookies()
    page.goto(verify_href)
    expect(page.locator("#signature-verdict")).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#signature-1")).to_contain_text(user_full_name("pimpinan"))
    expect(page.locator("#signature-2")).to_contain_text(user_full_name("admin"))
