"""The picker's search, and administrators' pages for groups and contacts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from eoffice.extensions import db
from eoffice.inputs import page_arg, text_arg
from eoffice.org.services import position_choices
from eoffice.recipients import bp, services
from eoffice.recipients.forms import ContactForm, GroupForm
from eoffice.recipients.models import ExternalContact, RecipientGroup
from eoffice.security import permission_required


@bp.route("/surat-keluar/penerima/cari")
@permission_required("outgoing.draft")
def search():
    """Positions, units, groups and contacts matching what the drafter typed."""
    return jsonify(results=services.search(text_arg("q", 100) or ""))


@bp.route("/admin/penerima/")
@permission_required("recipients.manage")
def index():
    groups = db.session.scalars(sa.select(RecipientGroup).order_by(RecipientGroup.name)
                                .options(selectinload(RecipientGroup.positions))).all()
    contacts = db.paginate(sa.select(ExternalContact).order_by(ExternalContact.name),
                           page=page_arg(), per_page=50, error_out=False)
    return render_template("recipients/index.html", groups=groups, contacts=contacts)


@bp.route("/admin/penerima/grup/baru", methods=["GET", "POST"])
@bp.route("/admin/penerima/grup/<int(max=2147483647):group_id>", methods=["GET", "POST"])
@permission_required("recipients.manage")
def edit_group(group_id: int | None = None):
    group = db.session.get(RecipientGroup, group_id) if group_id else None
    if group_id and group is None:
        abort(404)
    form = GroupForm(obj=group)
    form.position_ids.choices = position_choices()
    if request.method == "GET" and group is not None:
        form.position_ids.data = [p.id for p in group.positions]
    if form.validate_on_submit():
        try:
            group = services.save_group(group, actor=current_user, name=form.name.data,
                                        position_ids=form.position_ids.data,
                                        active=form.active.data)
        except services.RecipientError as exc:
            db.session.rollback()
            group = db.session.get(RecipientGroup, group_id) if group_id else None
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Group %(n)s saved.", n=group.name), "success")
            return redirect(url_for("recipients.index"))
    return render_template("recipients/group.html", form=form, group=group)


@bp.route("/admin/penerima/kontak/baru", methods=["GET", "POST"])
@bp.route("/admin/penerima/kontak/<int(max=2147483647):contact_id>", methods=["GET", "POST"])
@permission_required("recipients.manage")
def edit_contact(contact_id: int | None = None):
    contact = db.session.get(ExternalContact, contact_id) if contact_id else None
    if contact_id and contact is None:
        abort(404)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            contact = services.save_contact(contact, actor=current_user, name=form.name.data,
                                            agency=form.agency.data,
                                            address=form.address.data, active=form.active.data)
        except services.RecipientError as exc:
            db.session.rollback()
            contact = db.session.get(ExternalContact, contact_id) if contact_id else None
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Contact %(n)s saved.", n=contact.name), "success")
            return redirect(url_for("recipients.index"))
    return render_template("recipients/contact.html", form=form, contact=contact)
