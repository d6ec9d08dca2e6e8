"""Pemberkasan pages: daftar berkas, daftar isi berkas, opening, filing, closing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import paging
from eoffice.archive import filing, retention, services
from eoffice.archive.forms import (
    BERKAS_STATUS_CHOICES,
    BeritaAcaraForm,
    BerkasFilterForm,
    BerkasForm,
)
from eoffice.archive.models import PROPOSAL_STATUSES, BeritaAcara, Berkas, BerkasItem
from eoffice.extensions import db
from eoffice.inputs import bounded_int, text_arg
from eoffice.security import can, permission_required
from eoffice.tabular import table_response

records_bp = Blueprint("records", __name__, template_folder="templates",
                       url_prefix="/pemberkasan")

EXPORT_LIMIT = 20000  # rows of one export (a unit's berkas of many years fit)
BERKAS_COLUMNS = ["Nomor Berkas", "Tahun", "Unit", "Kode Klasifikasi", "Uraian", "Status",
                  "Tanggal Ditutup", "Retensi Aktif (tahun)", "Retensi Inaktif (tahun)",
                  "Aktif s.d.", "Inaktif s.d.", "Nasib Akhir"]
ITEM_COLUMNS = ["No.", "Jenis", "Nomor", "Tanggal", "Pengirim / Tujuan", "Perihal",
                "Kode Klasifikasi", "Sifat"]


def _visible_berkas_or_404(berkas_id: int):
    berkas = filing.visible_berkas(berkas_id, current_user)
    if berkas is None:
        abort(404)
    return berkas


def _status_labels() -> dict[str, str]:
    return {key: str(label) for key, label in BERKAS_STATUS_CHOICES}


@records_bp.route("/")
@permission_required("records.view")
def index():
    """Daftar berkas: the berkas of the user's units (every unit for the arsiparis)."""
    form = BerkasFilterForm(request.args)
    form.validate()
    filters = filing.BerkasFilter(
        q=text_arg("q", 100) or "", year=form.year.data if not form.year.errors else None,
        status=form.status.data if form.status.data in _status_labels() else "")
    fmt = request.args.get("format", "html")
    if fmt in ("csv", "xlsx"):
        rows = db.session.scalars(filing.berkas_query(current_user, filters)
                                  .order_by(Berkas.year, Berkas.unit_id,
                                            Berkas.number).limit(EXPORT_LIMIT))
        labels = _status_labels()
        return table_response(fmt, "daftar-berkas", "Daftar Berkas", BERKAS_COLUMNS, (
            [b.number, b.year, b.unit.name, b.classification.code, b.title,
             labels.get(b.status, b.status), b.closed_on, b.retention_active_years,
             b.retention_inactive_years, b.active_until, b.inactive_until,
             b.final_disposition] for b in rows))
    page = filing.berkas_page(current_user, filters, cursor=paging.cursor_arg(),
                              per_page=paging.per_page_arg())
    args = {k: v for k, v in request.args.items() if k not in ("cursor", "format") and v}
    return render_template("archive/berkas_index.html", form=form, page=page, args=args,
                           status_labels=_status_labels())


@records_bp.route("/baru", methods=["GET", "POST"])
@permission_required("records.file")
def create():
    form = BerkasForm()
    form.unit_id.choices = [("", "-")] + filing.unit_choices(current_user)
    if request.method == "GET":
        from eoffice.letters.services import today_local
        from eoffice.security import user_unit_id

        form.year.data = today_local().year
        form.unit_id.data = user_unit_id(current_user)
        code = services.by_code(text_arg("kode", 40) or "")
        if code is not None:
            form.classification_id.data = code.id
    if form.validate_on_submit():
        try:
            berkas = filing.open_berkas(
                unit_id=form.unit_id.data, classification_id=form.classification_id.data,
                year=form.year.data, title=form.title.data,
                description=form.description.data, actor=current_user)
        except filing.FilingError as exc:
            db.session.rollback()
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Berkas %(n)s opened.", n=berkas.label), "success")
            return redirect(url_for("records.detail", berkas_id=berkas.id))
    return render_template("archive/berkas_form.html", form=form)


