"""The ``sertifikat`` signing backend: each official signs with their own certificate.

An administrator (or the official, on their profile page) *enrols* the official's PKCS#12
file: its password opens it once, the certificate is stored as it is, and the private key
is stored encrypted with AES-256-GCM under a key derived with scrypt from a **signing
passphrase** the official chooses. The passphrase is never stored; at signing the
official types it instead of the account password, and a wrong one counts toward the
account lock like a wrong password.

An official signs with their newest enrolled certificate (a revoked one signs nothing). Revoking
(an administrator, in the user's page) marks the row; a certificate revoked in the region
CA's own index (``flask eoffice ca revoke``) is refused too.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import sqlalchemy as sa
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import tsp  # noqa: F401 - see below
from cryptography import x509
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.signing import ca, pades
from eoffice.signing.backends import SigningError
from eoffice.signing.models import SigningCertificate

# asn1crypto.tsp adds the timestamp content types to asn1crypto.cms when imported; cms
# builds its name map once, on first use (reading a PKCS#12 here uses it), so tsp must
# be imported before, or a later PAdES B-T signature fails on "tst_info".

MIN_PASSPHRASE = ca.MIN_PASSPHRASE
MAX_PASSPHRASE = 256
MAX_P12_BYTES = 100_000  # a PKCS#12 with a key and a few certificates is a few KB


class EnrolError(ValueError):
    """An enrolment refused; ``field`` names the form field, ``str()`` is translated."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.field = field


# --- the key, encrypted under the passphrase -----------------------------------------------

def _derive(passphrase: str, salt: bytes, kdf: str) -> bytes:
    _, n, r, p = kdf.split(":")
    return Scrypt(salt=salt, length=32, n=int(n), r=int(r), p=int(p)).derive(
        passphrase.encode())


def _aad(user_id: int, fingerprint: str) -> bytes:
    """Binds the ciphertext to its owner and certificate: a key copied into another row
    of the table does not decrypt."""
    return f"eoffice-signing-key:{user_id}:{fingerprint}".encode()


def encrypt_key(key, passphrase: str, *, user_id: int, fingerprint: str,
                kdf: str) -> tuple[bytes, bytes, bytes]:
    """(ciphertext, salt, nonce) of ``key`` as unencrypted PKCS#8 DER."""
    salt, nonce = os.urandom(16), os.urandom(12)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    ciphertext = AESGCM(_derive(passphrase, salt, kdf)).encrypt(
        nonce, der, _aad(user_id, fingerprint))
    return ciphertext, salt, nonce


def decrypt_key(row: SigningCertificate, passphrase: str):
    try:
        der = AESGCM(_derive(passphrase or "", row.key_salt, row.kdf)).decrypt(
            row.key_nonce, row.key_ciphertext, _aad(row.user_id, row.fingerprint))
    except InvalidTag:
        raise SigningError("wrong_passphrase", _l("The signing passphrase is wrong.")) from None
    return serialization.load_der_private_key(der, password=None)


# --- enrolment --------------------------------------------------------------------------

def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def check_new_passphrase(passphrase: str, confirm: str | None = None) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise EnrolError(_l("The signing passphrase is too short (at least %(n)d characters).",
                            n=MIN_PASSPHRASE), "passphrase")
    if len(passphrase) > MAX_PASSPHRASE:
        raise EnrolError(_l("The signing passphrase is too long (at most %(n)d characters).",
                            n=MAX_PASSPHRASE), "passphrase")
    if confirm is not None and confirm != passphrase:
        raise EnrolError(_l("The two signing passphrases differ."), "confirm")


