"""The public verification page /verifikasi/<token>: no login, the letter's identity,
and an upload that says whether a PDF is the original."""

from __future__ import annotations

import io
import re
import secrets

import pytest
from babel.dates import format_date

from tests.helpers import csrf_token_of, page_text
from tests.outgoing.conftest import log_in
from tests.signing import conftest as signing


@pytest.fixture
def signed(office, make_draft, advance, client):
    """A signed nota dinas and its PDF as issued."""
    letter = advance(make_draft(subject="Permohonan data aplikasi daerah"), "signed")
    log_in(client, office.users["staf_a"])
    pdf = client.get(f"/surat-keluar/{letter.id}/surat.pdf").data
    client.post("/keluar")
    return letter, pdf


def upload(client, token: str, data: bytes | None):
    form = {} if data is None else {"file": (io.BytesIO(data), "surat.pdf")}
    return page_text(client.post(f"/verifikasi/{token}", data=form,
                                 content_type="multipart/form-data"))


def result(page: str) -> str | None:
    match = re.search(r'class="alert alert-(\w+) mt-3" id="verify-result">([^<]*)<', page)
    return f"{match.group(1)}: {match.group(2)}" if match else None


def test_the_page_needs_no_login_and_names_the_letter(client, office, signed):
    letter, _ = signed
    response = client.get(f"/verifikasi/{letter.verify_token}")
    assert response.status_code == 200
    page = page_text(response)
    for expected in (letter.number, letter.subject, letter.signatory["name"], "Kepala Dinas",
                     letter.pdf_sha256, 'type="file"'):
        assert expected in page, expected
    assert format_date(letter.signed_date, "long", locale="en") in page  # tests speak English
    assert result(page) is None


def test_the_original_is_accepted_and_a_modified_copy_refused(client, signed):
    letter, pdf = signed
    assert result(upload(client, letter.verify_token, pdf)) == \
        "success: Yes: this PDF is the original issued letter."
    for modified in (pdf + b"\n", pdf.replace(b"%PDF-1.", b"%PDF-2.", 1), pdf[:-10],
                     b"%PDF-1.7\n%%EOF\n"):
        assert result(upload(client, letter.verify_token, modified)).startswith(
            "danger: No: this file is NOT the original.")


def test_without_a_file_the_page_asks_for_one(client, signed):
    letter, _ = signed
    assert result(upload(client, letter.verify_token, None)) == \
        "warning: Choose the PDF file to check."


def test_the_form_works_with_csrf_protection_on(csrf_client, signed):
    letter, pdf = signed
    page = csrf_client.get(f"/verifikasi/{letter.verify_token}")
    token = csrf_token_of(page)
    answer = page_text(csrf_client.post(
        f"/verifikasi/{letter.verify_token}", content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(pdf), "surat.pdf")}))
    assert result(answer).startswith("success:")


def test_unknown_tokens_are_not_found(client, office, make_draft, advance, signed):
    letter, _ = signed
    unsigned = advance(make_draft(), "approved")
    assert unsigned.verify_token is None
    for token in (secrets.token_hex(20), letter.verify_token[:-1], letter.verify_token.upper(),
                  letter.verify_token + "0", "x" * 65, "None", "pratinjau"):
        assert client.get(f"/verifikasi/{token}").status_code == 404, token
        assert client.post(f"/verifikasi/{token}").status_code == 404, token


def test_tokens_are_long_random_and_distinct(office, make_draft, advance):
    tokens = [advance(make_draft(), "signed").verify_token for _ in range(3)]
    assert all(re.fullmatch(r"[0-9a-f]{40}", token) for token in tokens)  # 160 bits
    assert len(set(tokens)) == 3


@pytest.mark.parametrize("level", ["R", "SR"])
def test_a_classified_letter_is_only_confirmed(client, office, make_draft, advance, level):
    letter = advance(make_draft(security=level, subject="Rencana penertiban aset"), "signed")
    page = page_text(client.get(f"/verifikasi/{letter.verify_token}"))
    assert letter.number in page
    assert "only its existence and number are confirmed" in page
    for hidden in (letter.subject, letter.signatory["name"], letter.pdf_sha256, "Kepala Dinas",
                   'type="file"', "SHA-256"):
        assert hidden not in page, hidden
    from eoffice import files

    answer = upload(client, letter.verify_token, files.read(letter.pdf_file))
    assert result(answer) is None and letter.subject not in answer


# --- the signatures in the letter's PDF (PAdES, checked with pyHanko) -------------------

# The signing fixtures (tests/signing/conftest.py), shared by assignment.
region_ca, region_signer = signing.region_ca, signing.region_signer


