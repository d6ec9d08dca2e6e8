from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eoffice import paging
from eoffice.archive import bp, search_bp, services, transfer
from eoffice.archive.forms import ArchiveImportForm, ClassificationForm
from eoffice.archive.models import Classification
from eoffice.extensions import db
from eoffice.inputs import text_arg
from eoffice.reference import DATA_DIR
from eoffice.security import permission_required

# The files shipped with the app, offered as examples of the import's columns.
SHIPPED = {"klasifikasi": "klasifikasi_arsip.csv", "jra": "jra_contoh.csv"}


@bp.route("/")
@permission_required("classification.manage")
def index():
    q = text_arg("q", 100) or ""
    page = services.tree_page(q, paging.cursor_arg(), paging.per_page_arg(default=50,
                                                                           maximum=200))
    args = {"q": q} if q else {}
    if "per_page" in request.args:
        args["per_page"] = paging.per_page_arg(default=50, maximum=200)
    return render_template("archive/index.html", page=page, q=q, args=args,
                           schedule=services.current_schedule())


@bp.route("/impor", methods=["GET", "POST"])
@permission_required("classification.manage")
def import_():
    form = ArchiveImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        importer = (transfer.import_schedule if form.kind.data == "jra"
                    else transfer.import_classifications)
        try:
            report = importer(upload.filename or "", upload.read(), actor=current_user)
        except transfer.ImportFileError as exc:
            db.session.rollback()
            form.file.errors = [str(exc)]
        else:
            if not report.committed:
                flash(_("Nothing was imported: %(n)d rows have errors.",
                        n=report.rejected_rows), "danger")
            elif form.kind.data == "jra":
                flash(_("Retention schedule imported: %(n)d codes.", n=report.created),
                      "success")
            else:
                flash(_("Classification imported: %(c)d new codes, %(u)d changed.",
                        c=report.created, u=report.updated), "success")
    return render_template("archive/import.html", form=form, report=report,
                           schedule=services.current_schedule(), shipped=SHIPPED,
                           classification_columns=transfer.CLASSIFICATION_COLUMNS,
                           schedule_columns=transfer.SCHEDULE_COLUMNS)


@bp.route("/contoh/<kind>.csv")
@permission_required("classification.manage")
def shipped_file(kind: str):
    """The shipped list or example schedule, to edit and import again."""
    if kind not in SHIPPED:
        abort(404)
    return send_file(DATA_DIR / SHIPPED[kind], mimetype="text/csv", as_attachment=True,
                     download_name=SHIPPED[kind])


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
                final_disposition=form.final_disposition.data,
                retention_note=form.retention_note.data,
                retention_source=form.retention_source.data, actor=current_user)
        except services.ClassificationError as exc:
            db.session.rollback()
            getattr(form, exc.field or "code").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Classification %(c)s saved.", c=item.code), "success")
            return redirect(url_for("archive.index", q=item.code) + f"#k-{item.id}")
    return render_template("archive/form.html", form=form, item=item)


@search_bp.route("/cari")
@login_required
def search():
    """Active codes matching what the user typed in a picker (code prefix or words):
    at most ``services.SEARCH_LIMIT``, in the regulation's order."""
    items = services.search(text_arg("q", 100) or "")
    return jsonify(results=[{"id": c.id, "code": c.code, "name": c.name, "label": c.label,
                             "level": c.level} for c in items])
