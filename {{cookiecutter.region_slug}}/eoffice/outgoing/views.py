from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import files, paging
from eoffice.exchange import services as exchange_services
from eoffice.extensions import db
from eoffice.inputs import bounded_int, int_arg
from eoffice.letters.services import today_local
from eoffice.naskah import services as naskah_services
from eoffice.numbering import locks_itself
from eoffice.org.services import position_choices
from eoffice.outgoing import bp, services, signatories, verify_bp
from eoffice.outgoing.forms import (
    CHAIN_SIZE,
    CO_SIGNERS,
    DraftForm,
    ExpeditionForm,
    NoteForm,
    SignForm,
)
from eoffice.outgoing.models import (
    DISPATCH_METHODS,
    OutgoingAttachment,
    OutgoingLetter,
)
from eoffice.pagecache import cached_page
from eoffice.pdf import pdf_response, render_pdf
from eoffice.security import (
    can_view_letter,
    can_view_outgoing,
    held_positions,
    permission_required,
)
from eoffice.signing import verify as verify_service
from eoffice.signing.forms import VerifyUploadForm
from eoffice.staff.nip import format_nip
from eoffice.staff.services import staff_by_number

DETAIL_FIELDS = ("event_date", "event_time", "place", "agenda", "start_date", "end_date",
                 "destination", "purpose")


def get_visible(letter_id: int) -> OutgoingLetter:
    letter = db.session.get(OutgoingLetter, letter_id)
    if letter is None or not can_view_outgoing(current_user, letter):
        abort(404)
    return letter


@bp.route("/")
@permission_required("outgoing.view")
@cached_page
def index():
    queue = request.args.get("antrian", "all")
    queue = queue if queue in services.QUEUES else "all"
    page = services.queue_page(current_user, queue, cursor=paging.cursor_arg(),
                               per_page=paging.per_page_arg())
    return render_template("outgoing/index.html", page=page, queue=queue,
                           counts=services.queue_counts(current_user))


def _parse_external(text: str, kind: str) -> list[services.ExternalRecipient]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        out.append(services.ExternalRecipient(parts[0], parts[1], parts[2], kind))
    return out


def _format_external(letter: OutgoingLetter, kind: str) -> str:
    return "\n".join(" | ".join(p for p in (r.name or "", r.agency or "", r.address or ""))
                     for r in letter.recipients
                     if not r.is_internal and r.peer_id is None and r.kind == kind)


def _draft_form(letter: OutgoingLetter | None = None) -> DraftForm:
    form = DraftForm(obj=letter)
    # The types the drafter's OPD writes (and the draft's own, when editing).
    form.letter_type.choices = naskah_services.type_choices(
        current_user, letter.letter_type if letter is not None else None)
    form.letter_type.validate_choice = False  # the service refuses, saying why
    choices = position_choices()
    form.to_positions.choices = choices
    form.cc_positions.choices = choices
    form.signer_position_id.choices = [("", "-")] + choices
    form.on_behalf_position_id.choices = [("", "-")] + choices
    form.peer_to.choices = exchange_services.peer_choices()
    for i in range(1, CHAIN_SIZE + 1):
        getattr(form, f"verifier_{i}").choices = [("", "-")] + choices
    for i in range(1, CO_SIGNERS + 1):
        getattr(form, f"co_signer_{i}").choices = [("", "-")] + choices
    if letter is not None and request.method == "GET":
        form.to_positions.data = [r.position_id for r in letter.recipients
                                  if r.is_internal and r.kind == "to"]
        form.cc_positions.data = [r.position_id for r in letter.recipients
                                  if r.is_internal and r.kind == "cc"]
        form.external_to.data = _format_external(letter, "to")
        form.external_cc.data = _format_external(letter, "cc")
        form.peer_to.data = [r.peer_id for r in letter.recipients if r.peer_id]
        for step in letter.steps[:CHAIN_SIZE]:
            getattr(form, f"verifier_{step.order + 1}").data = step.position_id
        for row in letter.co_signatories[:CO_SIGNERS]:
            getattr(form, f"co_signer_{row.order}").data = row.position_id
        details = letter.details or {}
        for key in DETAIL_FIELDS:
            value = details.get(key)
            if value and key in ("event_date", "start_date", "end_date"):
                value = dt.date.fromisoformat(value)
            getattr(form, key).data = value
        if details.get("assigned_staff"):
            from eoffice.staff.models import Staff

            people = db.session.scalars(sa.select(Staff).where(
                Staff.id.in_(details["assigned_staff"]))).all()
            form.assigned_staff.data = "\n".join(format_nip(p.id_number) for p in people)
    return form


