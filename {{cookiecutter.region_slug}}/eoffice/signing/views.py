"""Enrolling and revoking officials' signing certificates (the ``sertifikat`` backend).

The forms live on the pages where people look for them, the administrator's user page and
the official's own profile (``signing/_certificates.html``); these routes take the posts.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.auth.models import User
from eoffice.extensions import db
from eoffice.security import permission_required
from eoffice.signing import bp, sertifikat
from eoffice.signing.backends import SigningError, current_backend
from eoffice.signing.forms import EnrolForm, RevokeForm
from eoffice.signing.models import SigningCertificate


def signing_problem(user) -> str | None:
    """Why ``user`` could not sign now (no certificate, expired, revoked, the backend
    missing), told before they type their passphrase; None when nothing is known wrong."""
    try:
        backend = current_backend()
        check = getattr(backend, "check", None)
        if check is not None:
            check(user=user)
    except SigningError as exc:
        return str(exc)
    return None


@bp.app_context_processor
def _certificates_panel():
    """What ``signing/_certificates.html`` and the sign form show, on any page."""
    return {"signing_certificates": sertifikat.certificates_of,
            "signing_enrol_form": EnrolForm, "signing_revoke_form": RevokeForm,
            "signing_problem": signing_problem, "signing_lock_warning": _lock_warning}


def _lock_warning(user) -> str:
    from eoffice.auth.services import lock_warning

    return lock_warning(user)


def _enrol(user: User, back: str):
    form = EnrolForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors)
              or _("The form has expired; try again."), "danger")
        return redirect(back)
    upload = form.p12.data
    data = upload.read(sertifikat.MAX_P12_BYTES + 1) if hasattr(upload, "read") else b""
    try:
        row = sertifikat.enrol(user, data, form.p12_password.data or "",
                               form.passphrase.data or "", confirm=form.confirm.data or "",
                               actor=current_user)
    except sertifikat.EnrolError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Signing certificate enrolled: %(subject)s, valid until %(date)s.",
            subject=row.subject, date=row.not_after.date().isoformat()), "success")
    return redirect(back)


@bp.route("/admin/pengguna/<int(max=2147483647):user_id>/sertifikat", methods=["POST"])
@permission_required("users.manage")
def enrol_for(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    return _enrol(user, url_for("admin.edit_user", user_id=user.id) + "#signing")


@bp.route("/akun/sertifikat", methods=["POST"])
@permission_required("profile.view")
def enrol_own():
    return _enrol(current_user, url_for("auth.profile") + "#signing")


@bp.route("/admin/pengguna/<int(max=2147483647):user_id>/sertifikat/"
          "<int(max=2147483647):certificate_id>/cabut", methods=["POST"])
@permission_required("users.manage")
def revoke(user_id: int, certificate_id: int):
    row = db.session.get(SigningCertificate, certificate_id)
    if row is None or row.user_id != user_id:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        sertifikat.revoke(row, actor=current_user, reason=form.reason.data or "")
        db.session.commit()
        flash(_("Certificate %(serial)s revoked: it signs nothing from now on.",
                serial=row.serial), "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("admin.edit_user", user_id=user_id) + "#signing")
