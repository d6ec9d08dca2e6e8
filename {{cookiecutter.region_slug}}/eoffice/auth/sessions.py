"""Browser sessions: Flask-Login wiring, the server-side session records, expiry.

A login makes a ``UserSession`` row and puts a random secret in the signed session
cookie (Flask-Login's ``_user_id``); only the secret's SHA-256 is stored. Each
request looks the secret up with one indexed query (the user and their staff record
come in the same statement), so a session ended on the server (logout, a password
change, a deactivated or locked account, an administrator's "end all sessions")
logs nobody in from its next request on, whatever copy of the cookie is replayed.

The rest of the cookie (language, CSRF token, flashed messages) stays in Flask's
signed cookie: none of it grants access.

Expiry: idle after SESSION_IDLE_MINUTES without a request (``last_seen_at``), over
SESSION_LIFETIME_MINUTES after login (``created_at``), however active. ``last_seen_at``
is written at most once a minute, so that reading pages costs no write.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import Flask, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from itsdangerous import BadSignature
from sqlalchemy.orm import contains_eager

from eoffice.assets import is_asset_endpoint
from eoffice.auth.models import User, UserSession
from eoffice.db import utcnow
from eoffice.extensions import db

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often
KEEP_ENDED = dt.timedelta(days=30)  # ended sessions are kept this long, then pruned at login
TRUSTED_PROXIES = {"127.0.0.1", "::1"}  # nginx on this machine (deploy/nginx.conf)

# Why a session ended (UserSession.revoked_reason).
LOGOUT, ENDED, OTHERS_ENDED = "logout", "ended", "others_ended"
PASSWORD_CHANGED, PASSWORD_RESET = "password_changed", "password_reset"
DEACTIVATED, LOCKED, ADMIN = "deactivated", "locked", "admin"

# g keys of the current request: its live session row, or why the cookie's session is over.
_CURRENT, _ENDED = "_eoffice_session", "_eoffice_session_ended"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def client_ip() -> str | None:
    """The browser's address: nginx's X-Real-IP when the request came through nginx on
    this machine (gunicorn sees only 127.0.0.1), otherwise the connection's address.
    A header sent by anyone else is ignored: it could name any address."""
    remote = request.remote_addr
    forwarded = request.headers.get("X-Real-IP", "").strip()
    if remote in TRUSTED_PROXIES and forwarded:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return remote
    return remote


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    from flask import current_app

    return (dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]),
            dt.timedelta(minutes=current_app.config["SESSION_LIFETIME_MINUTES"]))


def _live_clause(now: dt.datetime):
    idle, lifetime = _limits()
    return sa.and_(UserSession.revoked_at.is_(None), UserSession.last_seen_at > now - idle,
                   UserSession.created_at > now - lifetime)


# --- Starting, finding and ending sessions ------------------------------------------------

def begin(user: User) -> UserSession:
    """Log ``user`` in on this browser: a new session row, and its secret in the cookie.

    The caller clears the old cookie first (no session fixation) and commits.
    """
    now = utcnow()
    db.session.execute(sa.delete(UserSession).where(
        UserSession.user_id == user.id,
        sa.or_(UserSession.revoked_at < now - KEEP_ENDED,
               UserSession.last_seen_at < now - KEEP_ENDED)))
    secret = secrets.token_urlsafe(32)
    record = UserSession(token_hash=hash_secret(secret), user_id=user.id, created_at=now,
                         last_seen_at=now, ip=client_ip(),
                         user_agent=(request.user_agent.string or "")[:255] or None)
    db.session.add(record)
    db.session.flush()
    login_user(user)
    session["_user_id"] = secret  # the cookie names the session, never the user
    session.permanent = True  # the cookie lasts the session's lifetime, not the browser's
    setattr(g, _CURRENT, record)
    return record


def current_session() -> UserSession | None:
    """The live session of this request's browser login, if any."""
    if not current_user.is_authenticated:
        return None
    return g.get(_CURRENT)


