"""The region's own certificate authority, for demos, training and tests (issue 10).

Certified electronic signatures (TTE tersertifikasi) need a certificate from a national CA
(BSrE/BSSN). Until a region has one, and in every training room, officials still need a
certificate to practise signing with; this CA gives them one. Everything it makes says, in
its subject and in a certificate-policy notice, that it is *not* from a national CA, so a
PDF signed with it can never pass for a certified signature.

State lives in files under ``instance/ca/`` (no database table, so no migration):

- ``ca.pem``: the root certificate (world-readable, it is what a verifier trusts);
- ``ca.key``: its private key, PEM PKCS#8 encrypted with a passphrase that is never stored
  (mode 600);
- ``issued.jsonl``: one JSON object per issued certificate (the index ``list`` and
  ``revoke`` read), rewritten atomically on revocation;
- ``crl.pem``: the revocation list signed by the CA, written on each revocation;
- ``p12/``: the PKCS#12 files handed to officials (mode 600), unless ``--out`` says otherwise.

Keys are EC P-256: fast to make (tests, a training laptop) and accepted by pyHanko and PDF
readers for PAdES. The functions return dataclasses and raise :class:`CAError` subclasses
whose message is already translated, so the CLI stays thin and the signing work of issue 10
can reuse them (``load_ca``, ``load_pkcs12``, ``is_revoked``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from flask import current_app
from flask_babel import gettext as _

from eoffice.extensions import db

#: Shown as OU of the CA and of every certificate it issues.
NOT_NATIONAL_LABEL = "BUKAN SERTIFIKAT BSrE/BSSN — hanya untuk uji/pelatihan"
#: The certificate-policy user notice (explicitText, at most 200 characters).
POLICY_NOTICE = ("Sertifikat uji/pelatihan dari CA daerah, BUKAN dari CA nasional (BSrE/BSSN). "
                 "Tanda tangan dengan sertifikat ini bukan TTE tersertifikasi.")
#: anyPolicy: the kit has no registered OID arc of its own; the notice carries the meaning.
ANY_POLICY = ObjectIdentifier("2.5.29.32.0")
#: Document signing: RFC 9336 id-kp-documentSigning (the standard one), Microsoft's
#: document-signing OID (what Adobe Acrobat looks for) and emailProtection (what older
#: CMS/S-MIME validators accept for a signature that is not code or TLS).
DOCUMENT_SIGNING_EKUS = (
    ObjectIdentifier("1.3.6.1.5.5.7.3.36"),
    ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),
    ExtendedKeyUsageOID.EMAIL_PROTECTION,
)
MIN_PASSPHRASE = 8
DEFAULT_CA_YEARS = 5
DEFAULT_DAYS = 365
CRL_DAYS = 30
UB_NAME = 64  # RFC 5280 upper bound of CN, O, OU and title


class CAError(Exception):
    """A problem the operator can fix; ``str()`` is one translated line."""


class NoCA(CAError):
    pass


class CAExists(CAError):
    pass


class WrongPassphrase(CAError):
    pass


class PassphraseTooShort(CAError):
    pass


class UnknownUser(CAError):
    pass


class ValidityBeyondCA(CAError):
    pass


class UnknownSerial(CAError):
    pass


@dataclass(frozen=True)
class CA:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | None  # None when loaded without the passphrase
    folder: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


@dataclass(frozen=True)
class InitResult:
    cert_path: Path
    key_path: Path
    fingerprint: str
    subject: str
    not_after: dt.datetime


@dataclass(frozen=True)
class IssuedRecord:
    """One line of ``issued.jsonl``."""

    serial: str  # upper-case hexadecimal
    username: str
    subject: str
    not_before: str  # ISO 8601, UTC
    not_after: str
    sha256: str
    revoked_at: str | None = None
    reason: str | None = None

    def status(self, now: dt.datetime | None = None) -> str:
        """``revoked``, ``expired`` or ``valid``."""
        if self.revoked_at:
            return "revoked"
        now = now or _now()
        return "expired" if dt.datetime.fromisoformat(self.not_after) < now else "valid"


@dataclass(frozen=True)
class IssueResult:
    record: IssuedRecord
    p12_path: Path
    capped: bool  # the default validity was shortened to end with the CA's
    has_nip: bool


@dataclass(frozen=True)
class RevokeResult:
    record: IssuedRecord
    crl_path: Path


@dataclass(frozen=True)
class Bundle:
    """What :func:`load_pkcs12` returns: the signer's key and certificate and the chain."""

    key: object
    certificate: x509.Certificate
    chain: list[x509.Certificate]


