from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from eoffice import audit
from eoffice.admin import bp
from eoffice.admin.forms import UserForm
from eoffice.auth import services as auth_services
from eoffice.auth import sessions
from eoffice.auth.models import User
from eoffice.extensions import db
from eoffice.inputs import page_arg, text_arg
from eoffice.maintenance.chain import read_anchors
from eoffice.org.models import Position
from eoffice.security import ROLES, permission_required
from eoffice.signing import roots
from eoffice.signing.ca import fingerprint
from eoffice.signing.forms import TrustRootForm
from eoffice.signing.models import TrustRoot
from eoffice.signing.verify import region_ca_certificate
from eoffice.staff.models import Staff
from eoffice.staff.nip import format_nip
from eoffice.staff.services import staff_by_number
from eoffice.ui import rows_per_page

# "user role": "Administrator" is also a kind of jabatan, translated differently.
ROLE_LABELS = {"admin": lazy_pgettext("user role", "Administrator"),
               "pencatat": lazy_pgettext("user role", "Records clerk"),
               "pimpinan": lazy_pgettext("user role", "Head of office"),
               "pegawai": lazy_pgettext("user role", "Staff"),
               "arsiparis": lazy_pgettext("user role", "Archivist")}


@bp.route("/pengguna")
@permission_required("users.manage")
def users():
    # The position column: each user's staff record, its position and unit, loaded in
    # the same statement as the page (no query per row).
    query = sa.select(User).options(
        joinedload(User.staff).joinedload(Staff.position).joinedload(Position.unit)
    ).order_by(User.username)
    q = text_arg("q") or ""  # a control character (a tampered link): no filter
    if q:
        query = query.where(sa.or_(User.username.ilike(f"%{q}%"), User.full_name.ilike(f"%{q}%")))
    page = db.paginate(query, page=page_arg(), per_page=rows_per_page(), max_per_page=100)
    return render_template("admin/users.html", page=page, q=q, role_labels=ROLE_LABELS)


@bp.route("/pengguna/pegawai.json")
@permission_required("users.manage")
def staff_suggestions():
    """Staff records without an account matching a name or the start of a NIP/PPPK
    number: the new-user form's staff picker (static/js/staff-picker.js) offers them,
    so that linking an account needs no NIP copied from another page."""
    from eoffice.staff.services import StaffFilter, staff_query

    q = text_arg("q", 100) or ""
    if len(q) < 2:
        return jsonify([])
    query = staff_query(StaffFilter(q=q, status="aktif"), current_user).where(
        ~sa.exists().where(User.staff_id == Staff.id)).limit(10)
    return jsonify([{
        "name": staff.name, "number": format_nip(staff.id_number),
        "label": " · ".join(part for part in (
            staff.name, staff.position.name if staff.position else staff.jabatan_name,
            staff.unit.name if staff.unit else None) if part),
    } for staff in db.session.scalars(query).unique() if staff.id_number])


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@bp.route("/pengguna/<int:user_id>/ubah", methods=["GET", "POST"])
@permission_required("users.manage")
def edit_user(user_id: int | None = None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.roles.choices = [(r, ROLE_LABELS.get(r, r)) for r in ROLES]
    if user is None:  # there is no current password to keep
        form.password.label.text = _("Password")
        form.password.description = _("Required. The user must change it at the first login.")
    if user is not None and request.method == "GET":
        form.roles.data = sorted(user.role_names)
        form.staff_number.data = format_nip(user.staff.id_number) if user.staff else ""
    if form.validate_on_submit():
        staff = None
        if (form.staff_number.data or "").strip():
            staff = staff_by_number(form.staff_number.data)
            if staff is None:
                form.staff_number.errors.append(_("No staff member has that NIP or PPPK number."))
        if not form.errors:
            try:
                if user is None:
                    if not form.password.data:
                        raise auth_services.AuthError(_("A new user needs a password."),
                                                      field="password")
                    user = auth_services.create_user(
                        form.username.data, form.password.data, full_name=form.full_name.data,
                        roles=form.roles.data, email=form.email.data or None, staff=staff,
                        must_change=True, actor=current_user)
                else:
                    _update_user(user, form, staff)
            except auth_services.AuthError as exc:
                db.session.rollback()
                getattr(form, exc.field or "username", form.username).errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("User %(u)s saved.", u=user.username), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           active_sessions=sessions.active_sessions(user) if user else [])


