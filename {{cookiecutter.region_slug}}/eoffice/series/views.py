"""Administrators manage numbering series: list, create, edit, next number, history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.org.services import unit_choices
from eoffice.security import permission_required
from eoffice.series import bp, services
from eoffice.series.forms import SeriesForm
from eoffice.series.models import NumberingSeries
from eoffice.ui import to_local


def _next_number(series: NumberingSeries) -> str:
    try:
        return services.preview(series, to_local(utcnow()).date(),
                                services.sample_fields(series))
    except Exception:  # noqa: BLE001 - a broken pattern is shown as such, never a 500
        return _("(the pattern is not valid)")


@bp.route("/")
@permission_required("numbering.manage")
def index():
    items = db.session.scalars(sa.select(NumberingSeries).order_by(
        NumberingSeries.scope, NumberingSeries.name)).all()
    labels = dict(services.kind_choices())
    return render_template("series/index.html", items=items, labels=labels,
                           next_number={s.id: _next_number(s) for s in items})


@bp.route("/baru", methods=["GET", "POST"])
@bp.route("/<int(max=2147483647):series_id>", methods=["GET", "POST"])
@permission_required("numbering.manage")
def edit(series_id: int | None = None):
    series = db.session.get(NumberingSeries, series_id) if series_id else None
    if series_id and series is None:
        abort(404)
    form = SeriesForm(obj=series)
    form.unit_id.choices = [(None, "-")] + unit_choices()
    form.kinds.choices = services.kind_choices()
    if request.method == "GET" and series is not None:
        form.classification_codes.data = ", ".join(series.classification_codes or [])
    if form.validate_on_submit():
        try:
            series = services.save_series(
                series, actor=current_user, name=form.name.data, scope=form.scope.data,
                unit_id=form.unit_id.data, kinds=form.kinds.data,
                classification_codes=(form.classification_codes.data or "").split(","),
                pattern=form.pattern.data, yearly_reset=form.yearly_reset.data,
                per_code=form.per_code.data, active=form.active.data)
        except services.SeriesError as exc:
            db.session.rollback()
            if series_id:
                series = db.session.get(NumberingSeries, series_id)
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Numbering series %(n)s saved.", n=series.name), "success")
            return redirect(url_for("series.edit", series_id=series.id))
    return render_template(
        "series/form.html", form=form, series=series,
        next_number=_next_number(series) if series is not None and series.id else None,
        history=services.history(series) if series is not None and series.id else [],
        issued=services.has_issued(series) if series is not None and series.id else False)
