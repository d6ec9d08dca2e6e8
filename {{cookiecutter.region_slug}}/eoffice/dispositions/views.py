from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import files, paging
from eoffice.dispositions import bp, services
from eoffice.dispositions.forms import DispositionForm, InstructionForm, ReportForm, ReturnForm
from eoffice.dispositions.models import DispositionInstruction, DispositionRecipient
from eoffice.extensions import db
from eoffice.letters.services import today_local, visible_letter
from eoffice.pagecache import cached_page
from eoffice.security import can_view_letter, holds, permission_required

QUEUES = ("open", "due_soon", "overdue", "done", "sent", "sent_overdue")


@bp.route("/")
@permission_required("letters.view")
@cached_page
def index():
    which = request.args.get("antrian", "open")
    which = which if which in QUEUES else "open"
    page = services.queue_page(current_user, which, cursor=paging.cursor_arg(),
                               per_page=paging.per_page_arg())
    return render_template("dispositions/index.html", page=page, which=which,
                           today=today_local(), queues=QUEUES)


def _disposition_form(from_position, letter, parent=None) -> DispositionForm:
    form = DispositionForm()
    form.to_positions.choices = services.target_choices(from_position)
    form.instruction_ids.choices = [(i.id, i.text) for i in services.active_instructions()]
    if request.method == "GET":
        form.due_date.data = services.proposed_due_date(letter, parent, today_local())
    return form


def _submit(form: DispositionForm, letter, parent=None):
    data = services.DispositionInput(to_positions=form.to_positions.data or [],
                                     instruction_ids=form.instruction_ids.data or [],
                                     note=form.note.data or "", due_date=form.due_date.data)
    try:
        services.dispose(letter, data, actor=current_user, from_recipient=parent)
    except services.DispositionError as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            field = getattr(form, name, form.to_positions)
            field.errors = [*field.errors, message]
        return None
    db.session.commit()
    flash(_("Disposition sent."), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


@bp.route("/surat/<int:letter_id>/baru", methods=["GET", "POST"])
@permission_required("letters.view")
def create(letter_id: int):
    from eoffice.letters.services import addressee_position_of

    letter = visible_letter(letter_id, current_user)
    if letter is None:
        abort(404)
    position = addressee_position_of(letter, current_user)
    if position is None or letter.status == "cancelled":
        abort(403)
    form = _disposition_form(position, letter)
    if form.validate_on_submit():
        response = _submit(form, letter)
        if response is not None:
            return response
    return render_template("dispositions/form.html", form=form, letter=letter, parent=None,
                           position=position)


def _my_recipient(recipient_id: int) -> DispositionRecipient:
    recipient = db.session.get(DispositionRecipient, recipient_id)
    if recipient is None or not holds(current_user, recipient.position_id):
        abort(404)
    return recipient


def _sent_or_mine(recipient_id: int) -> DispositionRecipient:
    recipient = db.session.get(DispositionRecipient, recipient_id)
    if recipient is None or not can_view_letter(current_user, recipient.disposition.letter):
        abort(404)
    return recipient


@bp.route("/<int:recipient_id>/teruskan", methods=["GET", "POST"])
@permission_required("letters.view")
def forward(recipient_id: int):
    recipient = _my_recipient(recipient_id)
    letter = recipient.disposition.letter
    if not recipient.is_open:
        abort(403)
    form = _disposition_form(recipient.position, letter, recipient)
    if form.validate_on_submit():
        response = _submit(form, letter, recipient)
        if response is not None:
            return response
    return render_template("dispositions/form.html", form=form, letter=letter, parent=recipient,
                           position=recipient.position)


@bp.route("/<int:recipient_id>/laporan", methods=["GET", "POST"])
@permission_required("letters.view")
def report(recipient_id: int):
    recipient = _my_recipient(recipient_id)
    form = ReportForm()
    if form.validate_on_submit():
        upload = None
        if form.file.data and form.file.data.filename:
            upload = (form.file.data.filename, form.file.data.read())
        try:
            services.report(recipient, form.report.data, upload, form.done.data,
                            actor=current_user)
        except services.DispositionError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                field = getattr(form, name, form.report)
                field.errors = [*field.errors, message]
        else:
            db.session.commit()
            flash(_("Report saved."), "success")
            return redirect(url_for("letters.detail", letter_id=recipient.disposition.letter_id))
    return render_template("dispositions/report.html", form=form, recipient=recipient)


@bp.route("/<int:recipient_id>/berkas-laporan")
@permission_required("letters.view")
def report_file(recipient_id: int):
    recipient = _sent_or_mine(recipient_id)
    if recipient.report_file is None:
        abort(404)
    return files.send_stored(recipient.report_file, recipient.report_filename or "laporan")


@bp.route("/<int:recipient_id>/batal", methods=["POST"])
@permission_required("letters.view")
def cancel(recipient_id: int):
    recipient = _sent_or_mine(recipient_id)
    return _sender_action(recipient, lambda: services.cancel(recipient, actor=current_user),
                          _("Disposition cancelled."))


@bp.route("/<int:recipient_id>/kembalikan", methods=["POST"])
@permission_required("letters.view")
def send_back(recipient_id: int):
    recipient = _sent_or_mine(recipient_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Say what is still needed."), "danger")
        return redirect(url_for("letters.detail", letter_id=recipient.disposition.letter_id))
    return _sender_action(recipient,
                          lambda: services.send_back(recipient, form.note.data,
                                                     actor=current_user),
                          _("Disposition sent back to the recipient."))


def _sender_action(recipient, action, success: str):
    try:
        action()
    except services.DispositionError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("letters.detail", letter_id=recipient.disposition.letter_id))


@bp.route("/instruksi", methods=["GET", "POST"])
@bp.route("/instruksi/<int:item_id>", methods=["GET", "POST"])
@permission_required("dispositions.instructions")
def instructions(item_id: int | None = None):
    import sqlalchemy as sa

    item = db.session.get(DispositionInstruction, item_id) if item_id else None
    if item_id and item is None:
        abort(404)
    form = InstructionForm(obj=item)
    if form.validate_on_submit():
        try:
            services.save_instruction(item, form.text.data, form.active.data,
                                      form.sort_order.data, actor=current_user)
        except services.DispositionError as exc:
            db.session.rollback()
            form.text.errors = [*form.text.errors, *exc.errors.values()]
        else:
            db.session.commit()
            flash(_("Instruction saved."), "success")
            return redirect(url_for("dispositions.instructions"))
    items = db.session.scalars(sa.select(DispositionInstruction).order_by(
        DispositionInstruction.sort_order, DispositionInstruction.id)).all()
    return render_template("dispositions/instructions.html", form=form, item=item, items=items)
