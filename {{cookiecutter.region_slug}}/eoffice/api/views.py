"""REST API (/api/v1), its reference page (/api/docs) and the token pages.

Thin views: each endpoint parses its input, asks the same service as the page
that does the same thing, with the token's principal as the user, and turns the
result into JSON. Access rules are those of ``eoffice.security``, unchanged.
"""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from werkzeug.exceptions import HTTPException

from eoffice import files
from eoffice.api import bp, serializers, services, ui_bp
from eoffice.api.forms import PersonalTokenForm, SystemTokenForm
from eoffice.api.models import SCOPES, ApiToken
from eoffice.api.services import ApiError, Fields
from eoffice.extensions import csrf, db
from eoffice.numbering import locks_itself
from eoffice.security import (
    can_view_outgoing,
    can_view_staff,
    holds,
    permission_required,
)

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
ID = "int(min=1, max=2147483647)"  # ids beyond the database's integer are simply not found


def principal():
    return g.api_principal


# --- Authentication, errors, caching ------------------------------------------------------

csrf.exempt(bp)  # no cookie ever authenticates here: a forged cross-site request has no token
# The SQLite write lock only once a request is read and checked: each write service
# takes it (numbering.begin_write), not the request as a whole.
locks_itself(bp)


@bp.before_request
def _authenticate():
    g.api_principal = g.api_token = None
    # The browser session is never used by the API: current_user is the token's principal.
    g._login_user = AnonymousUserMixin()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, secret = header.partition(" ")
        token = services.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise ApiError(401, "invalid_token", str(_l("The token is wrong, revoked or "
                                                        "expired.")),
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.api_token, g.api_principal = token, services.principal_of(token)
        g._login_user = g.api_principal
    elif request.endpoint not in PUBLIC_ENDPOINTS:
        raise ApiError(401, "unauthorized", str(_l("Send a token: Authorization: Bearer "
                                                   "<token>.")),
                       headers={"WWW-Authenticate": "Bearer"})


@bp.teardown_request
def _forget_principal(exc=None):
    # The principal belongs to this request only (an app context may outlive it).
    g.pop("_login_user", None)
    g.pop("api_principal", None)


@bp.after_request
def _conditional(response):
    response.headers["Vary"] = "Authorization"
    if request.method == "GET" and response.status_code == 200 and \
            response.mimetype == "application/json":
        # Not kept by browsers or proxies (eoffice/headers.py); a client that keeps its
        # own copy may still ask again with If-None-Match.
        response.headers["Cache-Control"] = "private, no-store"
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return jsonify(error.body()), error.status, error.headers


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    messages = {403: _("You may not do this."),
                404: _("The record does not exist, or you may not see it.")}
    headers = {}
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    code = error.code or 500
    return jsonify({"error": (error.name or "error").lower().replace(" ", "_"),
                    "message": messages.get(code, error.description or error.name)}), \
        code, headers


def require(permission: str) -> None:
    if not services.may(principal(), permission):
        raise ApiError(403, "forbidden", str(_l("This token may not do this.")))


def _service_errors(errors: dict[str, str], status: int = 422) -> ApiError:
    db.session.rollback()
    return ApiError(status, "validation_failed", str(_l("The request was not accepted.")),
                    {k: str(v) for k, v in errors.items()})


# --- Health, document, me --------------------------------------------------------------

@bp.get("/health")
def health():
    from eoffice.version import __version__

    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        database = "error"
    body = {"status": "ok" if database == "ok" else "degraded", "database": database,
            "version": __version__}
    return jsonify(body), 200 if database == "ok" else 503


@bp.get("/openapi.json")
def openapi():
    from eoffice.api.openapi import document

    return jsonify(document())


@bp.get("/me")
def me():
    return jsonify(services.principal_summary(principal(), g.api_token))


# --- Incoming letters --------------------------------------------------------------------

LETTER_FILTERS = ("q", "date_from", "date_to", "classification_id", "security", "speed",
                  "status", "sender", "queue", "cursor", "per_page")


def _visible_letter(letter_id: int):
    from eoffice.letters.services import visible_letter

    letter = visible_letter(letter_id, principal())
    if letter is None:
        abort(404)
    return letter


@bp.get("/letters")
def letters_list():
    from eoffice.letters.models import LETTER_STATUSES, SECURITY_LEVELS, SPEED_LEVELS
    from eoffice.letters.services import LetterFilter, letter_page

    require("letters.view")
    fields = services.query_fields(*LETTER_FILTERS)
    filters = LetterFilter(
        q=fields.text("q", max_length=100).strip(), date_from=fields.date("date_from"),
        date_to=fields.date("date_to"),
        classification_id=fields.integer("classification_id", minimum=1, maximum=2**31 - 1),
        security=fields.choice("security", SECURITY_LEVELS),
        speed=fields.choice("speed", SPEED_LEVELS),
        status=fields.choice("status", [s for s in LETTER_STATUSES if s != "awaiting"]),
        sender=fields.text("sender", max_length=100).strip(),
        queue=fields.choice("queue", ("to_read", "copies", "registered_by_me")))
    cursor, per_page = services.keyset_args(fields)
    fields.check()
    page = letter_page(filters, principal(), cursor=cursor, per_page=per_page)
    return jsonify(services.keyset_body(page, serializers.letter))


@bp.get(f"/letters/<{ID}:letter_id>")
def letter_detail(letter_id: int):
    require("letters.view")
    return jsonify(serializers.letter(_visible_letter(letter_id), detail=True))


def _uploads(fields: Fields) -> list[tuple[str, bytes]]:
    value = fields.data.get("files")
    if value is None:
        return []
    out = []
    if not isinstance(value, list) or len(value) > 20:
        fields.errors["files"] = str(_l("Must be a list of at most 20 files."))
        return []
    for item in value:
        try:
            name, content = item["filename"], item["content_base64"]
            if not isinstance(name, str) or not isinstance(content, str) or len(name) > 255:
                raise TypeError
            out.append((name, base64.b64decode(content, validate=True)))
        except (KeyError, TypeError, binascii.Error, ValueError):
            fields.errors["files"] = str(_l("Each file is {filename, content_base64}."))
            return []
    return out


@bp.post("/letters")
def letter_create():
    from eoffice.letters.models import SECURITY_LEVELS, SPEED_LEVELS
    from eoffice.letters.services import LetterError, LetterInput, register_letter

    require("letters.register")
    fields = Fields(services.json_object())
    data = LetterInput(
        sender=fields.text("sender", required=True, max_length=255),
        sender_number=fields.text("sender_number", required=True, max_length=128),
        letter_date=fields.date("letter_date", required=True),
        received_date=fields.date("received_date", required=True),
        subject=fields.text("subject", required=True, max_length=500),
        summary=fields.text("summary", max_length=5000, multiline=True),
        classification_id=fields.integer("classification_id", minimum=1, maximum=2**31 - 1),
        security=fields.choice("security", SECURITY_LEVELS, default="B"),
        speed=fields.choice("speed", SPEED_LEVELS, default="biasa"),
        physical_attachments=fields.integer("physical_attachments", minimum=0, maximum=10000,
                                            default=0) or 0,
        to_positions=fields.int_list("to_positions"), cc_positions=fields.int_list("cc_positions"),
        uploads=_uploads(fields), confirm_duplicate=fields.boolean("confirm_duplicate"))
    fields.check()
    try:
        letter = register_letter(data, actor=principal())
    except LetterError as exc:
        raise _service_errors(exc.errors, 409 if "duplicate" in exc.errors else 422) from None
    db.session.commit()
    response = jsonify(serializers.letter(_visible_letter(letter.id), detail=True))
    return response, 201, {"Location": url_for("api.letter_detail", letter_id=letter.id)}


@bp.get(f"/letters/<{ID}:letter_id>/attachments/<{ID}:attachment_id>")
def letter_attachment(letter_id: int, attachment_id: int):
    from eoffice.letters.models import LetterAttachment

    require("letters.view")
    letter = _visible_letter(letter_id)
    item = db.session.get(LetterAttachment, attachment_id)
    if item is None or item.letter_id != letter.id:
        abort(404)
    return files.send_stored(item.file, item.filename)


def _disposition_input(fields: Fields):
    from eoffice.dispositions.services import DispositionInput

    data = DispositionInput(to_positions=fields.int_list("to_positions"),
                            instruction_ids=fields.int_list("instruction_ids"),
                            note=fields.text("note", max_length=5000, multiline=True),
                            due_date=fields.date("due_date"))
    fields.check()
    return data


@bp.post(f"/letters/<{ID}:letter_id>/dispositions")
def letter_dispose(letter_id: int):
    from eoffice.dispositions.services import DispositionError, dispose
    from eoffice.letters.services import addressee_position_of

    require("letters.view")
    letter = _visible_letter(letter_id)
    if addressee_position_of(letter, principal()) is None or letter.status == "cancelled":
        abort(403)
    data = _disposition_input(Fields(services.json_object()))
    try:
        disposition = dispose(letter, data, actor=principal())
    except DispositionError as exc:
        raise _service_errors(exc.errors) from None
    db.session.commit()
    return jsonify({"id": disposition.id, "letter_id": letter.id,
                    "recipients": [r.id for r in disposition.recipients]}), 201


# --- Dispositions --------------------------------------------------------------------------

def _my_recipient(recipient_id: int):
    from eoffice.dispositions.models import DispositionRecipient

    recipient = db.session.get(DispositionRecipient, recipient_id)
    if recipient is None or not holds(principal(), recipient.position_id):
        abort(404)
    return recipient


@bp.get("/dispositions")
def dispositions_list():
    from eoffice.dispositions.services import queue_page
    from eoffice.letters.services import today_local

    require("letters.view")
    fields = services.query_fields("queue", "cursor", "per_page")
    which = fields.choice("queue", ("open", "overdue", "done", "sent"), default="open")
    cursor, per_page = services.keyset_args(fields)
    fields.check()
    today = today_local()
    page = queue_page(principal(), which, cursor=cursor, per_page=per_page)
    return jsonify(services.keyset_body(page, lambda r: serializers.disposition_row(r, today)))


@bp.post(f"/dispositions/<{ID}:recipient_id>/report")
def disposition_report(recipient_id: int):
    from eoffice.dispositions.services import DispositionError, report
    from eoffice.letters.services import today_local

    require("letters.view")
    recipient = _my_recipient(recipient_id)
    fields = Fields(services.json_object())
    text = fields.text("report", required=True, max_length=10000, multiline=True)
    done = fields.boolean("done", default=True)
    fields.check()
    try:
        report(recipient, text, None, done, actor=principal())
    except DispositionError as exc:
        raise _service_errors(exc.errors) from None
    db.session.commit()
    return jsonify(serializers.disposition_row(_my_recipient(recipient_id), today_local()))


@bp.post(f"/dispositions/<{ID}:recipient_id>/forward")
def disposition_forward(recipient_id: int):
    from eoffice.dispositions.services import DispositionError, dispose

    require("letters.view")
    recipient = _my_recipient(recipient_id)
    if not recipient.is_open:
        abort(403)
    letter = recipient.disposition.letter
    data = _disposition_input(Fields(services.json_object()))
    try:
        disposition = dispose(letter, data, actor=principal(), from_recipient=recipient)
    except DispositionError as exc:
        raise _service_errors(exc.errors) from None
    db.session.commit()
    return jsonify({"id": disposition.id, "letter_id": letter.id,
                    "recipients": [r.id for r in disposition.recipients]}), 201


# --- Outgoing letters ------------------------------------------------------------------------

def _visible_outgoing(letter_id: int):
    from eoffice.outgoing.models import OutgoingLetter

    letter = db.session.get(OutgoingLetter, letter_id)
    if letter is None or not can_view_outgoing(principal(), letter):
        abort(404)
    return letter


@bp.get("/outgoing")
def outgoing_list():
    from eoffice.outgoing.services import QUEUES, queue_page

    require("outgoing.view")
    fields = services.query_fields("queue", "cursor", "per_page")
    queue = fields.choice("queue", QUEUES, default="all")
    cursor, per_page = services.keyset_args(fields)
    fields.check()
    page = queue_page(principal(), queue, cursor=cursor, per_page=per_page)
    return jsonify(services.keyset_body(page, serializers.outgoing))


@bp.get(f"/outgoing/<{ID}:letter_id>")
def outgoing_detail(letter_id: int):
    from eoffice.exchange.services import deliveries_of

    require("outgoing.view")
    letter = _visible_outgoing(letter_id)
    return jsonify(serializers.outgoing(letter, detail=True, deliveries=deliveries_of(letter)))


@bp.get(f"/outgoing/<{ID}:letter_id>/pdf")
def outgoing_pdf(letter_id: int):
    require("outgoing.view")
    letter = _visible_outgoing(letter_id)
    if letter.pdf_file is None:
        abort(404)
    return files.send_stored(letter.pdf_file, letter.number.replace("/", "-"))


# --- Staff -------------------------------------------------------------------------------------

STAFF_FILTERS = ("q", "unit_id", "employment_type", "golongan_code", "jabatan_type", "status",
                 "page", "per_page")


@bp.get("/staff")
def staff_list():
    from eoffice.org.models import JABATAN_TYPES
    from eoffice.staff.models import EMPLOYMENT_TYPES, STATUSES
    from eoffice.staff.services import StaffFilter, staff_query

    require("staff.view")
    fields = services.query_fields(*STAFF_FILTERS)
    filters = StaffFilter(
        q=fields.text("q", max_length=100).strip(),
        unit_id=fields.integer("unit_id", minimum=1, maximum=2**31 - 1),
        employment_type=fields.choice("employment_type", EMPLOYMENT_TYPES),
        golongan_code=fields.text("golongan_code", max_length=8),
        jabatan_type=fields.choice("jabatan_type", JABATAN_TYPES),
        status=fields.choice("status", STATUSES))
    return jsonify(services.page_body(staff_query(filters, principal()), fields,
                                      serializers.staff))


@bp.get(f"/staff/<{ID}:staff_id>")
def staff_detail(staff_id: int):
    from eoffice.staff.models import Staff

    require("profile.view")
    person = db.session.get(Staff, staff_id)
    if person is None or not can_view_staff(principal(), person):
        abort(404)
    return jsonify(serializers.staff(person))


@bp.post("/staff/import")
def staff_import():
    from eoffice.staff import transfer

    require("staff.import")
    upload = request.files.get("file")
    fields = Fields(dict(request.form.items()))
    fmt = fields.choice("format", transfer.FORMATS, default=transfer.FORMAT_OURS)
    mode = fields.choice("mode", (transfer.MODE_ALL_OR_NOTHING, transfer.MODE_VALID_ONLY),
                         default=transfer.MODE_ALL_OR_NOTHING)
    if upload is None or not upload.filename:
        fields.errors["file"] = str(_l("Send the CSV or XLSX file as the multipart field "
                                       "'file'."))
    fields.check()
    try:
        report = transfer.import_staff(upload.filename, upload.read(), mode=mode,
                                       actor=principal(), format=fmt)
    except transfer.ImportFileError as exc:
        raise _service_errors({"file": str(exc)}) from None
    body = serializers.import_report(report, fmt)
    if not report.committed and report.errors:
        body.update(error="validation_failed", message=str(_l(
            "Nothing was imported: %(n)d rows have errors.", n=report.rejected_rows)),
            errors={"file": str(_l("%(n)d rows have errors; see row_errors.",
                                   n=report.rejected_rows))})
        return jsonify(body), 422
    return jsonify(body), 200


# --- Organisation and classification codes -------------------------------------------------------

@bp.get("/org/units")
def units():
    from eoffice.org.models import Unit

    require("org.view")
    fields = services.query_fields("page", "per_page")
    query = sa.select(Unit).order_by(Unit.code, Unit.id)
    return jsonify(services.page_body(query, fields, serializers.unit))


@bp.get("/org/positions")
def positions():
    from sqlalchemy.orm import joinedload

    from eoffice.org.models import Position

    require("org.view")
    fields = services.query_fields("unit_id", "page", "per_page")
    unit_id = fields.integer("unit_id", minimum=1, maximum=2**31 - 1)
    query = sa.select(Position).options(joinedload(Position.holder)).order_by(
        Position.unit_id, Position.sort_order, Position.id)
    if unit_id:
        query = query.where(Position.unit_id == unit_id)
    return jsonify(services.page_body(query, fields, serializers.position))


@bp.get("/classifications")
def classifications():
    from eoffice.archive.models import Classification

    require("org.view")
    fields = services.query_fields("q", "active", "page", "per_page")
    q = fields.text("q", max_length=100).strip()
    active = fields.choice("active", ("true", "false"))
    query = sa.select(Classification).order_by(Classification.sort_key, Classification.id)
    if q:
        query = query.where(sa.or_(Classification.code.like(f"{q}%"),
                                   Classification.name.ilike(f"%{q}%")))
    if active:
        query = query.where(Classification.active.is_(active == "true"))
    return jsonify(services.page_body(query, fields, serializers.classification_full))


# --- Pages: reference, personal tokens, system tokens ------------------------------------------

@ui_bp.route("/api/docs")
def docs():
    from eoffice.api.openapi import document

    return render_template("api/docs.html", doc=document(), scopes=SCOPES)


@ui_bp.route("/akun/token-api", methods=["GET", "POST"])
@permission_required("profile.view")
def personal_tokens():
    form = PersonalTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            new = services.create_token("personal", form.name.data, user=current_user,
                                        expires_at=form.expires_at_utc(), actor=current_user)
        except services.TokenError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name, form.name).errors.append(message)
        else:
            db.session.commit()
            secret = new.secret
            form = PersonalTokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, secret=secret, system=False,
                           tokens=services.tokens_of(current_user))


@ui_bp.route("/admin/token-sistem", methods=["GET", "POST"])
@permission_required("api.system_tokens")
def system_tokens():
    form = SystemTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            new = services.create_token("system", form.name.data, scopes=form.scopes.data,
                                        expires_at=form.expires_at_utc(), actor=current_user)
        except services.TokenError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name, form.name).errors.append(message)
        else:
            db.session.commit()
            secret = new.secret
            form = SystemTokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, secret=secret, system=True,
                           tokens=services.system_tokens())


@ui_bp.route(f"/akun/token-api/<{ID}:token_id>/cabut", methods=["POST"])
@permission_required("profile.view")
def revoke(token_id: int):
    from eoffice.security import can

    token = db.session.get(ApiToken, token_id)
    mine = token is not None and token.kind == "personal" and token.user_id == current_user.id
    admin = token is not None and token.kind == "system" and can(current_user,
                                                                 "api.system_tokens")
    if not (mine or admin):
        abort(404)
    if services.revoke_token(token, actor=current_user):
        db.session.commit()
        flash(_("Token %(n)s revoked.", n=token.name), "info")
    return redirect(url_for("api_ui.system_tokens" if admin else "api_ui.personal_tokens"))