def _item_row(n: int, item: BerkasItem) -> list:
    if item.incoming_letter is not None:
        letter = item.incoming_letter
        return [n, "Surat masuk", letter.agenda_number, letter.received_date, letter.sender,
                letter.subject, letter.classification.code if letter.classification else "",
                letter.security]
    letter = item.outgoing_letter
    to = "; ".join(r.label for r in letter.to_recipients)
    return [n, "Surat keluar", letter.number, letter.signed_date, to, letter.subject,
            letter.classification.code if letter.classification else "", letter.security]


@records_bp.route("/<int:berkas_id>")
@permission_required("records.view")
def detail(berkas_id: int):
    """Daftar isi berkas: the letters of the berkas that the reader may see."""
    berkas = _visible_berkas_or_404(berkas_id)
    fmt = request.args.get("format", "html")
    if fmt in ("csv", "xlsx"):
        items = db.session.scalars(filing.items_query(berkas, current_user)
                                   .order_by(BerkasItem.id).limit(EXPORT_LIMIT))
        name = f"daftar-isi-berkas-{berkas.year}-{berkas.number}"
        return table_response(fmt, name, "Daftar Isi Berkas", ITEM_COLUMNS,
                              (_item_row(n, item) for n, item in enumerate(items, 1)))
    page = filing.items_page(berkas, current_user, cursor=paging.cursor_arg(),
                             per_page=paging.per_page_arg())
    may_file = berkas.status == "open" and can(current_user, "records.file") \
        and filing.in_scope(current_user, berkas.unit_id)
    incoming, outgoing = filing.candidates(berkas, current_user) if may_file else ([], [])
    return render_template("archive/berkas_detail.html", berkas=berkas, page=page,
                           may_file=may_file, incoming=incoming, outgoing=outgoing,
                           status_labels=_status_labels(), candidate_limit=filing.CANDIDATES,
                           retention=filing.retention_of(berkas.classification))


def _ids(name: str) -> list[int]:
    values = [bounded_int(v) for v in request.form.getlist(name)[:200]]
    return [v for v in values if v is not None]


@records_bp.route("/berkaskan", methods=["POST"])
@permission_required("records.file")
def file_letters():
    """File letters into a berkas: one from a letter's page, or several ticked in the
    berkas's list of letters to file. Back to where the user came from."""
    if request.form.get("from_letter") == "masuk" and _ids("masuk"):
        back = url_for("letters.detail", letter_id=_ids("masuk")[0])
    elif request.form.get("from_letter") == "keluar" and _ids("keluar"):
        back = url_for("outgoing.detail", letter_id=_ids("keluar")[0])
    else:
        back = None
    berkas_id = bounded_int(request.form.get("berkas_id"))
    berkas = filing.visible_berkas(berkas_id, current_user) if berkas_id else None
    if berkas is None:
        flash(_("Choose a berkas."), "danger")
        return redirect(back or url_for("records.index"))
    back = back or url_for("records.detail", berkas_id=berkas.id)
    incoming, outgoing = _ids("masuk"), _ids("keluar")
    if not incoming and not outgoing:
        flash(_("Tick the letters to file."), "danger")
        return redirect(back)
    result = filing.file_letters(berkas, incoming, outgoing, actor=current_user)
    db.session.commit()
    if result.filed:
        flash(_("Filed into berkas %(b)s: %(n)s.", b=berkas.label, n=", ".join(result.filed)),
              "success")
    for message in result.refused:
        flash(message, "danger")
    return redirect(back)


@records_bp.route("/<int:berkas_id>/keluarkan/<int:item_id>", methods=["POST"])
@permission_required("records.file")
def unfile(berkas_id: int, item_id: int):
    berkas = _visible_berkas_or_404(berkas_id)
    item = db.session.get(BerkasItem, item_id)
    if item is None or item.berkas_id != berkas.id:
        abort(404)
    try:
        filing.unfile(item, actor=current_user)
    except filing.FilingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("The letter was taken out of the berkas."), "info")
    return redirect(url_for("records.detail", berkas_id=berkas.id))


