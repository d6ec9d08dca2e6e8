"""Rules about users: passwords, lockout after failed logins, roles."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from eoffice import audit
from eoffice.auth import sessions
from eoffice.auth.models import User, UserRole, UserSession
from eoffice.auth.passwords import check_password
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


def password_problem(password: str, user: User | None = None) -> str | None:
    """Why ``password`` is not acceptable as ``user``'s new password, or None
    (the rules: ``eoffice.auth.passwords``)."""
    return check_password(password, username=getattr(user, "username", None),
                          full_name=getattr(user, "full_name", None),
                          email=getattr(user, "email", None)).message


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
        # Someone is guessing this password: their sessions end too, so that a browser
        # left open (where a stranger tries the signing password) is closed at once.
        ended = sessions.end_all(user, sessions.LOCKED)
        audit.record("auth.locked", user, actor=None, data={
            "minutes": current_app.config["LOGIN_LOCK_MINUTES"], "sessions_ended": ended})


def lock_warning(user: User) -> str:
    """What the next wrong password or signing passphrase would do, said while there is
    still time: how many tries are left before the account (login included) is locked,
    and for how long. Empty when no wrong try is counted."""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    if user.is_locked:
        return gettext("Your account is now locked for %(m)d minutes, login included.",
                       m=minutes)
    if not user.failed_logins:
        return ""
    left = max(current_app.config["LOGIN_MAX_FAILURES"] - user.failed_logins, 1)
    # Two messages rather than ngettext: Indonesian has one form, and the catalogue's
    # translation tables (build/translate.py) hold plain strings.
    if left == 1:
        return gettext("1 more wrong password or passphrase locks your account for "
                       "%(m)d minutes, login included.", m=minutes)
    return gettext("%(num)d more wrong passwords or passphrases lock your account for "
                   "%(m)d minutes, login included.", num=left, m=minutes)


def is_locked(user: User) -> bool:
    return user.is_locked


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
    rule = check_password(password, username=user.username, full_name=user.full_name,
                          email=user.email).rule
    if rule is not None and not user.must_change_password:
        # Set under older rules (or before the list of leaked passwords grew): the
        # plaintext is at hand only now, so the change is asked for now.
        user.must_change_password = True
        audit.record("auth.password_rules_failed", user, actor=user, data={"rule": rule})
    db.session.commit()
    return user


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Every new password comes through here, whoever sets it (see auth/passwords.py)."""
    problem = password_problem(password, user)
    if problem:
        raise AuthError(problem, field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change


def change_password(user: User, current: str, new: str,
                    keep: UserSession | None = None) -> int:
    """Change one's own password; every other session of the user ends (``keep``, the
    browser it was changed in, stays). Returns how many sessions were ended."""
    if not check_password_hash(user.password_hash, current):
        raise AuthError(str(_l("The current password is wrong.")), field="current")
    set_password(user, new)
    ended = sessions.end_all(user, sessions.PASSWORD_CHANGED, keep=keep)
    audit.record("auth.password_changed", user, actor=user, data={"sessions_ended": ended})
    db.session.commit()
    return ended


def reset_password(user: User, password: str, *, actor) -> int:
    """An administrator sets a password the user must change at the next login; the
    user's sessions end (whoever held them no longer knows the password)."""
    set_password(user, password, must_change=True)
    return sessions.end_all(user, sessions.PASSWORD_RESET)


def confirm_password(user: User, password: str) -> None:
    """The user types their password again before a sensitive change (ending sessions:
    OWASP ASVS 3.3.4). A wrong one counts toward the lock, as at login, and is kept
    although the caller's change is refused."""
    if user.is_locked:
        raise AuthError(str(_l("Too many wrong passwords: try again later.")), field="password")
    if not check_password_hash(user.password_hash, password or ""):
        count_failed_password(user)
        audit.record("auth.password_confirm_failed", user, actor=user)
        db.session.commit()
        raise AuthError(str(_l("The password is wrong.")), field="password")
    user.failed_logins = 0  # the count is of wrong passwords in a row, as at login


def end_session(user: User, record: UserSession, *, current: UserSession | None) -> None:
    """A user ends one of their own sessions (from the sessions page)."""
    if record.revoked_at is not None:
        return  # ended meanwhile (another tab, a password change): nothing to record
    sessions.end(record, sessions.LOGOUT if current is not None and record.id == current.id
                 else sessions.ENDED)
    audit.record("auth.session_ended", user, actor=user,
                 data={"session": record.id, "ip": record.ip})


def end_other_sessions(user: User, current: UserSession | None) -> int:
    """A user ends all their sessions but the one they are using."""
    ended = sessions.end_all(user, sessions.OTHERS_ENDED, keep=current)
    audit.record("auth.sessions_ended", user, actor=user, data={"sessions_ended": ended})
    return ended


def end_all_sessions(user: User, *, actor) -> int:
    """An administrator ends every session of ``user`` (a lost laptop, a shared PC)."""
    ended = sessions.end_all(user, sessions.ADMIN)
    audit.record("user.sessions_ended", user, actor=actor, data={"sessions_ended": ended})
    return ended


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


__all__ = ["ROLES", "AuthError", "authenticate", "change_password", "create_user",
           "end_all_sessions", "end_other_sessions", "end_session", "reset_password",
           "set_roles"]