def load(secret: str) -> User | None:
    """The user whose live session the cookie names; notes in ``g`` why not, if not."""
    setattr(g, _CURRENT, None)
    if not secret or len(secret) > 100:
        return None
    row = db.session.execute(
        sa.select(UserSession).join(UserSession.user).options(contains_eager(UserSession.user))
        .where(UserSession.token_hash == hash_secret(secret))).scalar_one_or_none()
    now = utcnow()
    idle, lifetime = _limits()
    if row is None or row.revoked_at is not None or not row.user.active or row.user.is_locked:
        locked = row is not None and row.user.active and row.user.is_locked
        setattr(g, _ENDED, ENDED)
        if locked:  # said on the login page: until when, so that no one guesses again
            setattr(g, _ENDED, LOCKED)
            g._eoffice_locked_until = row.user.locked_until
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        setattr(g, _ENDED, "expired")
        return None
    setattr(g, _CURRENT, row)
    return row.user


def active_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, the most recently used first."""
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, _live_clause(utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end(record: UserSession, reason: str) -> None:
    if record.revoked_at is None:
        record.revoked_at, record.revoked_reason = utcnow(), reason


def end_all(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of ``user`` (but ``keep``); how many were ended."""
    now = utcnow()
    query = sa.update(UserSession).where(UserSession.user_id == user.id, _live_clause(now))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(revoked_at=now, revoked_reason=reason),
                                execution_options={"synchronize_session": "fetch"})
    return result.rowcount or 0


def _touch(record: UserSession) -> None:
    """Move the idle clock, at most once a minute (or a tenth of the idle limit).

    A read (GET) commits at once in its own short write transaction, and so does a
    request whose view takes the write lock itself later (``numbering.locks_itself``);
    another write request carries it in its own transaction, which holds the write lock
    already.
    """
    from flask import current_app

    from eoffice.numbering import begin_write, request_locks_itself

    now = utcnow()
    idle, _lifetime = _limits()
    if now - record.last_seen_at < min(TOUCH_EVERY, idle / 10):
        return
    record_id = record.id
    safe = request.method in ("GET", "HEAD", "OPTIONS") or request_locks_itself(current_app)
    if safe:
        begin_write()
    # The idle clock changes no page: the page cache's token stays (eoffice/pagecache.py).
    db.session.execute(sa.update(UserSession).where(UserSession.id == record_id)
                       .values(last_seen_at=now),
                       execution_options={"eoffice_page_cache_quiet": True})
    if safe:
        db.session.commit()


def trusted_until(record: UserSession) -> dt.datetime:
    """Until when the session needs no look: before its idle clock is due to move
    (``_touch``) and before its lifetime ends. The page cache serves a copy of a page
    without loading the user only until then (its revocation, the user's lock or
    deactivation are writes, which the cache sees)."""
    idle, lifetime = _limits()
    return min(record.last_seen_at + min(TOUCH_EVERY, idle / 10),
               record.created_at + lifetime)


# --- Describing a session to its user ---------------------------------------------------------

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("SamsungBrowser/", "Samsung Internet"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def describe_device(user_agent: str | None) -> str:
    """"Firefox on Windows" from a User-Agent header: enough to recognise one's device."""
    text = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in text), None)
    system = next((name for marker, name in _SYSTEMS if marker in text), None)
    if browser and system:
        return str(_l("%(browser)s on %(system)s", browser=browser, system=system))
    if browser or system:
        return browser or system
    match = re.match(r"[\w.-]{1,40}", text)
    return match.group(0) if match else str(_l("Unknown device"))


# --- Flask wiring ---------------------------------------------------------------------------

def init_login_manager(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load)


# Pages a user who must change their password may still open.
OPEN_WHILE_PASSWORD_MUST_CHANGE = {"static", "auth.change_password", "auth.password_strength",
                                   "auth.logout", "auth.set_language", "dashboard.logo"}