@records_bp.route("/<int:berkas_id>/tutup", methods=["POST"])
@permission_required("records.file")
def close(berkas_id: int):
    berkas = _visible_berkas_or_404(berkas_id)
    try:
        retention = filing.close_berkas(berkas, actor=current_user)
    except filing.FilingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if retention.known:
            flash(_("Berkas closed. Active until %(a)s, inactive until %(i)s.",
                    a=berkas.active_until.isoformat(), i=berkas.inactive_until.isoformat()),
                  "success")
        else:
            flash(_("Berkas closed. The JRA has no retention for code %(c)s: set it so that "
                    "the retention clock can run.", c=berkas.classification.code), "warning")
    return redirect(url_for("records.detail", berkas_id=berkas.id))


# --- Retention lifecycle (the arsiparis) ----------------------------------------------

RETENTION_TABS = ("usul_musnah", "usul_serah", "dinilai_kembali", "inaktif")


@records_bp.route("/retensi", methods=["GET", "POST"])
@permission_required("records.retention")
def retention_review():
    """The proposals of the daily scan, one tab per kind; for usul musnah and usul serah
    the form that records the signed berita acara for the ticked berkas."""
    tab = request.args.get("status", "usul_musnah")
    if tab not in RETENTION_TABS:
        tab = "usul_musnah"
    form = BeritaAcaraForm()
    if request.method == "GET":
        form.kind.data = "serah" if tab == "usul_serah" else "musnah"
    berkas_error = None
    if form.validate_on_submit():
        ids = [v for v in (bounded_int(x) for x in request.form.getlist("berkas")[:1000]) if v]
        try:
            record = retention.record_berita_acara(
                kind=form.kind.data, berkas_ids=ids, number=form.number.data,
                signed_on=form.signed_on.data, approved_by=form.approved_by.data,
                note=form.note.data, actor=current_user)
        except retention.RetentionError as exc:
            db.session.rollback()
            if exc.field in form._fields:
                form[exc.field].errors = [str(exc)]
            else:
                berkas_error = str(exc)
        else:
            db.session.commit()
            flash(_("Berita acara %(n)s recorded for %(c)d berkas.", n=record.number,
                    c=len(record.berkas)), "success")
            return redirect(url_for("records.berita_acara", record_id=record.id))
    page = filing.berkas_page(current_user, filing.BerkasFilter(status=tab),
                              cursor=paging.cursor_arg(), per_page=paging.per_page_arg())
    return render_template("archive/retention.html", form=form, page=page, tab=tab,
                           tabs=RETENTION_TABS, status_labels=_status_labels(),
                           berkas_error=berkas_error,
                           counts=retention.counts_by_status(None))


@records_bp.route("/<int:berkas_id>/tahan", methods=["POST"])
@permission_required("records.retention")
def legal_hold(berkas_id: int):
    """Place (``reason`` given) or lift (``lift=1``) a legal hold on the berkas."""
    berkas = _visible_berkas_or_404(berkas_id)
    try:
        if request.form.get("lift") == "1":
            retention.lift_legal_hold(berkas, actor=current_user)
            message = _("The legal hold was lifted.")
        else:
            retention.place_legal_hold(berkas, (request.form.get("reason") or "")[:2000],
                                       actor=current_user)
            message = _("Legal hold placed: the retention lifecycle stops for this berkas.")
    except retention.RetentionError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("records.detail", berkas_id=berkas.id))


@records_bp.route("/berita-acara/<int:record_id>")
@permission_required("records.retention")
def berita_acara(record_id: int):
    record = db.session.get(BeritaAcara, record_id)
    if record is None:
        abort(404)
    return render_template("archive/berita_acara.html", record=record,
                           status_labels=_status_labels())


@records_bp.route("/laporan")
@permission_required("records.view")
def report():
    """Berkas per status and per classification code, within the user's units."""
    from eoffice.letters.services import today_local

    scope = filing.unit_scope(current_user)
    this_year = today_local().year
    year = bounded_int(request.args.get("tahun"), minimum=1945, maximum=this_year + 1) \
        or this_year
    return render_template("archive/report.html", statuses=retention.counts_by_status(scope),
                           backlog=retention.backlog(current_user, year), year=year,
                           by_code=retention.counts_by_classification(scope),
                           status_labels=_status_labels(), proposal_statuses=PROPOSAL_STATUSES)
