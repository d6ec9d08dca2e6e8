"""Trust roots for verifying signed PDFs (issue 10)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import utcnow
from eoffice.extensions import db


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
