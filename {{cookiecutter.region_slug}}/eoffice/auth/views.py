from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from eoffice import audit
from eoffice.auth import bp, passwords, services, sessions
from eoffice.auth.forms import ChangePasswordForm, EndSessionsForm, LanguageForm, LoginForm
from eoffice.auth.models import UserSession
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
            session.clear()  # nothing planted before the login survives it
            sessions.begin(user)
            db.session.commit()
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
        record = sessions.current_session()
        if record is not None:
            sessions.end(record, sessions.LOGOUT)
        audit.record("auth.logout", current_user._get_current_object(), actor=current_user)
        db.session.commit()
    _forget_login()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _forget_login() -> None:
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(current_user, form.current.data, form.new.data,
                                             keep=sessions.current_session())
        except services.AuthError as error:
            field = form.current if error.field == "current" else form.new
            field.errors.append(str(error))
        else:
            flash(_("Your password has been changed.") + (" " + _(
                "You were logged out on %(n)d other device(s).", n=ended) if ended else ""),
                "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/akun/kata-sandi/periksa", methods=["POST"])
@login_required
def password_strength():
    """The strength meter of the change-password page asks here as the user types, so
    that it applies exactly the rules the server applies on saving (the user's name,
    the list of common passwords) without shipping that list to the browser."""
    password = request.form.get("password") or ""
    if not password:
        return jsonify(score=0, ok=False, message=None)
    verdict = passwords.check_password(
        password, username=current_user.username, full_name=current_user.full_name,
        email=current_user.email)
    return jsonify(score=verdict.score, ok=verdict.ok, message=verdict.message)


@bp.route("/akun/sesi", methods=["GET", "POST"])
@login_required
def my_sessions():
    """One's live sessions; ending one, or all but this one, asks for the password."""
    form = EndSessionsForm()
    current = sessions.current_session()
    if form.validate_on_submit():
        record = None
        if form.end.data != "others":
            record = db.session.get(UserSession, int(form.end.data)) \
                if form.end.data.isdigit() and len(form.end.data) < 10 else None
            if record is None or record.user_id != current_user.id:
                abort(404)
        try:
            services.confirm_password(current_user, form.password.data)
        except services.AuthError as error:
            form.password.errors.append(str(error))
        else:
            if record is None:
                ended = services.end_other_sessions(current_user, current)
                db.session.commit()
                flash(_("%(n)d other session(s) ended.", n=ended), "info")
            else:
                services.end_session(current_user, record, current=current)
                db.session.commit()
                if current is not None and record.id == current.id:
                    _forget_login()
                    flash(_("You have logged out."), "info")
                    return redirect(url_for("auth.login"))
                flash(_("The session has been ended."), "info")
            return redirect(url_for("auth.my_sessions"))
    return render_template("auth/sessions.html", form=form,
                           sessions=sessions.active_sessions(current_user), current=current,
                           describe=sessions.describe_device)


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
