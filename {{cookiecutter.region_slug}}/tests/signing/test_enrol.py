"""Enrolling an official's PKCS#12 (administrator's user page, or the official's profile)
and revoking it: the key is kept only encrypted under the signing passphrase."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from eoffice.testing.pytest_plugin import issue_test_certificate, signing_ca
from tests.helpers import page_text

P12_PASSWORD = "sandi-berkas-p12"  # noqa: S105 - test-only
NEW_PASSPHRASE = "frasa-baru-tte-1"  # noqa: S105 - test-only


def make_p12(name: str = "Pejabat Uji", password: str = P12_PASSWORD, **certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert = issue_test_certificate(name, **certificate)
    return pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, [signing_ca()[1]],
        serialization.BestAvailableEncryption(password.encode()))


def certificates(user) -> list:
    from eoffice.signing.sertifikat import certificates_of

    return certificates_of(user)


@pytest.fixture
def official(create_user, create_staff):
    staff = create_staff(name="Siti Aminah")
    return create_user(username="siti", roles=["pimpinan", "pegawai"], staff=staff,
                       full_name="Siti Aminah")


def enrol(client, url: str, *, p12=None, filename="siti.p12", password=P12_PASSWORD,
          passphrase=NEW_PASSPHRASE, confirm=None):
    data = {"p12_password": password, "passphrase": passphrase,
            "confirm": passphrase if confirm is None else confirm}
    if p12 is not None:
        data["p12"] = (io.BytesIO(p12), filename)
    return page_text(client.post(url, data=data, content_type="multipart/form-data",
                                 follow_redirects=True))


def test_admin_enrols_a_certificate_kept_encrypted(client, as_admin, official):
    from eoffice import audit
    from eoffice.signing import sertifikat

    url = f"/admin/pengguna/{official.id}/sertifikat"
    page = page_text(client.get(f"/admin/pengguna/{official.id}/ubah"))
    assert "Signing certificate" in page and "No signing certificate enrolled" in page
    page = enrol(client, url, p12=make_p12("Siti Aminah"))
    assert "Signing certificate enrolled: CN=Siti Aminah" in page
    [row] = certificates(official)
    assert row.status() == "valid" and row.subject == "CN=Siti Aminah"
    assert "BEGIN CERTIFICATE" in row.certificate_pem and "BEGIN CERTIFICATE" in row.chain_pem
    # The key is stored only encrypted; the passphrase and the file's password nowhere.
    for secret in (NEW_PASSPHRASE.encode(), P12_PASSWORD.encode(), b"PRIVATE KEY"):
        assert secret not in row.key_ciphertext
    assert len(row.key_salt) == 16 and len(row.key_nonce) == 12
    assert sertifikat.decrypt_key(row, NEW_PASSPHRASE) is not None
    with pytest.raises(sertifikat.SigningError) as refused:
        sertifikat.decrypt_key(row, P12_PASSWORD)
    assert refused.value.code == "wrong_passphrase"
    events = [e for e in audit.events_for("users", official.id)
              if e.action == "signing.enrolled"]
    assert len(events) == 1 and events[0].data["serial"] == row.serial
    assert "In use" in page_text(client.get(f"/admin/pengguna/{official.id}/ubah"))


@pytest.mark.parametrize(("case", "message"), [
    ("not_p12", "This is not a certificate file (PKCS#12, .p12 or .pfx)."),
    ("text", "This is not a certificate file (PKCS#12, .p12 or .pfx)."),
    ("wrong_password", "the password of the file is wrong"),
    ("no_file", "Choose the certificate file (.p12 or .pfx)."),
    ("short", "The signing passphrase is too short (at least 8 characters)."),
    ("mismatch", "The two signing passphrases differ."),
    ("expired", "This certificate expired on"),
])
def test_enrolment_refuses_with_a_clear_message(case, message, client, as_admin, official):
    from tests.letters.conftest import PDF_BYTES

    kwargs = {"p12": make_p12()}
    if case == "not_p12":
        kwargs = {"p12": PDF_BYTES, "filename": "surat.p12"}
    elif case == "text":
        kwargs = {"p12": b"0\x82 bukan berkas PKCS#12 sama sekali"}
    elif case == "wrong_password":
        kwargs["password"] = "bukan-sandinya"
    elif case == "no_file":
        kwargs = {}
    elif case == "short":
        kwargs["passphrase"] = "pendek"
    elif case == "mismatch":
        kwargs["confirm"] = "frasa-yang-lain-1"
    else:
        kwargs = {"p12": make_p12(days=-1)}
    page = enrol(client, f"/admin/pengguna/{official.id}/sertifikat", **kwargs)
    assert message in page
    assert certificates(official) == []


def test_an_official_enrols_their_own_certificate(client, login, official):
    login(official)
    page = page_text(client.get("/akun/profil"))
    assert "Enrol certificate" in page and "Revoke" not in page
    page = enrol(client, "/akun/sertifikat", p12=make_p12("Siti Aminah"))
    assert "Signing certificate enrolled" in page
    [row] = certificates(official)
    assert row.enrolled_by_id == official.id
    # Only an administrator enrols for someone else, or revokes.
    assert client.post(f"/admin/pengguna/{official.id}/sertifikat").status_code == 403
    assert client.post(f"/admin/pengguna/{official.id}/sertifikat/{row.id}/cabut") \
        .status_code == 403


def test_admin_revokes_a_certificate_with_an_audit_record(client, as_admin, admin, official):
    from eoffice import audit
    from eoffice.extensions import db

    enrol(client, f"/admin/pengguna/{official.id}/sertifikat", p12=make_p12())
    [row] = certificates(official)
    page = page_text(client.post(f"/admin/pengguna/{official.id}/sertifikat/{row.id}/cabut",
                                 data={"reason": "Laptop hilang"}, follow_redirects=True))
    assert f"Certificate {row.serial} revoked" in page and "Revoked" in page
    db.session.expire_all()
    assert row.status() == "revoked" and row.revoke_reason == "Laptop hilang"
    assert row.revoked_by_id == admin.id
    [event] = [e for e in audit.events_for("users", official.id)
               if e.action == "signing.revoked"]
    assert event.data == {"serial": row.serial, "reason": "Laptop hilang"}
    # Another user's certificate id under this user: not found.
    assert client.post(f"/admin/pengguna/{admin.id}/sertifikat/{row.id}/cabut") \
        .status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(row))) == 1
