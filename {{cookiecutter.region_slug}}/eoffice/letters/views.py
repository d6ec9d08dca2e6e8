from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import files, paging
from eoffice.dispositions import services as disposition_services
from eoffice.extensions import db
from eoffice.letters import bp, services
from eoffice.letters.forms import (
    AgendaForm,
    IncomingLetterForm,
    LetterFilterForm,
    NoteForm,
    ReasonForm,
)
from eoffice.letters.models import IncomingLetter, LetterAttachment
from eoffice.org.services import position_choices
from eoffice.pagecache import cached_page
from eoffice.pdf import pdf_response, render_pdf
from eoffice.search.text import parse
from eoffice.security import held_positions, permission_required, positions_below
from eoffice.series import services as series_services
from eoffice.tabular import csv_safe

QUEUES = {"to_read", "copies", "registered_by_me"}


def get_visible_letter(letter_id: int) -> IncomingLetter:
    """The letter, or 404 when it does not exist or the user may not see it."""
    letter = services.visible_letter(letter_id, current_user)
    if letter is None:
        abort(404)
    return letter


def _filters(form: LetterFilterForm) -> services.LetterFilter:
    return services.LetterFilter(
        q=(form.q.data or "").strip(), date_from=form.date_from.data, date_to=form.date_to.data,
        classification_id=form.classification_id.data, security=form.security.data or "",
        speed=form.speed.data or "", status=form.status.data or "",
        sender=(form.sender.data or "").strip(),
        queue=form.antrian.data if form.antrian.data in QUEUES else "")


@bp.route("/")
@permission_required("letters.view")
@cached_page
def index():
    if "queue" in request.args and "antrian" not in request.args:
        # ?queue= was this list's own word until the lists agreed on ?antrian=: old
        # bookmarks and links keep working
        args = request.args.to_dict(flat=False)
        args["antrian"] = args.pop("queue")
        return redirect(url_for("letters.index", **args), 301)
    form = LetterFilterForm(request.args)
    form.validate()
    for name in ("date_from", "date_to"):
        if getattr(form, name).errors:
            getattr(form, name).data = None
    form.leave_out_unsafe()  # a control character: that filter is left out, with its message
    filters = _filters(form)
    page = services.letter_page(filters, current_user, cursor=paging.cursor_arg(),
                                per_page=paging.per_page_arg())
    args = {k: v for k, v in request.args.items() if k not in ("cursor", "page") and v}
    return render_template("letters/index.html", form=form, page=page, args=args,
                           queue=form.antrian.data, query=parse(filters.q))


def _letter_form() -> IncomingLetterForm:
    form = IncomingLetterForm()
    if request.method == "GET":
        form.received_date.data = services.today_local()
    choices = position_choices()
    form.to_positions.choices = choices
    form.cc_positions.choices = choices
    if series_services.is_region_wide(current_user):
        choices = series_services.opd_choices()
        own = series_services.user_opd(current_user)
        if own is not None and own.id not in {value for value, _label in choices}:
            choices.insert(0, (own.id, f"{own.name} ({own.code})"))
        form.agenda_opd.choices = choices
        if request.method == "GET" and own is not None:
            form.agenda_opd.data = own.id
    else:
        del form.agenda_opd
    return form


@bp.route("/baru", methods=["GET", "POST"])
@permission_required("letters.register")
def create():
    form = _letter_form()
    duplicate_warning = None
    if form.validate_on_submit():
        data = services.LetterInput(
            sender=form.sender.data, sender_number=form.sender_number.data,
            letter_date=form.letter_date.data, received_date=form.received_date.data,
            subject=form.subject.data, summary=form.summary.data or "",
            classification_id=form.classification_id.data, security=form.security.data,
            speed=form.speed.data, physical_attachments=form.physical_attachments.data or 0,
            to_positions=form.to_positions.data, cc_positions=form.cc_positions.data,
            uploads=[(f.filename or "", f.read()) for f in form.files.data or [] if f],
            confirm_duplicate=form.confirm_duplicate.data,
            agenda_opd_id=form.agenda_opd.data if "agenda_opd" in form else None)
        try:
            letter = services.register_letter(data, actor=current_user)
        except services.LetterError as exc:
            db.session.rollback()
            duplicate_warning = exc.errors.pop("duplicate", None)
            for name, message in exc.errors.items():
                # A numbering problem of a clerk without the OPD choice: shown at the code.
                target = form[name] if name in form else form.classification_id
                target.errors = [*target.errors, message]
            if data.uploads and "files" not in exc.errors:
                form.files.errors = [_("Choose the files again: files are not kept when "
                                       "the form is shown again.")]
        else:
            db.session.commit()
            flash(_("Letter registered with agenda number %(n)s.", n=letter.agenda_number),
                  "success")
            return redirect(url_for("letters.detail", letter_id=letter.id))
    return render_template("letters/form.html", form=form,
                           senders=services.recent_senders(current_user),
                           duplicate_warning=duplicate_warning)