def _draft_input(form: DraftForm, errors: dict) -> services.DraftInput:
    details = {key: getattr(form, key).data for key in DETAIL_FIELDS}
    details = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in details.items()}
    staff_ids, unknown = [], []
    for line in (form.assigned_staff.data or "").splitlines():
        if line.strip():
            person = staff_by_number(line)
            (staff_ids.append(person.id) if person else unknown.append(line.strip()))
    if unknown:
        errors["assigned_staff"] = _("Unknown NIP/number: %(n)s", n=", ".join(unknown))
    details["assigned_staff"] = staff_ids
    return services.DraftInput(
        letter_type=form.letter_type.data, subject=form.subject.data or "",
        signer_position_id=form.signer_position_id.data, body_html=form.body_html.data or "",
        classification_id=form.classification_id.data, security=form.security.data,
        speed=form.speed.data, details=details, to_positions=form.to_positions.data or [],
        cc_positions=form.cc_positions.data or [],
        external=_parse_external(form.external_to.data, "to")
        + _parse_external(form.external_cc.data, "cc")
        + exchange_services.peer_recipients(form.peer_to.data),
        chain=form.chain(), co_signers=form.co_signers(),
        signing_as=form.signing_as.data or "langsung",
        on_behalf_position_id=form.on_behalf_position_id.data,
        uploads=[(f.filename or "", f.read()) for f in form.files.data or [] if f])


def _show_errors(form: DraftForm, errors: dict) -> None:
    mapping = {"chain": "verifier_1", "external": "external_to", "dispatch": "subject",
               "co_signers": "co_signer_1"}
    for name, message in errors.items():
        field = getattr(form, mapping.get(name, name), None) or form.subject
        field.errors = [*field.errors, message]


@bp.route("/baru", methods=["GET", "POST"])
@permission_required("outgoing.draft")
def create():
    form = _draft_form()
    reply_to = None
    reply_id = int_arg("balas")
    if reply_id:
        from eoffice.letters.models import IncomingLetter

        reply_to = db.session.get(IncomingLetter, reply_id)
        if reply_to is None or not can_view_letter(current_user, reply_to):
            abort(404)
        if request.method == "GET":
            form.subject.data = f"Balasan: {reply_to.subject}"[:500]
            form.external_to.data = reply_to.sender
            form.classification_id.data = reply_to.classification_id
            form.security.data, form.speed.data = reply_to.security, reply_to.speed
    if form.validate_on_submit():
        errors: dict = {}
        data = _draft_input(form, errors)
        if reply_to is not None:
            from eoffice.dispositions.services import open_recipient_for

            data.reply_to_id = reply_to.id
            open_row = next((r for r in (open_recipient_for(reply_to, p)
                                         for p in held_positions(current_user)) if r), None)
            data.closes_recipient_id = open_row.id if open_row else None
        if not errors:
            try:
                letter = services.create_draft(data, actor=current_user)
            except services.OutgoingError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                db.session.commit()
                flash(_("Draft saved."), "success")
                return redirect(url_for("outgoing.detail", letter_id=letter.id))
        _show_errors(form, errors)
    return render_template("outgoing/form.html", form=form, letter=None, reply_to=reply_to,
                           layouts=naskah_services.layouts())


@bp.route("/<int:letter_id>/ubah", methods=["GET", "POST"])
@permission_required("outgoing.draft")
def edit(letter_id: int):
    letter = get_visible(letter_id)
    if not services.can_edit(letter, current_user):
        abort(403)
    form = _draft_form(letter)
    if form.validate_on_submit():
        errors: dict = {}
        data = _draft_input(form, errors)
        if not errors:
            try:
                services.update_draft(letter, data, actor=current_user,
                                      note=form.revision_note.data or "")
            except services.OutgoingError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                db.session.commit()
                flash(_("Revision %(n)d saved.", n=letter.revision), "success")
                return redirect(url_for("outgoing.detail", letter_id=letter.id))
        _show_errors(form, errors)
    return render_template("outgoing/form.html", form=form, letter=letter, reply_to=None,
                           layouts=naskah_services.layouts())