def _looks_like_pkcs12(data: bytes) -> bool:
    """The outer structure of a PKCS#12 (PFX), read without the password, so that a wrong
    file and a wrong password get different messages."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data", "signed_data")
    except Exception:  # any failure to parse these untrusted bytes: not a PKCS#12
        return False


def open_pkcs12(data: bytes, password: str):
    """(key, certificate, chain) of a PKCS#12 file, or :class:`EnrolError` saying what is
    wrong with it: not a PKCS#12 file, the wrong password, no key, a key we cannot sign
    with."""
    if not data:
        raise EnrolError(_l("Choose the certificate file (.p12 or .pfx)."), "p12")
    if len(data) > MAX_P12_BYTES or not _looks_like_pkcs12(data):
        raise EnrolError(_l("This is not a certificate file (PKCS#12, .p12 or .pfx)."), "p12")
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, (password or "").encode() or None)
    except ValueError:  # the structure is a PKCS#12's: the password is what is wrong
        raise EnrolError(_l("The certificate file could not be opened: the password of "
                            "the file is wrong."), "p12_password") from None
    except UnsupportedAlgorithm:
        raise EnrolError(_l("The certificate file is protected with an encryption this "
                            "application cannot read; export it again with AES."),
                         "p12") from None
    if key is None or certificate is None:
        raise EnrolError(_l("The certificate file holds no private key or no certificate."),
                         "p12")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise EnrolError(_l("The certificate's key type cannot sign PDF letters (RSA or EC "
                            "keys only)."), "p12")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise EnrolError(_l("The key in the file does not belong to its certificate."), "p12")
    return key, certificate, list(chain)


def enrol(user, p12_data: bytes, p12_password: str, passphrase: str, *, actor,
          confirm: str | None = None) -> SigningCertificate:
    """Keep ``user``'s certificate and key (encrypted under ``passphrase``). The file
    itself and its password are not kept. An expired or revoked certificate is refused
    here already, so nobody learns it only when a letter waits."""
    check_new_passphrase(passphrase, confirm)
    key, certificate, chain = open_pkcs12(p12_data, p12_password)
    not_after = _naive_utc(certificate.not_valid_after_utc)
    if not_after < utcnow():
        raise EnrolError(_l("This certificate expired on %(date)s.",
                            date=not_after.date().isoformat()), "p12")
    if ca.is_revoked(certificate):
        raise EnrolError(_l("This certificate has been revoked by the region CA."), "p12")
    return store_certificate(user, key, certificate, chain, passphrase, actor=actor)


def store_certificate(user, key, certificate: x509.Certificate, chain: list[x509.Certificate],
                      passphrase: str, *, actor) -> SigningCertificate:
    """Keep an opened certificate and its key for ``user`` (what :func:`enrol` does once
    the file is checked; the test fixtures call it directly with certificates they
    make)."""
    fingerprint = ca.fingerprint(certificate)
    kdf = current_app.config["SIGNING_KDF"]
    ciphertext, salt, nonce = encrypt_key(key, passphrase, user_id=user.id,
                                          fingerprint=fingerprint, kdf=kdf)
    pem = serialization.Encoding.PEM
    not_after = _naive_utc(certificate.not_valid_after_utc)
    row = SigningCertificate(
        user_id=user.id, certificate_pem=certificate.public_bytes(pem).decode(),
        chain_pem="".join(c.public_bytes(pem).decode() for c in chain),
        subject=certificate.subject.rfc4514_string()[:1000],
        issuer=certificate.issuer.rfc4514_string()[:1000],
        serial=format(certificate.serial_number, "X"), fingerprint=fingerprint,
        not_before=_naive_utc(certificate.not_valid_before_utc), not_after=not_after,
        key_ciphertext=ciphertext, key_salt=salt, key_nonce=nonce, kdf=kdf,
        enrolled_at=utcnow(), enrolled_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    audit.record("signing.enrolled", user, actor=actor, data={
        "serial": row.serial, "subject": row.subject, "issuer": row.issuer,
        "not_after": not_after.isoformat(), "sha256": fingerprint})
    return row


def certificates_of(user) -> list[SigningCertificate]:
    """Every certificate enrolled for ``user``, newest first."""
    return list(db.session.scalars(sa.select(SigningCertificate).where(
        SigningCertificate.user_id == user.id).order_by(SigningCertificate.id.desc())))


def current_certificate(user) -> SigningCertificate | None:
    """The certificate ``user`` signs with: the newest enrolled (if it is revoked, they
    sign with none until a new one is enrolled; never silently with an older one)."""
    return db.session.scalar(sa.select(SigningCertificate).where(
        SigningCertificate.user_id == user.id)
        .order_by(SigningCertificate.id.desc()).limit(1))


def revoke(row: SigningCertificate, *, actor, reason: str = "") -> None:
    """Stop ``row`` from signing, for good (a lost laptop, a leaked passphrase, a person
    who left the post). Letters already signed keep their signature; the region CA's CRL
    is written by ``flask eoffice ca revoke`` (it needs the CA passphrase)."""
    if row.revoked_at is not None:
        return
    row.revoked_at, row.revoked_by_id = utcnow(), actor.id if actor else None
    row.revoke_reason = (reason or "").strip()[:200] or None
    audit.record("signing.revoked", row.user, actor=actor, data={
        "serial": row.serial, "reason": row.revoke_reason or ""})


# --- the backend ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Material:
    row: SigningCertificate
    certificate: x509.Certificate
    chain: list[x509.Certificate]


def _chain(row: SigningCertificate, certificate: x509.Certificate) -> list[x509.Certificate]:
    """The issuers the PKCS#12 carried, plus the region CA when it issued the certificate
    and the file did not include it."""
    chain = x509.load_pem_x509_certificates(row.chain_pem.encode()) if row.chain_pem else []
    try:
        root = ca.load_ca().certificate
    except ca.CAError:
        return chain
    if certificate.issuer == root.subject and root not in chain:
        chain.append(root)
    return chain


class SertifikatBackend:
    """Signs with the signatory's enrolled certificate (see the module's docstring)."""

    name = "sertifikat"

    def _material(self, user) -> _Material:
        row = current_certificate(user)
        if row is None:
            raise SigningError("not_enrolled", _l(
                "You have no signing certificate yet: ask the administrator to enrol your "
                "certificate file (.p12), or enrol it on your profile page."))
        status = row.status()
        if status == "revoked":
            raise SigningError("revoked", _l(
                "Your signing certificate has been revoked: enrol a new one."))
        if status == "expired":
            raise SigningError("expired", _l(
                "Your signing certificate expired on %(date)s: enrol a new one.",
                date=row.not_after.date().isoformat()))
        if status == "not_yet_valid":
            raise SigningError("expired", _l(
                "Your signing certificate is valid only from %(date)s.",
                date=row.not_before.date().isoformat()))
        certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
        if ca.is_revoked(certificate):
            raise SigningError("revoked", _l(
                "Your signing certificate has been revoked: enrol a new one."))
        return _Material(row, certificate, _chain(row, certificate))

    def check(self, *, user) -> None:
        self._material(user)

    def sign_pdf(self, pdf_bytes: bytes, *, user, passphrase: str, reason: str,
                 location: str) -> bytes:
        material = self._material(user)
        key = decrypt_key(material.row, passphrase)
        config = current_app.config
        try:
            return pades.sign(pdf_bytes, key=key, certificate=material.certificate,
                              chain=material.chain, reason=reason, location=location,
                              tsa_url=config["SIGNING_TSA_URL"],
                              tsa_timeout=config["SIGNING_TSA_TIMEOUT_SECONDS"])
        except pades.TimestampUnavailable:
            raise SigningError("unavailable", _l(
                "The timestamp service did not answer; try again in a moment.")) from None