# --- paths and small helpers -------------------------------------------------------------

def ca_folder() -> Path:
    return Path(current_app.instance_path) / "ca"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def check_passphrase(passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise PassphraseTooShort(_("The passphrase is too short (at least %(n)d characters).",
                                   n=MIN_PASSPHRASE))
    return passphrase.encode()


def _clip(text: str, limit: int = UB_NAME) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with ``mode`` set before any byte lands (a key is never readable
    by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _policy() -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(
        ANY_POLICY, [x509.UserNotice(None, POLICY_NOTICE)])])


# --- the CA -------------------------------------------------------------------------------

def check_can_init(force: bool) -> None:
    folder = ca_folder()
    if ((folder / "ca.pem").exists() or (folder / "ca.key").exists()) and not force:
        raise CAExists(_("A CA already exists in %(path)s; use --force to replace it "
                         "(certificates it issued will no longer verify).", path=folder))


def init_ca(passphrase: str, *, name: str | None = None, years: int = DEFAULT_CA_YEARS,
            force: bool = False) -> InitResult:
    """Create the root: self-signed, CA:TRUE pathlen 0 (it signs officials, never another
    CA), keyCertSign + cRLSign only."""
    check_can_init(force)
    secret = check_passphrase(passphrase)
    folder = ca_folder()
    cert_path, key_path = folder / "ca.pem", folder / "ca.key"
    config = current_app.config
    common_name = name or f"CA Uji {config['REGION_NAME']} (BUKAN CA NASIONAL)"
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, _clip(common_name)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_NATIONAL_LABEL),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _clip(config["AGENCY_NAME"])),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ])
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(_policy(), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret)), 0o600)
    _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    if force:  # a new CA: the old index and CRL speak of another issuer
        (folder / "issued.jsonl").unlink(missing_ok=True)
        (folder / "crl.pem").unlink(missing_ok=True)
    return InitResult(cert_path, key_path, fingerprint(certificate),
                      certificate.subject.rfc4514_string(), certificate.not_valid_after_utc)


def load_ca(passphrase: str | None = None) -> CA:
    """The CA certificate, and its key when ``passphrase`` is given."""
    folder = ca_folder()
    cert_path, key_path = folder / "ca.pem", folder / "ca.key"
    if not cert_path.exists() or not key_path.exists():
        raise NoCA(_("There is no region CA yet: run flask eoffice ca init first."))
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = None
    if passphrase is not None:
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase.encode())
        except (ValueError, TypeError):
            raise WrongPassphrase(_("Wrong CA passphrase.")) from None
    return CA(certificate, key, folder)


# --- the index ----------------------------------------------------------------------------

def _index_path() -> Path:
    return ca_folder() / "issued.jsonl"


