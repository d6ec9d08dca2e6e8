from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.extensions import db
from eoffice.inputs import int_arg
from eoffice.org import acting as acting_services
from eoffice.org import bp, services
from eoffice.org.forms import ActingForm, PositionForm, UnitForm
from eoffice.org.models import ActingAssignment, Position, Unit
from eoffice.security import permission_required
from eoffice.staff.nip import format_nip
from eoffice.staff.services import staff_by_number


@bp.route("/")
@permission_required("org.view")
def index():
    show_all = request.args.get("semua") == "1"
    tree = services.flatten(services.unit_tree(include_inactive=show_all))
    return render_template("org/index.html", tree=tree, show_all=show_all)


def _get(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


@bp.route("/unit/baru", methods=["GET", "POST"])
@bp.route("/unit/<int:unit_id>/ubah", methods=["GET", "POST"])
@permission_required("org.edit")
def edit_unit(unit_id: int | None = None):
    unit = _get(Unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    if unit is None and request.method == "GET":
        form.parent_id.data = int_arg("induk")
    form.parent_id.choices = [(None, _("(top level)"))] + [
        (i, n) for i, n in services.unit_choices(include_inactive=True)
        if unit is None or i != unit.id]
    if form.validate_on_submit():
        try:
            unit = services.save_unit(unit, code=form.code.data, name=form.name.data,
                                      kind=form.kind.data, parent_id=form.parent_id.data,
                                      sort_order=form.sort_order.data, active=form.active.data,
                                      actor=current_user)
        except services.OrgError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Unit %(n)s saved.", n=unit.name), "success")
            return redirect(url_for("org.index") + f"#unit-{unit.id}")
    return render_template("org/unit_form.html", form=form, unit=unit)


@bp.route("/jabatan/baru", methods=["GET", "POST"])
@bp.route("/jabatan/<int:position_id>/ubah", methods=["GET", "POST"])
@permission_required("org.edit")
def edit_position(position_id: int | None = None):
    position = _get(Position, position_id) if position_id else None
    form = PositionForm(obj=position)
    if request.method == "GET" and position is None:
        form.unit_id.data = int_arg("unit")
    if position is not None and position.holder and \
            (request.method == "GET" or not form.holder.raw_data):
        # The field is the holder's number, the model's ``holder`` a Staff: a form sent
        # without the field kept the object (a 500 on .strip()); it keeps the holder.
        form.holder.data = format_nip(position.holder.id_number)
    form.unit_id.choices = services.unit_choices()
    form.parent_id.choices = [(None, _("(none)"))] + [
        (i, n) for i, n in services.position_choices()
        if position is None or i != position.id]
    if form.validate_on_submit():
        holder_id = None
        if (form.holder.data or "").strip():
            holder = staff_by_number(form.holder.data)
            if holder is None:
                form.holder.errors.append(_("No staff member has that NIP or PPPK number."))
                return render_template("org/position_form.html", form=form, position=position)
            holder_id = holder.id
        try:
            position = services.save_position(
                position, name=form.name.data, unit_id=form.unit_id.data,
                parent_id=form.parent_id.data, jabatan_type=form.jabatan_type.data,
                is_head=form.is_head.data, holder_id=holder_id,
                sort_order=form.sort_order.data, active=form.active.data, actor=current_user)
        except services.OrgError as exc:
            db.session.rollback()
            field_name = {"holder_id": "holder"}.get(exc.field or "", exc.field or "name")
            getattr(form, field_name, form.name).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Position %(n)s saved.", n=position.name), "success")
            return redirect(url_for("org.index") + f"#unit-{position.unit_id}")
    return render_template("org/position_form.html", form=form, position=position)


# --- Acting officials (Plt / Plh) -------------------------------------------------------

@bp.route("/plt", methods=["GET", "POST"])
@permission_required("org.edit")
def acting():
    """Acting officials: the list (of a unit or a position, past ones on request) and
    the form that appoints one."""
    from eoffice.auth.models import User

    unit_id, position_id = int_arg("unit"), int_arg("jabatan")
    show_past = request.args.get("semua") == "1"
    form = ActingForm()
    form.position_id.choices = [("", "-")] + services.position_choices()
    if request.method == "GET" and position_id:
        form.position_id.data = position_id
    if form.validate_on_submit():
        person = staff_by_number(form.official.data or "")
        user = db.session.scalar(sa.select(User).where(User.staff_id == person.id)) \
            if person is not None else None
        if person is None:
            form.official.errors.append(_("No staff member has that NIP or PPPK number."))
        elif user is None:
            form.official.errors.append(_("%(n)s has no user account.", n=person.full_name))
        else:
            try:
                item = acting_services.create_assignment(
                    position_id=form.position_id.data, user_id=user.id, kind=form.kind.data,
                    start_date=form.start_date.data, end_date=form.end_date.data,
                    decree=form.decree.data or "", actor=current_user)
            except services.OrgError as exc:
                db.session.rollback()
                field_name = {"user_id": "official"}.get(exc.field or "", exc.field or "")
                getattr(form, field_name, form.position_id).errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(u)s acts as %(k)s %(p)s from %(a)s to %(b)s.", u=user.full_name,
                        k=item.label, p=item.position.name, a=item.start_date.isoformat(),
                        b=item.end_date.isoformat()), "success")
                return redirect(url_for("org.acting", jabatan=item.position_id))
    items = acting_services.assignments(unit_id=unit_id, position_id=position_id,
                                        include_past=show_past)
    return render_template("org/acting.html", form=form, items=items,
                           status=acting_services.status, unit_id=unit_id,
                           position_id=position_id, show_past=show_past,
                           position=db.session.get(Position, position_id) if position_id
                           else None, unit=db.session.get(Unit, unit_id) if unit_id else None)


@bp.route("/plt/<int:item_id>/akhiri", methods=["POST"])
@permission_required("org.edit")
def end_acting(item_id: int):
    return _acting_action(item_id, acting_services.end_assignment,
                          _("The assignment was ended: the acting official no longer holds "
                            "the position."))


@bp.route("/plt/<int:item_id>/hapus", methods=["POST"])
@permission_required("org.edit")
def delete_acting(item_id: int):
    return _acting_action(item_id, acting_services.delete_assignment,
                          _("The assignment was deleted."))


def _acting_action(item_id: int, action, success: str):
    item = _get(ActingAssignment, item_id)
    position_id = item.position_id
    try:
        action(item, actor=current_user)
    except services.OrgError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("org.acting", jabatan=position_id))
