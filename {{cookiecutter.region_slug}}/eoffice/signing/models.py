"""Signing certificates of officials (the ``sertifikat`` backend) and the trust roots
for verifying signed PDFs (issue 10)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import utcnow
from eoffice.extensions import db


class SigningCertificate(db.Model):
    """An official's certificate with its private key, enrolled from a PKCS#12 file.

    The certificate is kept as PEM (public; ``chain_pem`` holds the issuers the PKCS#12
    carried, embedded in every signature so a verifier can build the path). The private
    key is kept only encrypted: AES-256-GCM under a key derived (``kdf``, e.g.
    ``scrypt:32768:8:3``) from the official's *signing passphrase* with ``key_salt``;
    the passphrase itself is never stored, so neither the database nor a backup can sign
    without it. An official signs with their newest row that is not revoked; older rows
    stay for the record (the audit log names their serials)."""

    __tablename__ = "signing_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    chain_pem: Mapped[str] = mapped_column(sa.Text, default="")
    subject: Mapped[str] = mapped_column(sa.String(1000))
    issuer: Mapped[str] = mapped_column(sa.String(1000))
    serial: Mapped[str] = mapped_column(sa.String(64))  # upper-case hexadecimal
    fingerprint: Mapped[str] = mapped_column(sa.String(100))  # SHA-256, colon-separated
    not_before: Mapped[dt.datetime]  # UTC, naive like every stored time
    not_after: Mapped[dt.datetime]
    key_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    key_salt: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    key_nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(12))
    kdf: Mapped[str] = mapped_column(sa.String(50))
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(200))

    user = relationship("User", foreign_keys=[user_id])

    def status(self, now: dt.datetime | None = None) -> str:
        """``revoked``, ``not_yet_valid``, ``expired`` or ``valid``."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if now < self.not_before:
            return "not_yet_valid"
        return "expired" if now > self.not_after else "valid"

    def __repr__(self) -> str:
        return f"<SigningCertificate {self.serial} user={self.user_id}>"


class TrustRoot(db.Model):
    """A CA certificate an administrator trusts for signed PDFs (akar tepercaya), beside
    the region's own CA, which is always trusted: typically the national root of
    BSrE/BSSN, or another region's CA for letters exchanged with it.

    The certificate itself is kept (PEM), so the roots travel with a database backup;
    subject, validity and fingerprint are copies of it for the admin list.
    """

    __tablename__ = "signing_trust_roots"
    # The audit log names roots by id: SQLite must not give a deleted id out again.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(95), unique=True)  # SHA-256, AA:BB:..
    subject: Mapped[str] = mapped_column(sa.String(500))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime]
    pem: Mapped[str] = mapped_column(sa.Text)
    added_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def expired(self) -> bool:
        return self.not_after < utcnow()