@bp.route("/<int:letter_id>")
@permission_required("outgoing.view")
def detail(letter_id: int):
    from eoffice import audit
    from eoffice.archive.filing import letter_filing  # its pages import this package

    letter = get_visible(letter_id)
    replaced_by = db.session.scalars(sa.select(OutgoingLetter).where(
        OutgoingLetter.replaces_id == letter.id)).all()
    events = audit.events_for(services.OBJECT_TYPE, letter.id)
    return render_template(
        "outgoing/detail.html", letter=letter, replaced_by=replaced_by, events=events,
        returned=services.return_note(letter, events),
        can_edit=services.can_edit(letter, current_user),
        is_verifier=services.is_current_verifier(letter, current_user),
        is_signatory=services.is_signatory(letter, current_user),
        can_sign=(letter.status == "approved" and services.is_signatory(letter, current_user))
        or signatories.is_due(letter, current_user),
        can_send=services.can_send(letter, current_user), note_form=NoteForm(),
        sign_form=SignForm(), methods=DISPATCH_METHODS, today=today_local(),
        step=services.current_step(letter), type_label=naskah_services.label(letter.letter_type),
        layout=naskah_services.layout_of(letter.letter_type),
        filing=letter_filing(letter, current_user))


def _action(letter_id: int, action, success: str):
    letter = get_visible(letter_id)
    try:
        action(letter)
    except services.OutgoingError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("outgoing.detail", letter_id=letter_id))


@bp.route("/<int:letter_id>/ajukan", methods=["POST"])
@permission_required("outgoing.draft")
def submit(letter_id: int):
    NoteForm().validate_on_submit()
    return _action(letter_id, lambda letter: services.submit(letter, actor=current_user),
                   _("Draft sent for verification."))


@bp.route("/<int:letter_id>/setujui", methods=["POST"])
@permission_required("outgoing.view")
def approve(letter_id: int):
    form = NoteForm()
    form.validate_on_submit()
    return _action(letter_id, lambda letter: services.approve(letter, actor=current_user,
                                                         note=form.note.data or ""),
                   _("Approved (paraf given)."))


@bp.route("/<int:letter_id>/kembalikan", methods=["POST"])
@permission_required("outgoing.view")
def return_draft(letter_id: int):
    form = NoteForm()
    form.validate_on_submit()
    return _action(letter_id, lambda letter: services.return_draft(letter, actor=current_user,
                                                              note=form.note.data or ""),
                   _("Draft returned to the drafter."))


@bp.route("/<int:letter_id>/tandatangani", methods=["POST"])
@permission_required("outgoing.view")
@locks_itself  # the PDF is rendered and signed before the write lock (services.sign)
def sign(letter_id: int):
    form = SignForm()
    if not form.validate_on_submit():
        flash(_("Type your signing passphrase to sign."), "danger")
        return redirect(url_for("outgoing.detail", letter_id=letter_id))
    return _action(letter_id, lambda letter: services.sign(letter, actor=current_user,
                                                      passphrase=form.passphrase.data),
                   _("Signed. The number has been issued."))


@bp.route("/<int:letter_id>/kirim", methods=["POST"])
@permission_required("outgoing.view")
def send(letter_id: int):
    NoteForm().validate_on_submit()  # CSRF is checked by CSRFProtect for every POST
    dispatches = []
    for key, value in request.form.items():
        rid = bounded_int(key[7:]) if key.startswith("method_") else None
        if rid is not None:
            try:
                date = dt.date.fromisoformat(request.form.get(f"date_{rid}", ""))
            except ValueError:
                date = None
            dispatches.append(services.Dispatch(rid, value, date,
                                                request.form.get(f"note_{rid}", "")))
    return _action(letter_id, lambda letter: services.send(letter, dispatches, actor=current_user),
                   _("The letter has been sent."))


@bp.route("/<int:letter_id>/koreksi", methods=["POST"])
@permission_required("outgoing.draft")
def correction(letter_id: int):
    letter = get_visible(letter_id)
    kind = request.form.get("kind", "replaces")
    try:
        draft = services.create_correction(letter, kind, actor=current_user)
    except services.OutgoingError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "danger")
        return redirect(url_for("outgoing.detail", letter_id=letter_id))
    db.session.commit()
    flash(_("Correction draft created. Once signed, it cancels the original."), "info")
    if not services.can_edit(draft, current_user):  # asked by the signatory: the drafter's
        return redirect(url_for("outgoing.detail", letter_id=draft.id))
    return redirect(url_for("outgoing.edit", letter_id=draft.id))


@bp.route("/<int:letter_id>/pratinjau.pdf")
@permission_required("outgoing.view")
def preview(letter_id: int):
    letter = get_visible(letter_id)
    if letter.pdf_file is not None:
        return redirect(url_for("outgoing.signed_pdf", letter_id=letter.id))
    data = services.render_letter_pdf(
        letter, date=today_local(),
        signatory=services.signatory_block(letter.signer_position,
                                           services.signing_capacity(letter, current_user)),
        draft=True, co_signatories=signatories.planned_blocks(letter))
    return pdf_response(data, f"pratinjau-{letter.id}.pdf")


