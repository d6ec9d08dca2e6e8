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
