from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.archive import bp, services
from eoffice.archive.forms import ClassificationForm
from eoffice.archive.models import Classification
from eoffice.extensions import db
from eoffice.security import permission_required


@bp.route("/")
@permission_required("classification.manage")
def index():
    return render_template("archive/index.html", codes=services.all_codes(active_only=False))


@bp.route("/baru", methods=["GET", "POST"])
@bp.route("/<int:item_id>/ubah", methods=["GET", "POST"])
@permission_required("classification.manage")
def edit(item_id: int | None = None):
    item = db.session.get(Classification, item_id) if item_id else None
    if item_id and item is None:
        abort(404)
    form = ClassificationForm(obj=item)
    if form.validate_on_submit():
        try:
            item = services.save(
                item, code=form.code.data, name=form.name.data, active=form.active.data,
                retention_active_years=form.retention_active_years.data,
                retention_inactive_years=form.retention_inactive_years.data,
                final_disposition=form.final_disposition.data, actor=current_user)
        except services.ClassificationError as exc:
            db.session.rollback()
            getattr(form, exc.field or "code").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Classification %(c)s saved.", c=item.code), "success")
            return redirect(url_for("archive.index") + f"#k-{item.id}")
    return render_template("archive/form.html", form=form, item=item)
