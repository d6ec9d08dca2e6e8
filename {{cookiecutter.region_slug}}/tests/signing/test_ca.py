"""``flask eoffice ca ...``: the region's own CA for demos, training and tests (issue 10)."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eoffice.signing import ca as service

CA_PASS = "rahasia-ca-uji"
P12_PASS = "sandi-pejabat"
LABEL = "BUKAN SERTIFIKAT BSrE/BSSN — hanya untuk uji/pelatihan"


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """Each test gets its own instance folder (the app is shared by the session)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setenv("EOFFICE_CA_PASSPHRASE", CA_PASS)
    monkeypatch.setenv("EOFFICE_P12_PASSPHRASE", P12_PASS)
    return tmp_path / "ca"


@pytest.fixture
def run(app, folder):
    runner = app.test_cli_runner()

    def _run(*args, **kwargs):
        return runner.invoke(args=["eoffice", "ca", *args], **kwargs)

    return _run


@pytest.fixture
def initialised(run, folder):
    result = run("init", "--years", "2")
    assert result.exit_code == 0, result.output
    return x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())


@pytest.fixture
def official(create_user, create_staff):
    staff = create_staff(name="Siti Rahma", front_title="Dr.", jabatan_name="Kepala Bidang Uji")
    return create_user("siti", staff=staff, full_name="Siti Rahma")


def one_line_error(result, text: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], result.output


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- init ---------------------------------------------------------------------------------

