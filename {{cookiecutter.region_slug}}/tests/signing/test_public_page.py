"""The public page /verifikasi: anyone checks the signatures of any PDF, no login, no
token."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers import csrf_token_of, page_text
from tests.signing.conftest import append_page_change, sign_pdf


def verdict(page: str) -> str | None:
    match = re.search(r'id="signature-verdict"[^>]*data-verdict="(\w+)"', page)
    return match.group(1) if match else None


def post(client, data: bytes | None, name: str = "surat.pdf"):
    form = {} if data is None else {"file": (io.BytesIO(data), name)}
    return client.post("/verifikasi", data=form, content_type="multipart/form-data")


def test_the_form_needs_no_login(client):
    response = client.get("/verifikasi")
    assert response.status_code == 200
    page = page_text(response)
    assert 'type="file"' in page and verdict(page) is None


def test_a_signed_pdf_gets_its_report(client, plain_pdf, region_signer):
    page = page_text(post(client, sign_pdf(plain_pdf, region_signer)))
    assert verdict(page) == "valid"
    for expected in ("Siti Rahma", "CA Uji", region_signer.issued.serial, "PAdES B-B",
                     "Unchanged since signing", "Trusted"):
        assert expected in page, expected


def test_an_altered_pdf_is_reported_altered(client, plain_pdf, region_signer):
    page = page_text(post(client, append_page_change(sign_pdf(plain_pdf, region_signer))))
    assert verdict(page) == "altered"
    assert "Altered after signing" in page


def test_an_unknown_ca_is_untrusted(client, plain_pdf, region_ca, foreign_signer):
    page = page_text(post(client, sign_pdf(plain_pdf, foreign_signer)))
    assert verdict(page) == "untrusted"
    assert "Andi Pratama" in page and "Not trusted" in page


@pytest.mark.parametrize("data", [b"bukan pdf" * 50, b"", b"%PDF-1.7\n"],
                         ids=["text", "empty", "bare header"])
def test_garbage_gets_a_clear_message(client, region_ca, data):
    response = post(client, data)
    assert response.status_code == 200
    page = page_text(response)
    assert verdict(page) == "unreadable"
    assert "could not be read as a PDF" in page


def test_an_unsigned_pdf_is_unsigned(client, plain_pdf, region_ca):
    page = page_text(post(client, plain_pdf))
    assert verdict(page) == "unsigned"
    assert "carries no electronic signature" in page


def test_without_a_file_the_page_asks_for_one(client):
    assert "Choose the PDF file to check." in page_text(post(client, None))


def test_a_file_over_the_limit_is_refused_clearly(app, client, monkeypatch, plain_pdf):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    monkeypatch.setitem(app.config, "FILE_MAX_BYTES", 1024 * 1024)
    big = plain_pdf + b"\n%" + b"x" * (1024 * 1024 + 100 * 1024)
    # Encoded in memory: the test client would spool so large a body to a temporary
    # file that nobody closes once the app refuses to read it.
    boundary, body = encode_multipart(MultiDict(
        {"file": FileStorage(io.BytesIO(big), "surat.pdf")}))
    response = client.post("/verifikasi", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Uploads may be at most 1 MB." in page_text(response)


def test_the_form_works_with_csrf_protection_on(app, csrf_app, csrf_client, plain_pdf,
                                                region_signer, monkeypatch):
    monkeypatch.setattr(csrf_app, "instance_path", app.instance_path)  # the same region CA
    token = csrf_token_of(csrf_client.get("/verifikasi"))
    page = page_text(csrf_client.post(
        "/verifikasi", content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(sign_pdf(plain_pdf, region_signer)),
                                            "surat.pdf")}))
    assert verdict(page) == "valid"
    refused = csrf_client.post("/verifikasi", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.7"), "surat.pdf")})
    assert refused.status_code == 400


def test_the_login_page_links_to_it(client):
    assert 'href="/verifikasi"' in page_text(client.get("/masuk"))


def test_the_verification_pages_never_take_the_write_lock(app):
    """A public POST that writes nothing must not hold the database's write lock (SQLite:
    one writer at a time) while it reads an upload and checks signatures."""
    from eoffice.numbering import LOCKS_ITSELF

    for endpoint in ("verify.verify", "verify.verify_file"):
        assert getattr(app.view_functions[endpoint], LOCKS_ITSELF, False), endpoint