def list_issued() -> list[IssuedRecord]:
    path = _index_path()
    if not path.exists():
        return []
    return [IssuedRecord(**json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _save_index(records: list[IssuedRecord]) -> None:
    text = "".join(json.dumps(asdict(record), ensure_ascii=False) + "\n" for record in records)
    _write(_index_path(), text.encode(), 0o644)


def _serial_hex(serial: int) -> str:
    return format(serial, "X")


def _normalise_serial(text: str) -> str:
    return text.replace(":", "").strip().upper().lstrip("0") or "0"


# --- issuing ------------------------------------------------------------------------------

def _official(username: str):
    from eoffice.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UnknownUser(_("No user named %(username)s.", username=username))
    if not user.active:
        raise UnknownUser(_("User %(username)s is not active.", username=username))
    return user


def issue(username: str, ca_passphrase: str, p12_passphrase: str, *, days: int | None = None,
          out: Path | None = None) -> IssueResult:
    """Issue a signing certificate for ``username`` and write it with its key and the CA as
    PKCS#12.

    A user without a staff record still gets one, named by the account's full name with no
    NIP or title: training accounts and the administrator often have no staff record, and
    the certificate is for practice anyway. ``days`` None means the default 365, shortened
    to end with the CA; an explicit ``days`` beyond the CA is refused (a certificate never
    outlives its issuer)."""
    secret = check_passphrase(p12_passphrase)
    user = _official(username)
    ca = load_ca(ca_passphrase)
    now = _now()
    ca_end = ca.certificate.not_valid_after_utc
    capped = False
    if days is None:
        not_after = now + dt.timedelta(days=DEFAULT_DAYS)
        if not_after > ca_end:
            not_after, capped = ca_end, True
    else:
        not_after = now + dt.timedelta(days=days)
        if not_after > ca_end:
            raise ValidityBeyondCA(_(
                "%(days)d days would outlast the CA (valid until %(date)s); choose fewer days.",
                days=days, date=ca_end.date().isoformat()))
    staff = user.staff
    attributes = [x509.NameAttribute(
        NameOID.COMMON_NAME, _clip(staff.full_name if staff else user.full_name))]
    if staff is not None and staff.nip:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, staff.nip))
    if staff is not None:
        title = staff.position.name if staff.position else staff.jabatan_name
        if title:
            attributes.append(x509.NameAttribute(NameOID.TITLE, _clip(title)))
    attributes += [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOT_NATIONAL_LABEL),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                           _clip(current_app.config["AGENCY_NAME"])),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ]
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes)).issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(DOCUMENT_SIGNING_EKUS)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            ca_ski.value), critical=False)
        .add_extension(_policy(), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    serial = _serial_hex(certificate.serial_number)
    friendly = (staff.full_name if staff else user.full_name).encode()
    data = pkcs12.serialize_key_and_certificates(
        friendly, key, certificate, [ca.certificate],
        serialization.BestAvailableEncryption(secret))
    p12_path = out or ca.folder / "p12" / f"{user.username}-{serial}.p12"
    _write(Path(p12_path), data, 0o600)
    record = IssuedRecord(
        serial=serial, username=user.username, subject=certificate.subject.rfc4514_string(),
        not_before=certificate.not_valid_before_utc.isoformat(),
        not_after=certificate.not_valid_after_utc.isoformat(),
        sha256=fingerprint(certificate))
    _save_index([*list_issued(), record])
    return IssueResult(record, Path(p12_path), capped, bool(staff and staff.nip))


# --- revocation ---------------------------------------------------------------------------

def revoke(serial: str, ca_passphrase: str, *, reason: str | None = None) -> RevokeResult:
    """Mark ``serial`` revoked in the index and write a fresh CRL of every revoked serial.
    Revoking twice keeps the first date (and still rewrites the CRL)."""
    wanted = _normalise_serial(serial)
    records = list_issued()
    match = [r for r in records if r.serial.lstrip("0") == wanted]
    if not match:
        raise UnknownSerial(_("No certificate with serial %(serial)s was issued by this CA.",
                              serial=serial))
    ca = load_ca(ca_passphrase)
    now = _now()
    updated = []
    for record in records:
        if record is match[0] and not record.revoked_at:
            record = IssuedRecord(**(asdict(record) | {
                "revoked_at": now.isoformat(), "reason": reason or None}))
        updated.append(record)
    _save_index(updated)
    crl_path = write_crl(ca, updated, now)
    return RevokeResult(next(r for r in updated if r.serial == match[0].serial), crl_path)


def write_crl(ca: CA, records: list[IssuedRecord], now: dt.datetime) -> Path:
    number = sum(1 for record in records if record.revoked_at)
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca.certificate.subject)
               .last_update(now).next_update(now + dt.timedelta(days=CRL_DAYS))
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca.certificate.public_key()), critical=False))
    for record in records:
        if record.revoked_at:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(record.serial, 16))
                .revocation_date(dt.datetime.fromisoformat(record.revoked_at))
                .build())
    crl = builder.sign(ca.key, hashes.SHA256())
    path = ca.folder / "crl.pem"
    _write(path, crl.public_bytes(serialization.Encoding.PEM), 0o644)
    return path


def is_revoked(certificate: x509.Certificate) -> bool:
    """True when this CA issued ``certificate`` and it is marked revoked in the index."""
    serial = _serial_hex(certificate.serial_number)
    return any(record.serial == serial and record.revoked_at
               and record.sha256 == fingerprint(certificate) for record in list_issued())


# --- reading a PKCS#12 --------------------------------------------------------------------

def load_pkcs12(data: bytes, passphrase: str) -> Bundle:
    """Open an official's PKCS#12; a wrong passphrase (or a damaged file) gives
    :class:`WrongPassphrase` with a message the signer can act on."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase.encode())
    except ValueError:
        raise WrongPassphrase(_("The certificate file could not be opened: wrong passphrase "
                                "or not a PKCS#12 file.")) from None
    if key is None or certificate is None:
        raise CAError(_("The certificate file holds no key or no certificate."))
    return Bundle(key, certificate, list(chain))
