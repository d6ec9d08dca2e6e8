"""Flask-Login wiring and session expiry (absolute and idle)."""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, logout_user

from eoffice.assets import is_asset_endpoint
from eoffice.extensions import db


def init_login_manager(login_manager: LoginManager) -> None:
    from eoffice.auth.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str):
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None


# Pages a user who must change their password may still open.
OPEN_WHILE_PASSWORD_MUST_CHANGE = {"static", "auth.change_password", "auth.logout",
                                   "auth.set_language", "dashboard.logo"}


# Requests that carry their own credentials (an API token, a signed exchange message):
# the browser session is neither checked nor renewed for them.
STATELESS_BLUEPRINTS = {"api", "exchange_endpoint"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left off asset responses entirely (``static``, any
    blueprint's ``<name>.static``, the logo: ``eoffice.assets.is_asset_endpoint``).

    - No cookie: a late favicon or stylesheet response must not set a session cookie
      again after the user logged out in another tab. Assets neither extend the
      session either (``_expire_idle_session`` skips them).
    - No ``Vary: Cookie``, which Flask adds whenever anything looked at the session
      (Flask-Login does on every response): browsers would keep an asset only for one
      value of the cookie, which changes on every page (``last_seen``), and ask for
      every stylesheet and script again on the next page.
    """

    def save_session(self, app, session, response) -> None:
        if is_asset_endpoint(request.endpoint):
            return
        super().save_session(app, session, response)


def init_session_expiry(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def _expire_idle_session():
        """Idle limit from the last request; absolute limit from the login (``login_at``,
        set by the login view), however active the user has been since."""
        if is_asset_endpoint(request.endpoint) or request.blueprint in STATELESS_BLUEPRINTS \
                or not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("last_seen", now)
        login_at = session.setdefault("login_at", now)
        if now - last_seen > app.config["SESSION_IDLE_MINUTES"] * 60 or \
                now - login_at > app.config["SESSION_LIFETIME_MINUTES"] * 60:
            logout_user()
            session.clear()
            flash(_l("Your session expired. Please log in again."), "warning")
            return redirect(url_for("auth.login", next=request.full_path))
        session["last_seen"] = now
        session.permanent = True
        return None

    @app.before_request
    def _require_password_change():
        """A password set by an administrator is changed before anything else is done.
        Assets are let through before the user is loaded: reading the session would add
        ``Vary: Cookie`` to their responses and defeat the browser's cache."""
        if is_asset_endpoint(request.endpoint) or request.blueprint in STATELESS_BLUEPRINTS \
                or request.endpoint in OPEN_WHILE_PASSWORD_MUST_CHANGE \
                or not current_user.is_authenticated or not current_user.must_change_password:
            return None
        flash(_l("Please choose a new password."), "warning")
        return redirect(url_for("auth.change_password"))