def test_init_creates_a_labelled_root_ca(run, folder):
    result = run("init", "--years", "3")
    assert result.exit_code == 0, result.output
    cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    assert cert.fingerprint(hashes.SHA256()).hex(":").upper() in result.output
    assert str(folder / "ca.pem") in result.output

    subject = cert.subject
    assert "BUKAN CA NASIONAL" in subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == LABEL
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "ID"
    assert cert.issuer == subject
    cert.verify_directly_issued_by(cert)  # self-signed
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    policy = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert "BUKAN dari CA nasional" in policy[0].policy_qualifiers[0].explicit_text
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    assert 3 * 365 <= years <= 3 * 365 + 1

    assert mode(folder / "ca.key") == 0o600
    assert mode(folder / "ca.pem") & 0o044 == 0o044  # world-readable
    key_pem = (folder / "ca.key").read_bytes()
    assert b"ENCRYPTED" in key_pem and CA_PASS.encode() not in key_pem
    key = serialization.load_pem_private_key(key_pem, CA_PASS.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == cert.public_key()


def test_init_refuses_to_overwrite_unless_forced(run, folder, initialised):
    before = (folder / "ca.pem").read_bytes()
    one_line_error(run("init"), "already exists")
    assert (folder / "ca.pem").read_bytes() == before
    assert run("init", "--force", "--name", "CA Latihan").exit_code == 0
    cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CA Latihan"


def test_init_prompts_for_the_passphrase_with_confirmation(run, folder, monkeypatch):
    monkeypatch.delenv("EOFFICE_CA_PASSPHRASE")
    result = run("init", input=f"{CA_PASS}\n{CA_PASS}\n")
    assert result.exit_code == 0, result.output
    serialization.load_pem_private_key((folder / "ca.key").read_bytes(), CA_PASS.encode())


def test_init_refuses_a_short_passphrase(run, folder, monkeypatch):
    monkeypatch.setenv("EOFFICE_CA_PASSPHRASE", "pendek")
    one_line_error(run("init"), "too short")
    assert not (folder / "ca.key").exists()


# --- issue --------------------------------------------------------------------------------

def load_issued(path: Path, passphrase: str = P12_PASS):
    return pkcs12.load_key_and_certificates(path.read_bytes(), passphrase.encode())


def test_issue_writes_a_pkcs12_for_the_official(run, folder, initialised, official, tmp_path):
    out = tmp_path / "siti.p12"
    result = run("issue", "siti", "--days", "30", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600

    key, cert, chain = load_issued(out)
    with pytest.raises(ValueError):
        load_issued(out, "salah-sandi")
    with pytest.raises(service.WrongPassphrase):
        service.load_pkcs12(out.read_bytes(), "salah-sandi")
    bundle = service.load_pkcs12(out.read_bytes(), P12_PASS)
    assert bundle.certificate == cert

    assert chain == [initialised]
    cert.verify_directly_issued_by(initialised)  # signature checked with the CA's key
    assert key.public_key() == cert.public_key()

    subject = cert.subject
    value = lambda oid: subject.get_attributes_for_oid(oid)[0].value  # noqa: E731
    assert value(NameOID.COMMON_NAME) == "Dr. Siti Rahma"
    assert value(NameOID.SERIAL_NUMBER) == official.staff.nip
    assert value(NameOID.TITLE) == "Kepala Bidang Uji"
    assert value(NameOID.ORGANIZATIONAL_UNIT_NAME) == LABEL
    policy = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert "bukan TTE tersertifikasi" in policy[0].policy_qualifiers[0].explicit_text

    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12") in ekus
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in ekus
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30

    [record] = service.list_issued()
    assert record.username == "siti" and record.revoked_at is None
    assert record.serial == format(cert.serial_number, "X")
    assert record.sha256 == cert.fingerprint(hashes.SHA256()).hex(":").upper()
    assert not service.is_revoked(cert)


def test_issue_default_path_and_validity_capped_at_the_ca(run, folder, official, monkeypatch):
    monkeypatch.setattr(service, "DEFAULT_DAYS", 400)  # the default outlasts a one-year CA
    assert run("init", "--years", "1").exit_code == 0
    ca_end = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()).not_valid_after_utc
    result = run("issue", "siti")
    assert result.exit_code == 0, result.output
    assert "shortened" in result.output
    [p12] = (folder / "p12").glob("siti-*.p12")
    cert = load_issued(p12)[1]
    assert cert.not_valid_after_utc == ca_end

    one_line_error(run("issue", "siti", "--days", "400"), "would outlast the CA")


def test_issue_for_a_user_without_staff_record_uses_the_full_name(run, initialised,
                                                                  create_user, tmp_path):
    create_user("tamu", full_name="Peserta Pelatihan")
    out = tmp_path / "tamu.p12"
    result = run("issue", "tamu", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "No NIP" in result.output
    cert = load_issued(out)[1]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "Peserta Pelatihan"
    assert not cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == LABEL


def test_issue_errors_are_one_clear_line(run, folder, official, monkeypatch):
    one_line_error(run("issue", "siti"), "no region CA yet")
    assert run("init").exit_code == 0
    one_line_error(run("issue", "nobody"), "No user named nobody")
    monkeypatch.setenv("EOFFICE_P12_PASSPHRASE", "pendek")
    one_line_error(run("issue", "siti"), "too short")
    monkeypatch.setenv("EOFFICE_P12_PASSPHRASE", P12_PASS)
    monkeypatch.setenv("EOFFICE_CA_PASSPHRASE", "sandi-ca-salah")
    one_line_error(run("issue", "siti"), "Wrong CA passphrase")
    assert service.list_issued() == []
    assert not (folder / "p12").exists()


def test_issue_prompts_for_both_passphrases(run, initialised, official, tmp_path, monkeypatch):
    monkeypatch.delenv("EOFFICE_CA_PASSPHRASE")
    monkeypatch.delenv("EOFFICE_P12_PASSPHRASE")
    out = tmp_path / "p.p12"
    result = run("issue", "siti", "--out", str(out), input=f"{CA_PASS}\nlatihan-123\nlatihan-123\n")
    assert result.exit_code == 0, result.output
    assert load_issued(out, "latihan-123")[1] is not None


def test_issue_to_an_unwritable_place_is_one_line(run, initialised, official, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    one_line_error(run("issue", "siti", "--out", str(blocker / "x.p12")), "Cannot write")
    assert service.list_issued() == []


# --- list and revoke ----------------------------------------------------------------------

def test_revoke_marks_the_index_and_writes_a_signed_crl(run, folder, initialised, official,
                                                       tmp_path):
    serials = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.p12"
        assert run("issue", "siti", "--days", "10", "--out", str(out)).exit_code == 0
        serials.append(format(load_issued(out)[1].serial_number, "X"))
    revoked_cert = load_issued(tmp_path / "a.p12")[1]

    result = run("revoke", serials[0].lower(), "--reason", "kunci hilang")
    assert result.exit_code == 0, result.output
    assert service.is_revoked(revoked_cert)
    records = {record.serial: record for record in service.list_issued()}
    assert records[serials[0]].revoked_at and records[serials[0]].reason == "kunci hilang"
    assert records[serials[1]].revoked_at is None

    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    assert crl.is_signature_valid(initialised.public_key())
    assert crl.issuer == initialised.subject
    assert crl.get_revoked_certificate_by_serial_number(int(serials[0], 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(serials[1], 16)) is None

    listing = run("list")
    assert listing.exit_code == 0
    lines = {line.split()[0]: line.split()[1] for line in listing.output.splitlines()}
    assert lines == {serials[0]: "revoked", serials[1]: "valid"}


def test_list_shows_expired(run, initialised, official, tmp_path):
    assert run("list").output.strip() == "No certificates issued yet."
    assert run("issue", "siti", "--days", "5", "--out", str(tmp_path / "x.p12")).exit_code == 0
    [record] = service.list_issued()
    later = dt.datetime.fromisoformat(record.not_after) + dt.timedelta(days=1)
    assert record.status(later) == "expired"
    assert record.status() == "valid"


def test_revoke_errors_are_one_clear_line(run, initialised, official, tmp_path, monkeypatch):
    one_line_error(run("revoke", "ABCDEF"), "No certificate with serial ABCDEF")
    out = tmp_path / "s.p12"
    assert run("issue", "siti", "--out", str(out)).exit_code == 0
    serial = format(load_issued(out)[1].serial_number, "X")
    monkeypatch.setenv("EOFFICE_CA_PASSPHRASE", "sandi-ca-salah")
    one_line_error(run("revoke", serial), "Wrong CA passphrase")
    assert service.list_issued()[0].revoked_at is None
