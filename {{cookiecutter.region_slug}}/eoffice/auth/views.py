from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from eoffice import audit
from eoffice.auth import bp, services
from eoffice.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from eoffice.extensions import db
from eoffice.security import permission_required


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("Wrong username or password, or the account is locked for a while."),
                  "danger")
        else:
            chosen_locale = session.get("locale")  # picked on the login page
            session.clear()
            login_user(user)
            session["login_at"] = session["last_seen"] = int(time.time())
            if user.locale or chosen_locale:
                session["locale"] = user.locale or chosen_locale
            if user.must_change_password:
                flash(_("Please choose a new password."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/keluar", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.record("auth.logout", current_user._get_current_object(), actor=current_user)
        db.session.commit()
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AuthError as error:
            field = form.current if error.field == "current" else form.new
            field.errors.append(str(error))
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/bahasa", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next") or request.referrer and
                               urlsplit(request.referrer).path))


@bp.route("/akun/profil")
@permission_required("profile.view")
def profile():
    return render_template("auth/profile.html", staff=current_user.staff)
