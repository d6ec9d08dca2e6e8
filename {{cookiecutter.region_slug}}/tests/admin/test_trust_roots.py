"""Trust roots for signed PDFs (/admin/akar-tepercaya): only administrators add and
remove them, a bad file is refused with a reason, and every change is audited."""

from __future__ import annotations

import io

import pytest

from eoffice import audit
from eoffice.extensions import db
from eoffice.signing.models import TrustRoot
from tests.helpers import count, page_text
from tests.signing import conftest as signing
from tests.signing.conftest import make_foreign_ca

# The signing fixtures (tests/signing/conftest.py), shared by assignment.
plain_pdf, region_ca, foreign_ca, foreign_signer = (
    signing.plain_pdf, signing.region_ca, signing.foreign_ca, signing.foreign_signer)

URL = "/admin/akar-tepercaya"


def upload(client, data: bytes, name: str = "root.pem"):
    return client.post(URL, data={"certificate": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("role", ["pegawai", "pencatat", "pimpinan"])
def test_only_administrators_manage_roots(client, create_user, login, role):
    root = TrustRoot(fingerprint="AA", subject="CN=X", issuer="CN=X", not_before=db.func.now(),
                     not_after=db.func.now(), pem="-")
    db.session.add(root)
    db.session.commit()
    login(create_user(roles=[role]))
    assert client.get(URL).status_code == 403
    assert upload(client, make_foreign_ca().pem).status_code == 403
    assert client.post(f"{URL}/{root.id}/hapus").status_code == 403
    assert count(TrustRoot) == 1
    client.post("/keluar")
    assert client.get(URL).status_code == 302  # anonymous: to the login page


def test_an_admin_adds_a_pem_root_and_sees_it(client, as_admin, admin):
    ca = make_foreign_ca("Root CA Nasional Uji")
    response = upload(client, ca.pem)
    assert response.status_code == 302
    root = db.session.scalars(db.select(TrustRoot)).one()
    assert root.subject == "C=ID,CN=Root CA Nasional Uji"
    from eoffice.ui import filter_datetime

    page = page_text(client.get(URL))
    for expected in ("Root CA Nasional Uji", root.fingerprint,
                     filter_datetime(root.not_after, "short")):
        assert expected in page, expected
    (event,) = audit.events_for("signing_trust_roots", root.id)
    assert event.action == "signing.root_added" and event.actor_id == admin.id
    assert event.data["fingerprint"] == root.fingerprint


def test_a_der_root_is_accepted_too(client, as_admin):
    assert upload(client, make_foreign_ca().der, "root.cer").status_code == 302
    assert count(TrustRoot) == 1


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose a certificate file"),
    (b"bukan sertifikat" * 20, "not an X.509 certificate"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
     "not an X.509 certificate"),
    (b"%PDF-1.7\n" + b"x" * 100_000, "too large to be one certificate"),
], ids=["empty", "text", "bad pem", "large"])
def test_a_bad_file_is_refused_with_a_reason(client, as_admin, data, message):
    response = upload(client, data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(TrustRoot) == 0


def test_an_end_entity_certificate_or_a_bundle_is_refused(client, as_admin):
    from cryptography.hazmat.primitives import serialization

    from tests.signing.conftest import foreign_signer_for

    ca = make_foreign_ca()
    signer = foreign_signer_for(ca)
    leaf = signer.signing_cert.dump()  # DER of the official's own certificate
    assert "not a CA certificate" in page_text(upload(client, leaf, "leaf.cer"))
    bundle = ca.pem + make_foreign_ca("Lain").certificate.public_bytes(
        serialization.Encoding.PEM)
    assert "several certificates" in page_text(upload(client, bundle))
    assert count(TrustRoot) == 0


def test_the_same_root_twice_is_refused(client, as_admin):
    ca = make_foreign_ca()
    upload(client, ca.pem)
    assert "already a trust root" in page_text(upload(client, ca.der, "again.cer"))
    assert count(TrustRoot) == 1


def test_an_admin_removes_a_root(client, as_admin, admin):
    upload(client, make_foreign_ca("Root Dihapus").pem)
    root = db.session.scalars(db.select(TrustRoot)).one()
    root_id = root.id
    response = client.post(f"{URL}/{root_id}/hapus")
    assert response.status_code == 302
    assert count(TrustRoot) == 0
    events = audit.events_for("signing_trust_roots", root_id)
    assert [e.action for e in events] == ["signing.root_added", "signing.root_removed"]
    assert client.post(f"{URL}/999999/hapus").status_code == 404


def test_the_region_ca_is_shown_as_always_trusted(client, as_admin, region_ca):
    page = page_text(client.get(URL))
    assert "CA Uji" in page and "always trusted" in page
    assert region_ca.fingerprint in page


def test_a_root_added_here_makes_a_signature_trusted_on_the_public_page(
        client, as_admin, plain_pdf, region_ca, foreign_ca, foreign_signer):
    from tests.signing.conftest import sign_pdf

    signed = sign_pdf(plain_pdf, foreign_signer)

    def public_verdict() -> str:
        page = page_text(client.post("/verifikasi", content_type="multipart/form-data",
                                     data={"file": (io.BytesIO(signed), "s.pdf")}))
        return page.split('data-verdict="', 1)[1].split('"', 1)[0]

    assert public_verdict() == "untrusted"
    upload(client, foreign_ca.pem)
    assert public_verdict() == "valid"
