from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import audit
from eoffice.extensions import db
from eoffice.inputs import bounded_int, page_arg
from eoffice.org.services import unit_choices
from eoffice.security import can_view_staff, permission_required
from eoffice.staff import bp, services, transfer
from eoffice.staff.forms import ImportForm, StaffFilterForm, StaffForm
from eoffice.staff.models import Staff
from eoffice.ui import rows_per_page

LIST_ARGS = ("q", "unit_id", "employment_type", "golongan_code", "jabatan_type", "status",
             "per_page")


def _filters_from(form: StaffFilterForm) -> services.StaffFilter:
    unit = form.unit_id.data
    return services.StaffFilter(
        q=(form.q.data or "").strip(),
        unit_id=bounded_int(unit),
        employment_type=form.employment_type.data or "",
        golongan_code=form.golongan_code.data or "",
        jabatan_type=form.jabatan_type.data or "",
        status=form.status.data or "",
    )


def _filter_form() -> StaffFilterForm:
    form = StaffFilterForm(request.args)
    form.unit_id.choices = [("", _("All units"))] + [(str(i), n) for i, n in unit_choices()]
    form.golongan_code.choices = [("", _("All"))] + services.golongan_choices()
    form.validate()
    form.leave_out_unsafe()  # a control character: that filter is left out, with its message
    return form


@bp.route("/")
@permission_required("staff.view")
def index():
    form = _filter_form()
    query = services.staff_query(_filters_from(form), current_user)
    page = db.paginate(query, page=page_arg(), per_page=rows_per_page(), max_per_page=100)
    # Only the list's own arguments go back into its links (url_for takes others,
    # such as fmt or _external, as its own parameters).
    args = {k: v for k, v in request.args.items() if k in LIST_ARGS and v}
    return render_template("staff/index.html", form=form, page=page, args=args)


def _staff_form(staff: Staff | None = None) -> StaffForm:
    form = StaffForm(obj=staff)
    form.golongan_code.choices = [("", "-")] + services.golongan_choices()
    form.unit_id.choices = [("", "-")] + unit_choices()
    if staff is not None and request.method == "GET":
        form.nip.data = staff.nip
    return form


@bp.route("/baru", methods=["GET", "POST"])
@permission_required("staff.edit")
def create():
    form = _staff_form()
    if form.validate_on_submit():
        try:
            staff = services.save_staff(None, form.raw(), actor=current_user)
        except services.StaffError as exc:
            db.session.rollback()
            form.add_errors(exc.errors)
        else:
            db.session.commit()
            flash(_("Staff member %(n)s has been added.", n=staff.full_name), "success")
            return redirect(url_for("staff.detail", staff_id=staff.id))
    return render_template("staff/form.html", form=form, staff=None)


def _get_visible(staff_id: int) -> Staff:
    staff = db.session.get(Staff, staff_id)
    if staff is None or not can_view_staff(current_user, staff):
        abort(404)
    return staff


@bp.route("/<int:staff_id>")
@permission_required("profile.view")
def detail(staff_id: int):
    staff = _get_visible(staff_id)
    events = audit.events_for("staff", staff.id)
    return render_template("staff/detail.html", staff=staff, events=events)


@bp.route("/<int:staff_id>/ubah", methods=["GET", "POST"])
@permission_required("staff.edit")
def edit(staff_id: int):
    staff = _get_visible(staff_id)
    form = _staff_form(staff)
    if form.validate_on_submit():
        try:
            services.save_staff(staff, form.raw(), actor=current_user)
        except services.StaffError as exc:
            db.session.rollback()
            form.add_errors(exc.errors)
        else:
            db.session.commit()
            flash(_("The record has been saved."), "success")
            return redirect(url_for("staff.detail", staff_id=staff.id))
    return render_template("staff/form.html", form=form, staff=staff)


@bp.route("/ekspor.<any(csv, xlsx):fmt>")
@permission_required("staff.export")
def export(fmt: str):
    form = _filter_form()
    audit.record("staff.exported", ("staff", "export"), actor=current_user,
                 data={"format": fmt, "filters": dict(request.args)})
    db.session.commit()
    # The rows are read while the file is sent, after this request has ended: only plain
    # values (the filters) go with them, never this request's session (transfer.py).
    records = transfer.export_records(services.staff_conditions(_filters_from(form),
                                                                current_user))
    stamp = dt.date.today().isoformat()
    if fmt == "csv":
        return Response(stream_with_context(transfer.export_csv(records)),
                        mimetype="text/csv; charset=utf-8", headers={
                            "Content-Disposition": f'attachment; filename="pegawai-{stamp}.csv"'})
    return Response(transfer.export_xlsx(records), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f'attachment; filename="pegawai-{stamp}.xlsx"'})


@bp.route("/impor", methods=["GET", "POST"])
@permission_required("staff.import")
def import_():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = transfer.import_staff(upload.filename or "", upload.read(),
                                           mode=form.mode.data, actor=current_user,
                                           format=form.format.data)
        except transfer.ImportFileError as exc:
            db.session.rollback()
            form.file.errors = [str(exc)]
        else:
            if report.committed:
                flash(_("%(n)d staff records imported.", n=report.created), "success")
            else:
                flash(_("Nothing was imported: %(n)d rows have errors.",
                        n=report.rejected_rows), "danger")
    from eoffice.staff import siasn

    return render_template("staff/import.html", form=form, report=report,
                           columns=list(transfer.COLUMNS), siasn_columns=siasn.COLUMNS)


@bp.route("/templat-impor.csv")
@permission_required("staff.import")
def import_template():
    header = ",".join(transfer.COLUMNS) + "\r\n"
    example = ("196804111993032009,,Dr.,Siti Aminah,M.Si.,P,Surakarta,1968-04-11,PNS,IV/a,"
               "administrator,Kepala Bidang,{unit},081234567890,siti@example.go.id,aktif\r\n")
    return Response("\ufeff" + header + example.format(unit=""), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="templat-pegawai.csv"'})
