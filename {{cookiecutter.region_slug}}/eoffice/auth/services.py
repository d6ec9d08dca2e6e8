"""Rules about users: passwords, lockout after failed logins, roles."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from eoffice import audit
from eoffice.auth.models import User, UserRole
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.security import ROLES


class AuthError(ValueError):
    """A rule about users was broken; ``str(error)`` is shown to the user.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return str(_l("The password must be at least %(n)d characters long.", n=minimum))
    if username and username.lower() in password.lower():
        return str(_l("The password must not contain the username."))
    if password.isdigit() or password.isalpha():
        return str(_l("The password must mix letters with digits or symbols."))
    return None


def find_user(username: str) -> User | None:
    username = (username or "").strip().lower()
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username))


def count_failed_password(user: User) -> None:
    """A wrong password (at login, or when signing a letter) counts toward the lock:
    after LOGIN_MAX_FAILURES the account is locked for LOGIN_LOCK_MINUTES."""
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + dt.timedelta(
            minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def authenticate(username: str, password: str) -> User | None:
    """The user if the password is right and the account usable; counts failures.

    After LOGIN_MAX_FAILURES wrong passwords the account is locked for
    LOGIN_LOCK_MINUTES. The answer never tells which of username or password
    was wrong.
    """
    user = find_user(username)
    now = utcnow()
    if user is None:
        hash_password(password)  # same cost as a real check: no user enumeration by time
        return None
    if user.locked_until and user.locked_until > now:
        audit.record("auth.login_locked", user, actor=user)
        db.session.commit()
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        count_failed_password(user)
        audit.record("auth.login_failed", user, actor=None)
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("auth.login", user, actor=user)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    problem = password_problem(password, user.username)
    if problem:
        raise AuthError(problem, field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AuthError(str(_l("The current password is wrong.")), field="current")
    set_password(user, new)
    audit.record("auth.password_changed", user, actor=user)
    db.session.commit()


def set_roles(user: User, roles: set[str] | list[str]) -> None:
    from eoffice.security import ROLES as CORE_ROLES

    table = current_app.extensions["eoffice_permissions"]
    unknown = set(roles) - set(table) - set(CORE_ROLES)
    if unknown:
        raise AuthError(str(_l("Unknown role: %(r)s", r=", ".join(sorted(unknown)))))
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted]
    for role in sorted(wanted - user.role_names):
        user.roles.append(UserRole(role=role))


def check_staff_free(staff, user: User | None) -> None:
    """A staff record is linked to one user at most."""
    if staff is None:
        return
    other = db.session.scalar(sa.select(User).where(User.staff_id == staff.id))
    if other is not None and (user is None or other.id != user.id):
        raise AuthError(str(_l("That staff record is already linked to user %(u)s.",
                               u=other.username)), field="staff_number")


def create_user(username: str, password: str, *, full_name: str, roles=(), email=None,
                staff=None, must_change: bool = False, actor=None) -> User:
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AuthError(str(_l("A username uses letters, digits, dots, dashes or underscores.")),
                        field="username")
    if find_user(username):
        raise AuthError(str(_l("The username %(u)s is already taken.", u=username)),
                        field="username")
    check_staff_free(staff, None)
    user = User(username=username, full_name=full_name, email=email, password_hash="",
                staff=staff)
    set_password(user, password, must_change=must_change)
    set_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor, data={"roles": sorted(user.role_names)})
    return user


__all__ = ["ROLES", "AuthError", "authenticate", "change_password", "create_user", "set_roles"]