@bp.route("/<int:letter_id>")
@permission_required("letters.view")
def detail(letter_id: int):
    # imported here: eoffice.archive's pages import the letter and outgoing packages
    from eoffice.archive.filing import letter_filing

    letter = get_visible_letter(letter_id)
    if services.mark_read(letter, current_user):
        db.session.commit()
        letter = get_visible_letter(letter_id)
    held = held_positions(current_user)  # their own, and those they act for (Plt/Plh)
    if any([disposition_services.mark_read_on_opening(letter, position, current_user)
            for position in held]):
        db.session.commit()
    my_recipient = next((r for r in (disposition_services.open_recipient_for(letter, p)
                                     for p in held) if r is not None), None)
    return render_template(
        "letters/detail.html", letter=letter,
        tree=disposition_services.disposition_tree(letter),
        events=services.timeline(letter),
        is_addressee=services.addressee_position_of(letter, current_user) is not None,
        has_subordinates=any(len(positions_below(p.id)) > 1 for p in held),
        can_cancel=services.can_cancel(letter, current_user),
        my_recipient=my_recipient, my_position_ids=[p.id for p in held],
        today=services.today_local(), cancel_form=ReasonForm(), file_form=NoteForm(),
        filing=letter_filing(letter, current_user))


@bp.route("/<int:letter_id>/berkas/<int:attachment_id>")
@permission_required("letters.view")
def attachment(letter_id: int, attachment_id: int):
    letter = get_visible_letter(letter_id)
    item = db.session.get(LetterAttachment, attachment_id)
    if item is None or item.letter_id != letter.id:
        abort(404)
    return files.send_stored(item.file, item.filename, inline=request.args.get("inline") == "1")


@bp.route("/<int:letter_id>/batal", methods=["POST"])
@permission_required("letters.register")
def cancel(letter_id: int):
    letter = get_visible_letter(letter_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for cancelling."), "danger")
        return redirect(url_for("letters.detail", letter_id=letter.id))
    try:
        services.cancel_letter(letter, form.reason.data, actor=current_user)
    except services.LetterError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "danger")
    else:
        db.session.commit()
        flash(_("The letter was cancelled; its agenda number stays used."), "info")
    return redirect(url_for("letters.detail", letter_id=letter.id))


@bp.route("/<int:letter_id>/arsipkan", methods=["POST"])
@permission_required("letters.view")
def file_letter(letter_id: int):
    letter = get_visible_letter(letter_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.file_letter(letter, form.note.data, actor=current_user)
        except services.LetterError as exc:
            db.session.rollback()
            flash(" ".join(exc.errors.values()), "danger")
        else:
            db.session.commit()
            flash(_("Filed: no disposition needed."), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


@bp.route("/<int:letter_id>/lembar-disposisi.pdf")
@permission_required("letters.view")
def disposition_sheet(letter_id: int):
    letter = get_visible_letter(letter_id)
    tree = disposition_services.disposition_tree(letter)
    instructions = disposition_services.active_instructions()
    data = render_pdf("pdf/lembar_disposisi.html", letter=letter, tree=tree,
                      instructions=instructions)
    return pdf_response(data, f"lembar-disposisi-{letter.agenda_number.replace('/', '-')}.pdf")


@bp.route("/agenda")
@permission_required("letters.agenda")
def agenda():
    form = AgendaForm(request.args)
    central = series_services.is_region_wide(current_user)
    if central:
        form.opd.choices = [("", _("(the region's own book)"))] + series_services.opd_choices()
    else:
        del form.opd
    opd = services.agenda_book_opd(current_user, form.opd.data if central else None)
    if central and not request.args.get("opd"):
        form.opd.data = opd.id if opd else None
    today = services.today_local()
    if not request.args:
        form.date_from.data, form.date_to.data = today.replace(day=1), today
    rows = None
    if not request.args or form.validate():  # opened bare: this month's book at once
        if form.date_from.data > form.date_to.data:
            form.date_to.errors = [_("The end date is before the start date.")]
        elif (form.date_to.data - form.date_from.data).days > 366:
            form.date_to.errors = [_("Choose at most one year.")]
        else:
            rows = services.agenda_rows(current_user, form.date_from.data, form.date_to.data,
                                        opd)
            fmt = request.args.get("format", "html")
            if fmt in ("pdf", "csv", "xlsx"):
                return _agenda_export(fmt, rows, form.date_from.data, form.date_to.data, opd)
    return render_template("letters/agenda.html", form=form, rows=rows, opd=opd)


AGENDA_COLUMNS = ["No. Agenda", "Tanggal Diterima", "Pengirim", "Nomor Surat", "Tanggal Surat",
                  "Perihal", "Klasifikasi", "Sifat", "Kecepatan", "Kepada", "Status",
                  "Disposisi", "Catatan", "Dibatalkan"]


def agenda_record(row: services.AgendaRow) -> list[str]:
    letter = row.letter
    return [letter.agenda_number, letter.received_date.isoformat(), letter.sender,
            letter.sender_number, letter.letter_date.isoformat(), letter.subject,
            letter.classification.code if letter.classification else "", letter.security,
            letter.speed, "; ".join(r.position.name for r in letter.addressees), letter.status,
            row.dispositions, row.notes, row.cancelled_text]


def _agenda_export(fmt: str, rows, date_from: dt.date, date_to: dt.date, opd=None):
    name = f"buku-agenda-{date_from.isoformat()}-{date_to.isoformat()}"
    if fmt == "pdf":
        data = render_pdf("pdf/agenda.html", rows=rows, date_from=date_from, date_to=date_to,
                          opd=opd)
        return pdf_response(data, name + ".pdf")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AGENDA_COLUMNS)
        for row in rows:
            writer.writerow([csv_safe(v) for v in agenda_record(row)])
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Buku Agenda")
    sheet.append(AGENDA_COLUMNS)
    for row in rows:
        sheet.append([csv_safe(v) for v in agenda_record(row)])
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), headers={
        "Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