def verdict(page: str) -> str | None:
    match = re.search(r'id="(?:signature|uploaded)-verdict"[^>]*data-verdict="(\w+)"', page)
    return match.group(1) if match else None


@pytest.fixture
def signed_with_pades(office, make_draft, advance, region_signer):
    """A signed letter whose stored PDF carries a PAdES signature of the region CA, made
    here with pyHanko (so this does not depend on how sign() holds the key)."""
    import hashlib

    from cryptography.hazmat.primitives import serialization

    from eoffice import files
    from eoffice.extensions import db
    from eoffice.signing import roots
    from eoffice.testing.pytest_plugin import signing_ca

    letter = advance(make_draft(subject="Permohonan data aplikasi daerah"), "signed")
    # sign() signed with the test session's CA: trusted here like a national root
    roots.add_root(signing_ca()[1].public_bytes(serialization.Encoding.PEM), actor=None)
    pdf = signing.sign_pdf(files.read(letter.pdf_file), region_signer)
    letter.pdf_file = files.store(files.check_upload(f"{letter.number}.pdf", pdf,
                                                     allowed=("pdf",)))
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    db.session.commit()
    return letter, pdf


def test_the_page_gives_the_stored_pdfs_verdict_without_an_upload(client, signed_with_pades):
    letter, _ = signed_with_pades
    page = page_text(client.get(f"/verifikasi/{letter.verify_token}"))
    assert verdict(page) == "valid"
    assert "The electronic signature is valid" in page
    report = page[page.index('id="signatures"'):]
    for expected in ("Siti Rahma", "CA Uji", "BUKAN CA NASIONAL", "PAdES B-B",
                     "Unchanged since signing", "Trusted"):
        assert expected in report, expected
    assert result(page) is None  # no upload yet


def test_a_letter_signed_by_sign_is_verified_at_once(client, signed):
    """sign() embeds a PAdES signature: the page checks it against the region's roots."""
    from cryptography.hazmat.primitives import serialization

    from eoffice.extensions import db
    from eoffice.signing import roots
    from eoffice.testing.pytest_plugin import signing_ca

    letter, _ = signed
    page = page_text(client.get(f"/verifikasi/{letter.verify_token}"))
    assert verdict(page) == "untrusted"  # the test session's CA is not this region's
    roots.add_root(signing_ca()[1].public_bytes(serialization.Encoding.PEM), actor=None)
    db.session.commit()
    assert verdict(page_text(client.get(f"/verifikasi/{letter.verify_token}"))) == "valid"


def test_a_letter_issued_before_pades_says_its_pdf_is_unsigned(client, signed):
    """Letters issued before signatures were embedded keep their unsigned PDF."""
    import weasyprint

    from eoffice import files
    from eoffice.extensions import db

    letter, _ = signed
    letter.pdf_file = files.store(files.check_upload(
        "lama.pdf", weasyprint.HTML(string="<p>Surat lama</p>").write_pdf(), allowed=("pdf",)))
    db.session.commit()
    page = page_text(client.get(f"/verifikasi/{letter.verify_token}"))
    assert verdict(page) == "unsigned"


def test_an_uploaded_copy_is_compared_and_its_signatures_checked(client, signed_with_pades):
    letter, pdf = signed_with_pades
    page = upload(client, letter.verify_token, pdf)
    assert result(page) == "success: Yes: this PDF is the original issued letter."
    assert verdict(page[page.index('id="uploaded-report"'):]) == "valid"

    page = upload(client, letter.verify_token, signing.append_page_change(pdf))
    assert result(page).startswith("danger: No: this file is NOT the original.")
    uploaded = page[page.index('id="uploaded-report"'):]
    assert verdict(uploaded) == "altered"
    assert "Altered after signing" in uploaded

    page = upload(client, letter.verify_token, b"bukan pdf" * 100)
    assert verdict(page[page.index('id="uploaded-report"'):]) == "unreadable"
    assert "could not be read as a PDF" in page


@pytest.mark.parametrize("level", ["R", "SR"])
def test_a_classified_letter_shows_no_signature_report(client, office, make_draft, advance,
                                                       region_signer, level):
    from eoffice import files
    from eoffice.extensions import db

    letter = advance(make_draft(security=level, subject="Rencana penertiban aset"), "signed")
    pdf = signing.sign_pdf(files.read(letter.pdf_file), region_signer)
    letter.pdf_file = files.store(files.check_upload("r.pdf", pdf, allowed=("pdf",)))
    db.session.commit()
    for page in (page_text(client.get(f"/verifikasi/{letter.verify_token}")),
                 upload(client, letter.verify_token, pdf)):
        assert letter.number in page
        for hidden in ("Siti Rahma", "CA Uji", "signature-verdict", letter.subject,
                       region_signer.issued.serial):
            assert hidden not in page, hidden