def _update_user(user: User, form: UserForm, staff) -> None:
    if user.id == current_user.id and ("admin" not in form.roles.data or not form.active.data):
        raise auth_services.AuthError(
            _("You cannot remove your own admin role or deactivate yourself."), field="roles")
    auth_services.check_staff_free(staff, user)
    user.full_name, user.email = form.full_name.data, form.email.data or None
    was_active = user.active
    user.staff, user.active = staff, form.active.data
    auth_services.set_roles(user, form.roles.data)
    was_locked = user.locked_until is not None or user.failed_logins > 0
    user.locked_until, user.failed_logins = None, 0  # the admin's save unlocks the account
    ended = 0
    if form.password.data:
        ended = auth_services.reset_password(user, form.password.data, actor=current_user)
    if was_active and not user.active:
        ended += sessions.end_all(user, sessions.DEACTIVATED)
    audit.record("user.updated", user, actor=current_user,
                 data={"roles": sorted(form.roles.data), "active": user.active,
                       "password_reset": bool(form.password.data), "unlocked": was_locked,
                       "sessions_ended": ended})


@bp.route("/pengguna/<int(max=2147483647):user_id>/akhiri-sesi", methods=["POST"])
@permission_required("users.manage")
def end_user_sessions(user_id: int):
    """End every session of a user at once: a lost laptop, a PC left logged in."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    ended = auth_services.end_all_sessions(user, actor=current_user)
    db.session.commit()
    flash(_("%(n)d session(s) of %(u)s ended.", n=ended, u=user.username), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    """The audit log, newest first, paged by id (never counted whole: a region's log
    grows by every sign-in), filtered by group and action chosen by name."""
    from eoffice import paging
    from eoffice.audit_labels import action_choices, action_label, group_choices, object_ref

    groups = group_choices()
    group = text_arg("kelompok", 100) or ""
    if group not in {value for value, _label in groups}:
        group = ""
    prefixes = group.split(",") if group else []
    actions = action_choices(prefixes)
    action = text_arg("aksi", 64) or ""
    legacy = text_arg("action", 100) or ""  # the old free-text prefix filter, for bookmarks
    query = sa.select(audit.AuditEvent)
    if action:
        query = query.where(audit.AuditEvent.action == action)
    elif prefixes:
        query = query.where(sa.or_(*[audit.AuditEvent.action.like(f"{prefix}.%")
                                     for prefix in prefixes]))
    elif legacy:
        query = query.where(audit.AuditEvent.action.like(f"{legacy}%"))
    cursor = paging.fits(paging.cursor_arg(), int)
    per_page = paging.per_page_arg(rows_per_page(), maximum=200)
    forward = cursor is None or cursor.forward
    if cursor is not None:
        query = query.where(paging.after([audit.AuditEvent.id], cursor.key, descending=forward))
    order = audit.AuditEvent.id.desc() if forward else audit.AuditEvent.id.asc()
    rows = list(db.session.scalars(query.order_by(order).limit(per_page + 1)))
    page = paging.page_from_rows(rows, per_page, cursor, lambda event: (event.id,))
    chain = audit.verify_chain(read_anchors()) if request.args.get("verify") == "1" else None
    args = {k: v for k, v in (("kelompok", group), ("aksi", action), ("action", legacy)) if v}
    return render_template("admin/audit.html", page=page, chain=chain, groups=groups,
                           group=group, actions=actions, action=action, args=args,
                           action_label=action_label, object_ref=object_ref)


@bp.route("/akar-tepercaya", methods=["GET", "POST"])
@permission_required("signing.trust_roots")
def trust_roots():
    """The CA certificates trusted for signed PDFs: the region CA (always) and the roots
    added here, such as the national BSrE/BSSN root."""
    form = TrustRootForm()
    if form.validate_on_submit():
        try:
            root = roots.add_root(form.certificate.data.read(), actor=current_user)
        except roots.RootError as exc:
            db.session.rollback()
            form.certificate.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Trust root added: %(subject)s", subject=root.subject), "success")
            return redirect(url_for("admin.trust_roots"))
    return render_template("admin/trust_roots.html", form=form, roots=roots.list_roots(),
                           region_ca=region_ca_certificate(), fingerprint=fingerprint)


@bp.route("/akar-tepercaya/<int:root_id>/hapus", methods=["POST"])
@permission_required("signing.trust_roots")
def remove_trust_root(root_id: int):
    root = db.session.get(TrustRoot, root_id)
    if root is None:
        abort(404)
    subject = root.subject
    roots.remove_root(root, actor=current_user)
    db.session.commit()
    flash(_("Trust root removed: %(subject)s", subject=subject), "info")
    return redirect(url_for("admin.trust_roots"))
