"""Users of the application, the roles they hold and their browser sessions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import TimestampMixin, utcnow
from eoffice.extensions import db

if TYPE_CHECKING:
    from eoffice.staff.models import Staff


class User(UserMixin, TimestampMixin, db.Model):
    """A login. Linked to at most one staff record (``staff``), from which the
    user's position, and so their inboxes, follow."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL"), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id], lazy="joined")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def is_locked(self) -> bool:
        """Locked for a while after too many wrong passwords (``locked_until``)."""
        return bool(self.locked_until and self.locked_until > utcnow())

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    """One role held by a user (admin, pencatat, pimpinan, pegawai, or a plugin's)."""

    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))

    user: Mapped[User] = relationship(back_populates="roles")


class UserSession(db.Model):
    """One browser login, kept on the server so that it can be ended at once.

    The session cookie carries only a random secret; only its SHA-256 is stored
    (``token_hash``), so a copy of the database cannot be replayed as a cookie. A
    session is live while ``revoked_at`` is empty, the user is active and not
    locked, it was used within SESSION_IDLE_MINUTES (``last_seen_at``, written at
    most once a minute) and it began less than SESSION_LIFETIME_MINUTES ago.
    """

    __tablename__ = "user_sessions"
    # The audit log names sessions by id: SQLite must not give a pruned id out again.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    revoked_at: Mapped[dt.datetime | None]
    # logout, ended (by its user), others_ended, password_changed, password_reset,
    # deactivated, locked, admin, expired
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(20))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
