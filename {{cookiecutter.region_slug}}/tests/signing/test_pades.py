"""Issued letters carry a PAdES signature made with the signatory's enrolled certificate;
a refused signature (wrong passphrase, revoked, expired, not enrolled) takes no number."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from eoffice.testing.pytest_plugin import TEST_PASSWORD, TEST_SIGNING_PASSPHRASE, signing_ca
from tests.helpers import page_text
from tests.outgoing.conftest import log_in


def signed_pdf(letter) -> bytes:
    from eoffice import files

    return files.read(letter.pdf_file)


def validate(pdf: bytes):
    """pyHanko's status of the letter's one embedded signature, the test CA trusted."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from eoffice.signing.pades import run_coroutine

    root = asn1_x509.Certificate.load(signing_ca()[1].public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    # Async, through run_coroutine: the browser tests may leave an event loop running.
    return run_coroutine(lambda: async_validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=[root])))


def counter(year: int) -> int:
    from eoffice import numbering

    return numbering.peek("surat", str(year))


def reload(letter):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    db.session.expire_all()
    return db.session.get(OutgoingLetter, letter.id)


def test_an_issued_letter_carries_a_valid_pades_signature(office, make_draft, advance):
    from pyhanko.sign.fields import SigSeedSubFilter

    letter = advance(make_draft(), "signed")
    pdf = signed_pdf(letter)
    status = validate(pdf)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["common_name"] == office.users["kadis"].full_name
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert embedded.sig_object["/SubFilter"] == SigSeedSubFilter.PADES.value
    assert letter.number in str(embedded.sig_object["/Reason"])
    # The stored SHA-256 is that of the signed file.
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256


def test_pdfsig_reads_the_signature_as_valid(office, make_draft, advance, tmp_path):
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    letter = advance(make_draft(), "signed")
    path = tmp_path / "surat.pdf"
    path.write_bytes(signed_pdf(letter))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,  # noqa: S603,S607
                         timeout=60)
    # Its certificate line may say the issuer is not trusted: the test CA is not in NSS.
    assert "Signature Validation: Signature is Valid." in out.stdout, out.stdout + out.stderr


def test_one_changed_byte_breaks_the_signature(office, make_draft, advance):
    from pyhanko.pdf_utils.reader import PdfFileReader

    letter = advance(make_draft(subject="Permohonan data aplikasi"), "signed")
    pdf = signed_pdf(letter)
    start, length, _, _ = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0] \
        .sig_object["/ByteRange"]
    # A byte of the first signed range, inside the page content WeasyPrint wrote.
    position = pdf.index(b"stream", start + 200) + 20
    assert position < length
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1:]
    status = validate(tampered)
    assert not status.intact and not status.bottom_line


@pytest.mark.parametrize("case", ["wrong_passphrase", "account_password", "revoked",
                                  "expired", "not_yet_valid", "not_enrolled"])
def test_a_refused_signature_takes_no_number(case, client, office, make_draft, advance,
                                             enrol_signer):
    from eoffice import audit
    from eoffice.letters.services import today_local
    from eoffice.signing import sertifikat

    kadis = office.users["kadis"]
    passphrase = TEST_SIGNING_PASSPHRASE
    expected = {
        "wrong_passphrase": "The signing passphrase is wrong.",
        "account_password": "The signing passphrase is wrong.",
        "revoked": "Your signing certificate has been revoked: enrol a new one.",
        "expired": "Your signing certificate expired on",
        "not_yet_valid": "Your signing certificate is valid only from",
        "not_enrolled": "You have no signing certificate yet",
    }[case]
    if case == "wrong_passphrase":
        passphrase = "bukan-frasanya-1"
    elif case == "account_password":
        passphrase = TEST_PASSWORD  # the account password no longer signs
    elif case == "revoked":
        sertifikat.revoke(sertifikat.current_certificate(kadis), actor=office.users["admin"],
                          reason="Laptop hilang")
    elif case == "expired":
        enrol_signer(kadis, days=-1)
    elif case == "not_yet_valid":
        enrol_signer(kadis, starts_in_days=2)
    else:
        from eoffice.extensions import db
        from eoffice.signing.models import SigningCertificate

        db.session.execute(sa.delete(SigningCertificate).where(
            SigningCertificate.user_id == kadis.id))
    from eoffice.extensions import db

    db.session.commit()
    letter = advance(make_draft(), "approved")
    year = today_local().year
    before = counter(year)
    failures = kadis.failed_logins
    log_in(client, kadis)
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": passphrase}, follow_redirects=True))
    assert expected in page
    warned = 'id="signing-problem"' in client.get(f"/surat-keluar/{letter.id}").get_data(
        as_text=True)
    assert warned is (case not in ("wrong_passphrase", "account_password"))  # told up front
    letter = reload(letter)
    assert letter.status == "approved" and letter.number is None and letter.pdf_file_id is None
    assert counter(year) == before
    refused = [e for e in audit.events_for("outgoing_letters", letter.id)
               if e.action == "outgoing.sign_refused"]
    code = {"account_password": "wrong_passphrase", "not_yet_valid": "expired"}.get(case, case)
    assert [e.data["reason"] for e in refused] == [code]
    db.session.expire_all()
    assert kadis.failed_logins == failures + (1 if code == "wrong_passphrase" else 0)


