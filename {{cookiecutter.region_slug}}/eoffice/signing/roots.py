"""Trust roots an administrator adds for verifying signed PDFs (issue 10).

The region CA (``instance/ca/ca.pem``) is always trusted and is not kept here; these
are the others: the national root of BSrE/BSSN once the region signs with certified
certificates, another region's CA for letters received from it. Adding and removing
one is audited: who trusts which root decides which signatures the public page calls
valid.
"""

from __future__ import annotations

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask_babel import gettext as _

from eoffice import audit
from eoffice.extensions import db
from eoffice.signing.ca import fingerprint
from eoffice.signing.models import TrustRoot

MAX_CERTIFICATE_BYTES = 64 * 1024  # a root certificate is 1-2 kB; a bundle is refused


class RootError(Exception):
    """A certificate that cannot be added; ``str()`` is one translated line."""


def parse_certificate(data: bytes) -> x509.Certificate:
    """One X.509 certificate, PEM or DER; anything else is refused with a reason."""
    if not data:
        raise RootError(_("Choose a certificate file (.pem, .crt or .cer)."))
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise RootError(_("This file is too large to be one certificate."))
    if b"-----BEGIN" in data:
        if data.count(b"-----BEGIN CERTIFICATE-----") > 1:
            raise RootError(_("The file holds several certificates: add them one at a time."))
        loader = x509.load_pem_x509_certificate
    else:
        loader = x509.load_der_x509_certificate
    try:
        certificate = loader(data)
        certificate.subject.rfc4514_string()  # malformed names fail only when read
    except ValueError:
        raise RootError(_("This file is not an X.509 certificate (PEM or DER).")) from None
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        constraints = None
    except ValueError:
        raise RootError(_("This file is not an X.509 certificate (PEM or DER).")) from None
    if constraints is None or not constraints.value.ca:
        raise RootError(_("This is not a CA certificate: only a certificate authority can be "
                          "a trust root."))
    return certificate


def _utc(value) -> object:
    return value.replace(tzinfo=None)


def add_root(data: bytes, *, actor) -> TrustRoot:
    certificate = parse_certificate(data)
    digest = fingerprint(certificate)
    if db.session.scalar(sa.select(TrustRoot.id).where(TrustRoot.fingerprint == digest)):
        raise RootError(_("This certificate is already a trust root."))
    root = TrustRoot(
        fingerprint=digest, subject=certificate.subject.rfc4514_string()[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        not_before=_utc(certificate.not_valid_before_utc),
        not_after=_utc(certificate.not_valid_after_utc),
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        added_by_id=getattr(actor, "id", None))
    db.session.add(root)
    audit.record("signing.root_added", root, actor=actor,
                 data={"fingerprint": digest, "subject": root.subject})
    return root


def remove_root(root: TrustRoot, *, actor) -> None:
    audit.record("signing.root_removed", root, actor=actor,
                 data={"fingerprint": root.fingerprint, "subject": root.subject})
    db.session.delete(root)


def list_roots() -> list[TrustRoot]:
    return list(db.session.scalars(sa.select(TrustRoot).order_by(TrustRoot.subject,
                                                                 TrustRoot.id)))


def root_certificates() -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(root.pem.encode("ascii")) for root in list_roots()]