# Requests that carry their own credentials (an API token, a signed exchange message):
# the browser session is neither checked nor renewed for them.
STATELESS_BLUEPRINTS = {"api", "exchange_endpoint"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left off asset responses entirely (``static``, any
    blueprint's ``<name>.static``, the logo: ``eoffice.assets.is_asset_endpoint``).

    - No cookie: a late favicon or stylesheet response must not set a session cookie
      again after the user logged out in another tab. Assets neither extend the
      session either (``_check_session`` skips them).
    - No ``Vary: Cookie``, which Flask adds whenever anything looked at the session
      (Flask-Login does on every response): browsers would keep an asset only for one
      value of the cookie and ask for every stylesheet and script again after a login.
    """

    remembered = 1024  # verified cookies kept per worker

    def __init__(self):
        super().__init__()
        self._verified: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self._lock = threading.Lock()

    def open_session(self, app, request):
        """Flask's, remembering the cookies it verified lately. A browser sends the same
        cookie with every request; checking its signature and decoding it again is most
        of the work of a page the page cache serves (eoffice/pagecache.py). Only a
        cookie whose signature held is remembered, and its age is checked on every use."""
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        with self._lock:
            known = self._verified.get(value)
            if known is not None:
                self._verified.move_to_end(value)
        if known is not None and time.time() - known[1] <= max_age:
            return self.session_class(_copy(known[0]))
        try:
            data, signed_at = self.get_signing_serializer(app).loads(
                value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            self._verified[value] = (_copy(data), signed_at.timestamp())
            while len(self._verified) > self.remembered:
                self._verified.popitem(last=False)
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        if is_asset_endpoint(request.endpoint):
            return
        super().save_session(app, session, response)


def _copy(data: dict) -> dict:
    """A session's values are strings, numbers and booleans, but for the flashes' list."""
    if all(isinstance(value, str | int | float | bool | None) for value in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def init_session_expiry(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def _check_session():
        """Each request loads its user from its own cookie (an app context shared by
        several requests, as in tests, must not carry one request's user into the next).
        A cookie whose session has ended or expired is forgotten, with a word why."""
        for key in ("_login_user", _CURRENT, _ENDED):
            g.pop(key, None)
        if is_asset_endpoint(request.endpoint) or request.blueprint in STATELESS_BLUEPRINTS:
            return None
        if current_user.is_authenticated:
            record = g.get(_CURRENT)
            if record is not None:
                _touch(record)
            return None
        ended = g.pop(_ENDED, None)
        if ended is None:
            return None
        locale = session.get("locale")
        logout_user()
        session.clear()
        if locale:
            session["locale"] = locale
        if ended == LOCKED:
            from eoffice.ui import filter_datetime

            flash(_l("Too many wrong passwords or signing passphrases in a row: your account "
                     "is locked until %(time)s, login included, and you have been logged "
                     "out everywhere.", time=filter_datetime(g.pop("_eoffice_locked_until"))),
                  "warning")
        else:
            flash(_l("Your session expired. Please log in again.") if ended == "expired" else
                  _l("Your session has ended. Please log in again."), "warning")
        if request.endpoint in ("auth.login", "auth.logout"):
            return None
        return redirect(url_for("auth.login", next=request.full_path))

    @app.before_request
    def _require_password_change():
        """A password set by an administrator (or one that fails today's rules) is
        changed before anything else is done. Assets are let through before the user is
        loaded: reading the session would add ``Vary: Cookie`` to their responses and
        defeat the browser's cache."""
        if is_asset_endpoint(request.endpoint) or request.blueprint in STATELESS_BLUEPRINTS \
                or request.endpoint in OPEN_WHILE_PASSWORD_MUST_CHANGE \
                or not current_user.is_authenticated or not current_user.must_change_password:
            return None
        flash(_l("Please choose a new password."), "warning")
        return redirect(url_for("auth.change_password"))