@bp.route("/<int:letter_id>/surat.pdf")
@permission_required("outgoing.view")
def signed_pdf(letter_id: int):
    letter = get_visible(letter_id)
    if letter.pdf_file is None:
        abort(404)
    return files.send_stored(letter.pdf_file, letter.number.replace("/", "-"),
                             inline=request.args.get("inline") == "1")


@bp.route("/<int:letter_id>/berkas/<int:attachment_id>")
@permission_required("outgoing.view")
def attachment(letter_id: int, attachment_id: int):
    letter = get_visible(letter_id)
    item = db.session.get(OutgoingAttachment, attachment_id)
    if item is None or item.letter_id != letter.id:
        abort(404)
    return files.send_stored(item.file, item.filename)


@bp.route("/<int:letter_id>/revisi")
@permission_required("outgoing.view")
def compare(letter_id: int):
    letter = get_visible(letter_id)
    numbers = [r.number for r in letter.revisions]
    a = int_arg("a") or (numbers[-2] if len(numbers) > 1 else numbers[0])
    b = int_arg("b") or numbers[-1]
    revisions = {r.number: r for r in letter.revisions}
    if a not in revisions or b not in revisions:
        abort(404)
    return render_template("outgoing/compare.html", letter=letter, a=revisions[a],
                           b=revisions[b], diff=services.compare_revisions(revisions[a],
                                                                           revisions[b]),
                           numbers=numbers)


@bp.route("/ekspedisi")
@permission_required("outgoing.expedition")
def expedition():
    form = ExpeditionForm(request.args)
    today = today_local()
    if not request.args:
        form.date_from.data, form.date_to.data = today.replace(day=1), today
    rows = None
    if not request.args or form.validate():  # opened bare: this month's book at once
        if form.date_from.data > form.date_to.data:
            form.date_to.errors = [_("The end date is before the start date.")]
        else:
            rows = services.expedition_rows(current_user, form.date_from.data,
                                            form.date_to.data)
            fmt = request.args.get("format", "html")
            if fmt == "pdf":
                data = render_pdf("pdf/expedition.html", rows=rows, date_from=form.date_from.data,
                                  date_to=form.date_to.data)
                return pdf_response(data, f"buku-ekspedisi-{form.date_from.data}.pdf")
            if fmt == "xlsx":
                return _expedition_xlsx(rows, form.date_from.data)
    return render_template("outgoing/expedition.html", form=form, rows=rows)


def _expedition_xlsx(rows, date_from: dt.date) -> Response:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Buku Ekspedisi")
    sheet.append(["Tanggal Kirim", "Nomor Surat", "Tanggal Surat", "Perihal", "Kepada",
                  "Cara Kirim", "Keterangan"])
    for r in rows:
        sheet.append([r.dispatched_on.isoformat(), r.letter.number,
                      r.letter.signed_date.isoformat() if r.letter.signed_date else "",
                      r.letter.subject, r.label, r.dispatch_method, r.dispatch_note or ""])
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), headers={
        "Content-Disposition": f'attachment; filename="buku-ekspedisi-{date_from}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- Public verification ----------------------------------------------------------------

@verify_bp.route("/verifikasi/<token>", methods=["GET", "POST"])
@locks_itself  # writes nothing: a public POST never takes the write lock
def verify(token: str):
    """The QR code's target: the letter's identity and, at once, the verdict on the
    signatures of its PDF as issued; an uploaded copy is compared with it (SHA-256) and
    its own signatures checked. R and SR letters confirm only their number."""
    letter = services.by_token(token)
    if letter is None or letter.pdf_sha256 is None:
        abort(404)
    restricted = letter.security in ("R", "SR")
    form = VerifyUploadForm()
    result = uploaded = None
    if not restricted:
        if form.validate_on_submit():
            data = form.file.data.read()
            result = services.verify_pdf(letter, data)
            uploaded = verify_service.check_pdf(data)
        elif form.is_submitted():
            result = "missing"
    return render_template(
        "outgoing/verify.html", letter=letter, form=form, result=result,
        restricted=restricted, uploaded=uploaded,
        report=None if restricted else services.stored_pdf_report(letter),
        replaced_by=db.session.scalar(sa.select(OutgoingLetter).where(
            OutgoingLetter.replaces_id == letter.id,
            OutgoingLetter.status.in_(("signed", "sent")))))


@verify_bp.route("/verifikasi", methods=["GET", "POST"])
@locks_itself
def verify_file():
    """Anyone checks the signatures of any PDF, without a token: a letter received by
    mail or e-mail, a copy whose QR code is unreadable."""
    form = VerifyUploadForm()
    report = None
    if form.validate_on_submit():
        report = verify_service.check_pdf(form.file.data.read())
    return render_template("outgoing/verify_file.html", form=form, report=report)
