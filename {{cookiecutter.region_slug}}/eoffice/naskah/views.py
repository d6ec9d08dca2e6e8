"""Administrators manage naskah types and who may sign them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.extensions import db
from eoffice.naskah import bp, services
from eoffice.naskah.forms import RuleForm, TypeForm
from eoffice.naskah.models import NaskahType, SigningAuthority
from eoffice.org.services import position_choices
from eoffice.security import permission_required
from eoffice.series.services import opd_choices


@bp.route("/")
@permission_required("naskah.manage")
def index():
    items = services.all_types()
    return render_template("naskah/index.html", items=items,
                           series={t.id: services.series_covering(t) for t in items},
                           describe=services.describe)


def _rule_form() -> RuleForm:
    form = RuleForm(prefix="rule")
    form.unit_id.choices = [(None, _("Every OPD"))] + opd_choices()
    form.position_id.choices = [(None, "-")] + position_choices()
    return form


def _render_type(form: TypeForm, item: NaskahType | None, rule_form: RuleForm | None = None):
    return render_template(
        "naskah/form.html", form=form, item=item, rule_form=rule_form or _rule_form(),
        series=services.series_covering(item) if item is not None and item.id else [],
        history=services.history(item) if item is not None and item.id else [],
        describe=services.describe)


@bp.route("/baru", methods=["GET", "POST"])
@bp.route("/<int(max=2147483647):type_id>", methods=["GET", "POST"])
@permission_required("naskah.manage")
def edit(type_id: int | None = None):
    item = db.session.get(NaskahType, type_id) if type_id else None
    if type_id and item is None:
        abort(404)
    form = TypeForm(obj=item)
    form.opds.choices = opd_choices()
    form.series_id.choices = [(None, "-")] + services.series_choices()
    if request.method == "GET" and item is not None:
        form.opds.data = [u.id for u in item.opds]
        form.series_id.data = None
    if form.validate_on_submit():
        try:
            item = services.save_type(
                item, actor=current_user, code=form.code.data, name=form.name.data,
                number_code=form.number_code.data, layout=form.layout.data,
                internal_only=form.internal_only.data, all_opds=form.all_opds.data,
                opds=form.opds.data, series_id=form.series_id.data,
                sort_order=form.sort_order.data or 0, active=form.active.data)
        except services.NaskahError as exc:
            db.session.rollback()
            item = db.session.get(NaskahType, type_id) if type_id else None
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Naskah type %(n)s saved.", n=item.name), "success")
            return redirect(url_for("naskah.edit", type_id=item.id))
    return _render_type(form, item)


@bp.route("/<int(max=2147483647):type_id>/kewenangan", methods=["POST"])
@permission_required("naskah.manage")
def add_rule(type_id: int):
    item = db.session.get(NaskahType, type_id)
    if item is None:
        abort(404)
    rule_form = _rule_form()
    if rule_form.validate_on_submit():
        try:
            services.add_rule(item, actor=current_user, unit_id=rule_form.unit_id.data,
                              level=rule_form.level.data or None,
                              position_id=rule_form.position_id.data,
                              delegable=rule_form.delegable.data)
        except services.NaskahError as exc:
            db.session.rollback()
            item = db.session.get(NaskahType, type_id)
            getattr(rule_form, exc.field or "level").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Signing authority added."), "success")
            return redirect(url_for("naskah.edit", type_id=item.id) + "#kewenangan")
    form = TypeForm(obj=item)
    form.opds.choices = opd_choices()
    form.opds.data = [u.id for u in item.opds]
    form.series_id.choices = [(None, "-")] + services.series_choices()
    return _render_type(form, item, rule_form)


@bp.route("/<int(max=2147483647):type_id>/kewenangan/<int(max=2147483647):rule_id>/hapus",
          methods=["POST"])
@permission_required("naskah.manage")
def remove_rule(type_id: int, rule_id: int):
    rule = db.session.get(SigningAuthority, rule_id)
    if rule is None or rule.naskah_type_id != type_id:
        abort(404)
    services.remove_rule(rule, actor=current_user)
    db.session.commit()
    flash(_("Signing authority removed."), "success")
    return redirect(url_for("naskah.edit", type_id=type_id) + "#kewenangan")