def test_the_sign_form_over_http_signs_with_the_passphrase(client, office, make_draft, advance):
    letter = advance(make_draft(), "approved")
    log_in(client, office.users["kadis"])
    detail = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert 'name="passphrase"' in detail and "Signing passphrase" in detail
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": ""}, follow_redirects=True))
    assert "Type your signing passphrase to sign." in page
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": TEST_SIGNING_PASSPHRASE},
                                 follow_redirects=True))
    assert "Signed. The number has been issued." in page
    letter = reload(letter)
    assert letter.status == "signed" and validate(signed_pdf(letter)).bottom_line


def test_a_plugin_backend_replaces_the_core_one(app, office, make_draft, advance, monkeypatch):
    """``signing.backend`` picks a backend a plugin registered (eoffice_signing_backends);
    an unknown name refuses with a message for the administrator."""
    from eoffice.outgoing import services
    from eoffice.plugins.manager import plugin_manager
    from eoffice.signing.backends import SigningError
    from eoffice.testing.pytest_plugin import issue_test_certificate

    class Remote:
        name = "layanan-uji"
        calls: list = []

        def sign_pdf(self, pdf_bytes, *, user, passphrase, reason, location):
            from eoffice.signing import pades

            if passphrase != "kode-otp-123":
                raise SigningError("wrong_passphrase", "OTP salah")
            self.calls.append((user.username, reason, location))
            key, certificate = issue_test_certificate("Layanan Uji")
            return pades.sign(pdf_bytes, key=key, certificate=certificate,
                              chain=[signing_ca()[1]], reason=reason, location=location)

    class Plugin:
        from eoffice.plugins.core import hookimpl

        @hookimpl
        def eoffice_signing_backends(self, app):
            return [Remote()]

    manager = plugin_manager(app)
    plugin = Plugin()
    manager.register(plugin, name="test-remote-signing")
    try:
        monkeypatch.setitem(app.config, "SIGNING_BACKEND", "tidak-ada")
        letter = advance(make_draft(), "approved")
        with pytest.raises(services.OutgoingError, match="not available"):
            services.sign(letter, actor=office.users["kadis"], passphrase="x")
        monkeypatch.setitem(app.config, "SIGNING_BACKEND", "layanan-uji")
        with pytest.raises(services.OutgoingError, match="OTP salah"):
            services.sign(reload(letter), actor=office.users["kadis"], passphrase="salah")
        letter = reload(letter)
        services.sign(letter, actor=office.users["kadis"], passphrase="kode-otp-123")
        assert Remote.calls and Remote.calls[0][0] == office.users["kadis"].username
        assert validate(signed_pdf(letter)).bottom_line
    finally:
        manager.unregister(plugin)


# --- PAdES B-T: a timestamp authority on the loopback ----------------------------------

@pytest.fixture
def tsa_url():
    """An RFC 3161 timestamp authority at http://127.0.0.1:<port>/, answered by pyHanko's
    DummyTimeStamper (RSA only) with a TSA certificate of the test CA; stopped after the
    test."""
    import datetime as dt
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    ca_key, ca_certificate = signing_ca()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA Uji")]))
        .issuer_name(ca_certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_with_a_timestamp_authority_the_signature_is_pades_b_t(app, office, make_draft, advance,
                                                                monkeypatch, tsa_url):
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa_url)
    letter = advance(make_draft(), "signed")
    status = validate(signed_pdf(letter))
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert status.timestamp_validity.valid


def test_a_timestamp_authority_that_does_not_answer_takes_no_number(app, client, office,
                                                                   make_draft, advance,
                                                                   monkeypatch):
    import socket

    from eoffice.letters.services import today_local

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", f"http://127.0.0.1:{port}/")
    monkeypatch.setitem(app.config, "SIGNING_TSA_TIMEOUT_SECONDS", 3)
    letter = advance(make_draft(), "approved")
    before = counter(today_local().year)
    log_in(client, office.users["kadis"])
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": TEST_SIGNING_PASSPHRASE},
                                 follow_redirects=True))
    assert "The timestamp service did not answer; try again in a moment." in page
    assert reload(letter).status == "approved" and counter(today_local().year) == before


def test_signing_works_where_an_event_loop_is_already_running(app):
    """pyHanko's sync API fails inside a running event loop (an async server, a browser
    test before); pades.sign gives the signing a loop of its own there."""
    from weasyprint import HTML

    from eoffice.signing import pades
    from eoffice.signing.pades import run_coroutine
    from eoffice.testing.pytest_plugin import issue_test_certificate

    key, certificate = issue_test_certificate("Pejabat Uji")
    pdf = HTML(string="<p>Surat uji</p>").write_pdf()

    async def inside_a_loop():
        return pades.sign(pdf, key=key, certificate=certificate, chain=[signing_ca()[1]],
                          reason="Uji", location="Kabupaten Contoh")

    # (Through run_coroutine itself: asyncio.run would refuse if a loop already runs here.)
    assert validate(run_coroutine(inside_a_loop)).bottom_line
