"""Signing tests use the outgoing letters' office and helpers (below). Signed PDFs for
the verification tests, made with pyHanko directly (not with the
letter's sign()), so that verifying does not depend on how the signing key is held.

- ``region_ca``: the region CA (eoffice/signing/ca.py) in the test's own instance folder;
- ``region_signer``: a pyHanko signer holding a certificate that CA issued to an official;
- ``foreign_signer``: one whose CA the region does not trust (until an admin adds it);
- ``sign_pdf(data, signer)``: a PAdES (ETSI.CAdES.detached) signature, as an incremental
  update when ``data`` is already signed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# the outgoing letters' office and helpers, to bring a draft to the signature
from tests.outgoing.conftest import (  # noqa: F401 - shared fixtures
    advance,
    make_draft,
    office,
    public_url,
)

CA_PASS = "rahasia-ca-uji"  # noqa: S105 - test passphrases
P12_PASS = "sandi-pejabat"  # noqa: S105


@dataclass(frozen=True)
class ForeignCA:
    """A CA the region does not know (e.g. a national root before an admin adds it)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def make_foreign_ca(name: str = "Root CA Uji Nasional", days_back: int = 0) -> ForeignCA:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1, days=days_back))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    return ForeignCA(key, certificate)


def foreign_signer_for(ca: ForeignCA, name: str = "Andi Pratama",
                       valid: tuple[dt.timedelta, dt.timedelta] | None = None):
    """A pyHanko signer with a certificate ``ca`` issued for ``name``, valid from now -
    1 hour to now + 30 days, or over ``valid`` (offsets from now)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + (valid[0] if valid else -dt.timedelta(hours=1)))
        .not_valid_after(now + (valid[1] if valid else dt.timedelta(days=30)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(ca.key, hashes.SHA256()))
    der = serialization.Encoding.DER
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.der)]))


def sign_pdf(data: bytes, signer, field: str = "Signature1") -> bytes:
    """Sign ``data`` (PAdES baseline B-B) in an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from eoffice.signing.loop import outside_event_loop

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=field,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    return outside_event_loop(signers.sign_pdf, writer, meta, signer=signer).getvalue()


def append_page_change(data: bytes) -> bytes:
    """An incremental update that draws on the first page: what a forger would do to a
    signed letter while keeping its signature bytes."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(
        stream_data=b"BT /F1 24 Tf 50 50 Td (PALSU) Tj ET"))
    contents = page.raw_get("/Contents")
    old = contents.get_object()
    page["/Contents"] = generic.ArrayObject(
        [*old, extra] if isinstance(old, generic.ArrayObject) else [contents, extra])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_signed_byte(data: bytes) -> bytes:
    """One byte changed inside the first signed range (in the first content stream), so
    the file still reads but its digest no longer matches."""
    at = data.index(b"stream\n") + 20
    assert at < data.index(b"/ByteRange") or at < len(data) // 2
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


@pytest.fixture(scope="session")
def plain_pdf() -> bytes:
    """A small unsigned PDF (WeasyPrint, as the letters are)."""
    import weasyprint

    return weasyprint.HTML(string="<h1>Nota Dinas</h1><p>Dengan hormat, mohon data.</p>"
                           ).write_pdf()


@pytest.fixture
def region_ca(app, tmp_path, monkeypatch):
    """The region CA, in this test's own instance folder (the app is shared)."""
    from eoffice.signing import ca

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    ca.init_ca(CA_PASS)
    return ca.load_ca(CA_PASS)


@pytest.fixture
def region_signer(region_ca, create_user, create_staff):
    """A signer holding the certificate the region CA issued to Siti Rahma."""
    from pyhanko.sign import signers

    from eoffice.extensions import db
    from eoffice.signing import ca

    staff = create_staff(name="Siti Rahma", jabatan_name="Kepala Dinas Uji")
    create_user("sitirahma", staff=staff, full_name="Siti Rahma")
    db.session.commit()
    issued = ca.issue("sitirahma", CA_PASS, P12_PASS)
    signer = signers.SimpleSigner.load_pkcs12_data(
        issued.p12_path.read_bytes(), other_certs=[], passphrase=P12_PASS.encode())
    signer.issued = issued.record  # the serial and subject the tests compare with
    return signer


@pytest.fixture
def foreign_ca() -> ForeignCA:
    return make_foreign_ca()


@pytest.fixture
def foreign_signer(foreign_ca):
    return foreign_signer_for(foreign_ca)
