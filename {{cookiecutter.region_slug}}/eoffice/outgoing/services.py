"""Rules of outgoing letters: drafting, the paraf chain, signing, numbering, sending."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import secrets
from dataclasses import dataclass, field

import nh3
import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload, selectinload

from eoffice import audit, events, files, numbering
from eoffice.archive.models import Classification
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.inputs import CONTROL_MESSAGE, has_control_characters
from eoffice.letters.models import RESTRICTED_LEVELS, SECURITY_LEVELS, SPEED_LEVELS
from eoffice.naskah import services as naskah
from eoffice.org.acting import acting_for
from eoffice.org.models import Position
from eoffice.outgoing.access import clerk_units
from eoffice.outgoing.capacity import SigningCapacity, check_capacity, signing_capacity
from eoffice.outgoing.models import (
    DISPATCH_METHODS,
    ApprovalStep,
    DraftRevision,
    OutgoingAttachment,
    OutgoingLetter,
    OutgoingRecipient,
    OutgoingSignatory,
)
from eoffice.security import (
    acting_capacity,
    held_position_ids,
    holds,
    outgoing_access_clause,
    user_position,
    user_unit_id,
)

OBJECT_TYPE = "outgoing_letters"
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "table", "thead",
                "tbody", "tr", "th", "td", "blockquote", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


class OutgoingError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def sanitize_html(html: str) -> str:
    """Keep paragraphs, bold, italic, underline, lists and tables; drop everything else.

    Byte-order marks go first: the HTML parser drops one at the very start only, so
    cleaning twice would not give the same text."""
    return nh3.clean((html or "").replace("\ufeff", ""), tags=ALLOWED_TAGS,
                     attributes=ALLOWED_ATTRIBUTES, link_rel=None, strip_comments=True).strip()


def html_to_text(html: str) -> str:
    text = re.sub(r"</(p|li|tr|h3|h4|blockquote)>|<br\s*/?>", "\n", html or "")
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


@dataclass
class ExternalRecipient:
    name: str
    agency: str = ""
    address: str = ""
    kind: str = "to"
    peer_id: int | None = None  # another region's e-office (eoffice.exchange)


@dataclass
class DraftInput:
    letter_type: str
    subject: str
    signer_position_id: int | None
    body_html: str = ""
    classification_id: int | None = None
    security: str = "B"
    speed: str = "biasa"
    details: dict = field(default_factory=dict)
    to_positions: list[int] = field(default_factory=list)
    cc_positions: list[int] = field(default_factory=list)
    external: list[ExternalRecipient] = field(default_factory=list)
    chain: list[int] = field(default_factory=list)  # verifier positions, in order
    uploads: list[tuple[str, bytes]] = field(default_factory=list)
    reply_to_id: int | None = None
    closes_recipient_id: int | None = None
    signing_as: str = "langsung"  # langsung | an | ub (outgoing.capacity)
    on_behalf_position_id: int | None = None
    # further signatories after signer_position_id, in order (outgoing.signatories)
    co_signers: list[int] = field(default_factory=list)


def _check_details(layout: str, details: dict, errors: dict[str, str]) -> dict:
    """The fields of the type's layout (``naskah.models.LAYOUTS``): an invitation's
    event, an assignment's staff and dates."""
    clean: dict = {}
    if layout == "undangan":
        for key in ("event_date", "event_time", "place", "agenda"):
            value = str(details.get(key) or "").strip()
            if not value:
                errors[key] = str(_l("Required for an invitation."))
            clean[key] = value[:500]
        if clean.get("event_date"):
            try:
                dt.date.fromisoformat(clean["event_date"])
            except ValueError:
                errors["event_date"] = str(_l("Not a date."))
    elif layout == "tugas":
        staff_ids = [int(s) for s in details.get("assigned_staff") or []]
        if not staff_ids:
            errors["assigned_staff"] = str(_l("Choose the staff assigned."))
        else:
            from eoffice.staff.models import Staff

            found = set(db.session.scalars(sa.select(Staff.id).where(Staff.id.in_(staff_ids))))
            if set(staff_ids) - found:
                errors["assigned_staff"] = str(_l("A staff member does not exist."))
        clean["assigned_staff"] = staff_ids
        for key in ("start_date", "end_date"):
            value = str(details.get(key) or "").strip()
            try:
                clean[key] = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                errors[key] = str(_l("Not a date."))
        if clean.get("start_date") and clean.get("end_date") and \
                clean["end_date"] < clean["start_date"]:
            errors["end_date"] = str(_l("The end is before the start."))
        clean["destination"] = str(details.get("destination") or "").strip()[:500]
        if not clean["destination"]:
            errors["destination"] = str(_l("Where are they going?"))
        clean["purpose"] = str(details.get("purpose") or "").strip()[:1000]
    return clean


def check_draft(data: DraftInput, actor, current_type: str | None = None,
                ) -> tuple[dict[str, str], dict, list]:
    """Every rule of a draft; ``current_type``: the type of the draft being edited (it
    may stay even if the drafter's OPD no longer writes it)."""
    errors: dict[str, str] = {}
    kind = naskah.naskah_type(data.letter_type)
    problem = naskah.type_problem(data.letter_type, actor, current_type)
    if problem:
        errors["letter_type"] = problem
    if not data.subject.strip():
        errors["subject"] = str(_l("The subject (hal) is required."))
    if data.security not in SECURITY_LEVELS:
        errors["security"] = str(_l("Unknown security level."))
    if data.speed not in SPEED_LEVELS:
        errors["speed"] = str(_l("Unknown speed level."))
    if data.classification_id is None:
        errors["classification_id"] = str(_l("Choose a classification code: it is part of "
                                             "the letter number."))
    else:
        item = db.session.get(Classification, data.classification_id)
        if item is None or not item.active:
            errors["classification_id"] = str(_l("Choose an active classification code."))
    if not html_to_text(sanitize_html(data.body_html)):
        errors["body_html"] = str(_l("The letter has no text."))
    if not data.to_positions and not [e for e in data.external if e.kind == "to"]:
        errors["to_positions"] = str(_l("Add at least one addressee."))
    if kind is not None and kind.internal_only and data.external:
        errors["external"] = str(_l("A %(t)s goes to internal positions only.", t=kind.name))
    for recipient in data.external:
        if not recipient.name.strip():
            errors["external"] = str(_l("An external recipient needs a name."))
    peer_ids = {e.peer_id for e in data.external if e.peer_id}
    if peer_ids:
        from eoffice.exchange.models import Peer

        if peer_ids - set(db.session.scalars(sa.select(Peer.id).where(
                Peer.id.in_(peer_ids), Peer.active.is_(True)))):
            errors["external"] = str(_l("A peer region does not exist or is inactive."))
    wanted = set(data.to_positions) | set(data.cc_positions) | set(data.chain) | \
        set(data.co_signers)
    if data.signer_position_id:
        wanted.add(data.signer_position_id)
    if data.on_behalf_position_id:
        wanted.add(data.on_behalf_position_id)
    positions = {p.id: p for p in db.session.scalars(sa.select(Position).where(
        Position.id.in_(wanted), Position.active.is_(True)))}
    if (set(data.to_positions) | set(data.cc_positions)) - set(positions):
        errors["to_positions"] = str(_l("A recipient position does not exist."))
    signer = positions.get(data.signer_position_id or -1)
    if signer is None:
        errors["signer_position_id"] = str(_l("Choose the signing position."))
    elif signer.holder_id is None and acting_for(signer.id) is None:
        errors["signer_position_id"] = str(_l("The signing position is vacant and nobody "
                                              "acts for it (Plt/Plh) today."))
    on_behalf = positions.get(data.on_behalf_position_id) \
        if data.on_behalf_position_id and data.signing_as != "langsung" else None
    if data.signing_as != "langsung" and data.on_behalf_position_id and on_behalf is None:
        errors["on_behalf_position_id"] = str(_l("The a.n. position does not exist."))
    else:
        problem = check_capacity(signer, data.signing_as, on_behalf) or \
            naskah.authority_problem(data.letter_type, signer, data.signing_as, on_behalf)
        if problem:
            errors.setdefault(problem[0], problem[1])
    if len(set(data.chain)) != len(data.chain):
        errors["chain"] = str(_l("A verifier appears twice in the chain."))
    elif set(data.chain) - set(positions):
        errors["chain"] = str(_l("A verifier position does not exist."))
    elif data.signer_position_id in data.chain:
        errors["chain"] = str(_l("The signatory signs after the chain; do not add them as a "
                                 "verifier."))
    mine = user_position(actor)
    from eoffice.outgoing import signatories

    signatories.check(data.signer_position_id, data.co_signers, data.chain, positions,
                      mine.id if mine is not None else None, errors)
    if mine is not None and not current_app.config["ALLOW_SELF_APPROVAL"]:
        if mine.id in data.chain:
            errors["chain"] = str(_l("You cannot verify your own draft."))
        if mine.id == data.signer_position_id:
            errors["signer_position_id"] = str(_l("You cannot sign your own draft."))
    details = _check_details(naskah.layout_of(data.letter_type), data.details, errors)
    checked, problem = files.check_uploads(data.uploads)
    if problem:
        errors["files"] = problem
    return errors, details, checked


def _apply(letter: OutgoingLetter, data: DraftInput, details: dict, uploads, actor) -> None:
    letter.letter_type, letter.subject = data.letter_type, data.subject.strip()
    letter.classification_id, letter.security, letter.speed = (
        data.classification_id, data.security, data.speed)
    letter.body_html, letter.details = sanitize_html(data.body_html), details
    letter.signer_position_id = data.signer_position_id
    letter.signing_as = data.signing_as
    letter.on_behalf_position_id = data.on_behalf_position_id \
        if data.signing_as != "langsung" else None
    letter.recipients = (
        [OutgoingRecipient(kind="to", position_id=p) for p in data.to_positions]
        + [OutgoingRecipient(kind="cc", position_id=p) for p in data.cc_positions]
        + [OutgoingRecipient(kind=e.kind, name=e.name.strip()[:255], agency=e.agency.strip()[:255]
                             or None, address=e.address.strip()[:500] or None, peer_id=e.peer_id)
           for e in data.external])
    # Steps are updated in place: (letter, order) is unique, and a flush inserts new rows
    # before it deletes orphans.
    for i, position_id in enumerate(data.chain):
        if i < len(letter.steps):
            step = letter.steps[i]
            step.position_id, step.status, step.note = position_id, "pending", None
            step.acted_at = step.acted_by_id = None
        else:
            letter.steps.append(ApprovalStep(order=i, position_id=position_id))
    del letter.steps[len(data.chain):]
    letter.current_step = 0
    from eoffice.outgoing import signatories

    signatories.apply(letter, data.co_signers)
    for upload in uploads:
        letter.attachments.append(OutgoingAttachment(file=files.store(upload),
                                                     filename=upload.filename))


def _snapshot(letter: OutgoingLetter, actor, note: str | None = None) -> None:
    letter.revisions.append(DraftRevision(
        number=letter.revision, subject=letter.subject, body_html=letter.body_html,
        details=dict(letter.details or {}), created_by_id=actor.id,
        created_by_name=actor.full_name, note=note))


def create_draft(data: DraftInput, *, actor) -> OutgoingLetter:
    errors, details, uploads = check_draft(data, actor)
    if errors:
        raise OutgoingError(errors)
    mine = user_position(actor)
    letter = OutgoingLetter(drafter_id=actor.id, drafter_position_id=mine.id if mine else None,
                            status="draft", revision=1, reply_to_id=data.reply_to_id,
                            closes_recipient_id=data.closes_recipient_id)
    _apply(letter, data, details, uploads, actor)
    _snapshot(letter, actor, note=None)
    db.session.add(letter)
    db.session.flush()
    audit.record("outgoing.drafted", letter, actor=actor,
                 data={"type": letter.letter_type, "subject": letter.subject})
    return letter


def can_edit(letter: OutgoingLetter, user) -> bool:
    return letter.drafter_id == user.id and letter.status in ("draft", "returned")


def update_draft(letter: OutgoingLetter, data: DraftInput, *, actor, note: str = "") -> None:
    """Save a new revision of the draft (drafter only, before review or after a return)."""
    if not can_edit(letter, actor):
        raise OutgoingError({"subject": str(_l("This draft cannot be edited now."))})
    errors, details, uploads = check_draft(data, actor, current_type=letter.letter_type)
    if errors:
        raise OutgoingError(errors)
    _apply(letter, data, details, uploads, actor)
    letter.revision += 1
    _snapshot(letter, actor, note=note.strip() or None)
    audit.record("outgoing.revised", letter, actor=actor, data={"revision": letter.revision,
                                                               "note": note.strip()})


def submit(letter: OutgoingLetter, *, actor) -> None:
    """The drafter sends the draft to the first verifier (or straight to the signatory)."""
    if not can_edit(letter, actor):
        raise OutgoingError({"status": str(_l("Only the drafter can submit a draft."))})
    for step in letter.steps:
        step.status, step.acted_at, step.acted_by_id, step.note = "pending", None, None, None
    letter.current_step = 0
    letter.status = "in_review" if letter.steps else "approved"
    audit.record("outgoing.submitted", letter, actor=actor, data={"revision": letter.revision})
    emit_awaiting(letter, actor=actor)


def emit_awaiting(letter: OutgoingLetter, *, actor) -> None:
    """Tell the position whose turn it now is: the current verifier (paraf) or, once
    every paraf is given, the signatory (domain events, after the commit)."""
    restricted = letter.security in RESTRICTED_LEVELS
    step = current_step(letter)
    if step is not None:
        events.emit("draft_awaiting_paraf", "outgoing_letters", letter.id, actor=actor,
                    positions=[step.position_id], restricted=restricted)
    elif letter.status == "approved":
        events.emit("draft_awaiting_signature", "outgoing_letters", letter.id, actor=actor,
                    positions=[letter.signer_position_id], restricted=restricted)


def _emit_to_drafter(name: str, letter: OutgoingLetter, *, actor, **data) -> None:
    events.emit(name, "outgoing_letters", letter.id, actor=actor, user_ids=[letter.drafter_id],
                restricted=letter.security in RESTRICTED_LEVELS, data=data)


def current_step(letter: OutgoingLetter) -> ApprovalStep | None:
    if letter.status != "in_review" or letter.current_step >= len(letter.steps):
        return None
    return letter.steps[letter.current_step]


def is_current_verifier(letter: OutgoingLetter, user) -> bool:
    """The user holds the position whose paraf is due (or acts for it today)."""
    step = current_step(letter)
    return step is not None and holds(user, step.position_id)


def is_signatory(letter: OutgoingLetter, user) -> bool:
    """The user holds the signing position (or acts for it today, as Plt/Plh)."""
    return holds(user, letter.signer_position_id)


def approve(letter: OutgoingLetter, *, actor, note: str = "") -> None:
    """The current verifier gives their paraf; after the last one the signatory is next."""
    if not is_current_verifier(letter, actor):
        raise OutgoingError({"status": str(_l("It is not your turn to verify this draft."))})
    if letter.drafter_id == actor.id and not current_app.config["ALLOW_SELF_APPROVAL"]:
        raise OutgoingError({"status": str(_l("You cannot verify your own draft."))})
    step = current_step(letter)
    step.status, step.acted_at, step.acted_by_id = "approved", utcnow(), actor.id
    step.note = note.strip() or None
    letter.current_step += 1
    if letter.current_step >= len(letter.steps):
        letter.status = "approved"
    data = {"step": step.order + 1, "position": step.position.name, "note": step.note}
    capacity = acting_capacity(actor, step.position_id)
    if capacity:
        data |= {"capacity": capacity, "for_position": step.position.name}
    audit.record("outgoing.approved", letter, actor=actor, data=data)
    emit_awaiting(letter, actor=actor)


def return_draft(letter: OutgoingLetter, *, actor, note: str) -> None:
    """A verifier (in turn) or the signatory sends the draft back to the drafter; so does
    a further signatory in turn, which sets the earlier signatures aside
    (``signatories.refuse``: the number stays with the letter)."""
    from eoffice.outgoing import signatories

    if not (note or "").strip():
        raise OutgoingError({"note": str(_l("Say what must change."))})
    if letter.status == "signing":
        if not signatories.is_due(letter, actor):
            raise OutgoingError({"note": str(_l("You cannot return this draft now."))})
        letter = _lock_letter(letter.id)
        if not signatories.is_due(letter, actor):
            raise OutgoingError({"note": str(_l("The letter changed meanwhile; reload."))})
        where = signatories.refuse(letter, actor=actor, note=note)
        letter.status = "returned"
        audit.record("outgoing.returned", letter, actor=actor,
                     data={"position": where, "note": note.strip()})
        return
    step = current_step(letter)
    if step is not None and is_current_verifier(letter, actor):
        step.status, step.acted_at, step.acted_by_id, step.note = (
            "returned", utcnow(), actor.id, note.strip())
        where = step.position.name
    elif letter.status == "approved" and is_signatory(letter, actor):
        where = letter.signer_position.name
    else:
        raise OutgoingError({"note": str(_l("You cannot return this draft now."))})
    letter.status = "returned"
    audit.record("outgoing.returned", letter, actor=actor,
                 data={"position": where, "note": note.strip()})
    _emit_to_drafter("draft_returned", letter, actor=actor)


def return_note(letter: OutgoingLetter, events) -> tuple[str, str] | None:
    """Who returned the draft, and why: (position, note) of the last return while the
    letter is ``returned``. The signatory's return has no step of its own, so it is read
    from the letter's audit events (``events``, oldest first)."""
    if letter.status != "returned":
        return None
    for event in reversed(events):
        if event.action == "outgoing.returned":
            return event.data.get("position") or "", event.data.get("note") or ""
    return None


# --- Signing and numbering -----------------------------------------------------------

def issue_number(letter: OutgoingLetter, today: dt.date):
    """Take the letter's number, inside the signing transaction, from the numbering series
    of its type, its signer's unit (or that unit's OPD, or the region) and its
    classification (``eoffice.series.services.series_for``). A number another series
    already issued (two series with one pattern) is refused, not stored twice."""
    from eoffice.series.services import SeriesError, issue, series_for

    try:
        series = series_for(f"outgoing:{letter.letter_type}", letter.signer_position.unit,
                            letter.classification)
        issued = issue(series, today, _number_fields(letter))
    except SeriesError as exc:
        raise OutgoingError({"passphrase": str(exc)}) from exc
    if db.session.scalar(sa.select(OutgoingLetter.id).where(
            OutgoingLetter.number == issued.number)) is not None:
        raise OutgoingError({"passphrase": str(_l(
            "The number %(n)s was already issued by another numbering series; ask the "
            "administrator to make the series' patterns distinct.", n=issued.number))})
    return issued


def _predicted_number(letter: OutgoingLetter, today: dt.date) -> str:
    """The number the letter's series would issue next (nothing is taken), or "" when it
    cannot be told now (the error is then reported, under the lock, by ``issue_number``)."""
    from eoffice.numbering import PatternError
    from eoffice.series.services import SeriesError, preview, series_for

    try:
        series = series_for(f"outgoing:{letter.letter_type}", letter.signer_position.unit,
                            letter.classification)
        return preview(series, today, _number_fields(letter))
    except (SeriesError, PatternError):
        return ""


def _number_fields(letter: OutgoingLetter) -> dict[str, str]:
    from eoffice.series.services import opd_of

    unit = letter.signer_position.unit
    opd = opd_of(unit)
    return {"code": letter.classification.code if letter.classification else "",
            "unit": unit.code if unit else "", "opd": opd.code if opd else "",
            "type": naskah.number_code(letter.letter_type)}


def signatory_block(position: Position, capacity: SigningCapacity | None = None) -> dict:
    """What the signature block shows (and the signed letter keeps as ``signatory``).

    Without ``capacity``: the position's holder in their own name. With it
    (``capacity.signing_capacity``): the signer it names under the position line it
    gives ("Plt. ..."), and the a.n. / u.b. lines above (``on_behalf``, ``via``)."""
    holder = capacity.signer if capacity is not None else position.holder
    block = {
        "name": holder.full_name if holder else "",
        "nip": holder.nip or holder.pppk_number or "" if holder else "",
        "position": capacity.title if capacity is not None else position.name,
        "rank": (f"{holder.golongan.pangkat} ({holder.golongan.code})"
                 if holder is not None and holder.golongan else ""),
        "unit": position.unit.name if position.unit else "",
    }
    if capacity is not None:
        block |= capacity.audit_data()
        if capacity.on_behalf is not None:
            block["via"] = capacity.via.name if capacity.via is not None else ""
    return block


def verification_url(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if not base:
        base = request.host_url.rstrip("/") if request else ""
    return f"{base}/verifikasi/{token}"


def render_letter_pdf(letter: OutgoingLetter, *, date: dt.date, signatory: dict,
                      number: str | None = None, verify_url: str | None = None,
                      draft: bool = False, co_signatories: list[dict] | None = None) -> bytes:
    """The letter as a PDF. ``draft=True`` is the preview before signing: watermarked
    "KONSEP - BELUM DITANDATANGANI" on every page, without a number, QR code,
    verification address or e-signature sentence, so that it cannot pass for the
    signed letter. Otherwise the issued letter: ``number`` and ``verify_url`` required."""
    from eoffice.pdf import render_pdf
    from eoffice.staff.models import Staff

    if draft:
        number = verify_url = None
    elif not number or not verify_url:
        raise ValueError("an issued letter needs its number and verification URL")
    assigned = []
    layout = naskah.layout_of(letter.letter_type)
    if layout == "tugas":
        ids = letter.details.get("assigned_staff") or []
        by_id = {s.id: s for s in db.session.scalars(sa.select(Staff).where(Staff.id.in_(ids)))}
        assigned = [by_id[i] for i in ids if i in by_id]
    # A region may draw a type its own way: local/ templates/pdf/outgoing/<code>.html.
    templates = [f"pdf/outgoing/{letter.letter_type}.html", f"pdf/outgoing/{layout}.html"]
    return render_pdf(templates, letter=letter, number=number,
                      date=date, signatory=signatory, verify_url=verify_url,
                      qr_uri=qr_data_uri(verify_url) if verify_url else None, draft=draft,
                      assigned=assigned, type_label=naskah.label(letter.letter_type),
                      co_signatories=co_signatories or [],
                      kop_unit=letter.signer_position.unit.name
                      if letter.signer_position.unit and layout != "edaran" else None)


def qr_data_uri(text: str) -> str:
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _lock_letter(letter_id: int) -> OutgoingLetter:
    """The letter as it is now, held until the transaction ends, so that two requests
    (a double click, two clerks) cannot both sign or both send it. SQLite: the
    database's write lock; PostgreSQL: the letter's row lock. Either way the row is
    read again, never taken from the session's identity map."""
    numbering.begin_write()
    return db.session.get(OutgoingLetter, letter_id, with_for_update=True,
                          populate_existing=True)


def sign(letter: OutgoingLetter, *, actor, passphrase: str) -> None:
    """The signatory confirms with their signing passphrase. In one transaction: the number
    is issued, the final PDF is rendered, signed (PAdES, by the region's signing backend,
    ``eoffice.signing``) and stored with its SHA-256 and token. A refused signature (wrong
    passphrase, no valid certificate, the service down) leaves the letter approved and
    takes no number: everything is rolled back, only the refusal is recorded.

    A letter with further signatories (``outgoing.signatories``) is ``signing`` after
    this first signature, and each further signatory's ``sign`` adds theirs in turn. A
    letter a further signatory returned keeps the number it was given: it is reused.

    **Reserve late, outside the lock.** The PDF is rendered and signed (a KDF, perhaps a
    timestamp authority or a remote service) *before* the write lock is taken, with the
    number the series would issue next (``series.services.preview``). Then one short
    transaction locks the letter and takes the number: when it is the one predicted
    (always, unless another letter of the same series was numbered meanwhile) the signed
    PDF is stored as it is; otherwise it is rendered and signed again with the number
    taken, under the lock, as before. Numbers stay gap-free and unique (the counter is
    only ever moved inside the storing transaction), a refusal still takes no number, and
    on SQLite the database's write lock is not held while a PDF is rendered or a signing
    service is called, except in that contended case."""
    from eoffice.letters.services import today_local
    from eoffice.outgoing import signatories

    if letter.status == "signing":
        signatories.co_sign(letter, actor=actor, passphrase=passphrase)
        return

    if letter.status != "approved" or not is_signatory(letter, actor):
        raise OutgoingError({"passphrase": str(_l("This letter is not waiting for your "
                                                  "signature."))})
    if letter.drafter_id == actor.id and not current_app.config["ALLOW_SELF_APPROVAL"]:
        raise OutgoingError({"passphrase": str(_l("You cannot sign your own draft."))})
    # The table may have changed since the draft was made: it decides at signing too.
    problem = naskah.authority_problem(
        letter.letter_type, letter.signer_position, letter.signing_as or "langsung",
        letter.on_behalf_position if letter.signing_as in ("an", "ub") else None)
    if problem:
        raise OutgoingError({"passphrase": problem[1]})
    from eoffice.auth.services import is_locked

    if is_locked(actor):
        raise OutgoingError({"passphrase": str(_l(
            "Too many wrong passphrases: signing is locked for a while."))})
    backend = _signing_backend(letter, actor)
    today = today_local()
    token = secrets.token_hex(20)  # 160 bits; hex survives line breaks in PDF text
    capacity = signing_capacity(letter, actor)
    signatory = signatory_block(letter.signer_position, capacity)
    further = signatories.planned_blocks(letter)

    def signed_with(number: str) -> bytes:
        pdf = render_letter_pdf(letter, number=number, date=today, signatory=signatory,
                                verify_url=verification_url(token), co_signatories=further)
        return _signed_pdf(letter, pdf, backend, actor=actor, passphrase=passphrase,
                           number=number)

    # Outside the write lock: rendered and signed with the number predicted.
    predicted = letter.number or _predicted_number(letter, today)
    pdf = signed_with(predicted) if predicted else None
    # The short transaction: the letter locked, the number taken, the PDF stored.
    letter = _lock_letter(letter.id)
    if letter.status != "approved":  # someone else acted while we waited for the lock
        raise OutgoingError({"passphrase": str(_l("The letter changed meanwhile; reload."))})
    if letter.number:  # numbered once already; a further signatory returned it
        number, series, seq, year = (letter.number, letter.number_series, letter.number_seq,
                                     letter.number_year)
    else:
        taken = issue_number(letter, today)
        number, series, seq, year = taken.number, taken.key, taken.seq, today.year
    if pdf is None or number != predicted:  # another letter of the series was numbered
        pdf = signed_with(number)
    stored = files.store(files.check_upload(f"{number}.pdf", pdf, allowed=("pdf",)))
    letter.number, letter.number_series, letter.number_year, letter.number_seq = (
        number, series, year, seq)
    letter.signed_at, letter.signed_date, letter.signed_by_id = utcnow(), today, actor.id
    letter.signatory, letter.verify_token = signatory, token
    letter.pdf_file, letter.pdf_sha256 = stored, hashlib.sha256(pdf).hexdigest()
    data = {"number": number, "sha256": letter.pdf_sha256, **capacity.audit_data()}
    if further:
        data |= {"order": 1, "of": len(further) + 1}
    audit.record("outgoing.signed", letter, actor=actor, data=data)
    if further:
        signatories.start(letter, further)
        return
    letter.status = "signed"
    issued(letter, actor=actor)


def issued(letter: OutgoingLetter, *, actor) -> None:
    """What follows the letter's last signature: the drafter is told, the letter it
    corrects is cancelled, and peer regions' deliveries are queued."""
    number = letter.number
    _emit_to_drafter("letter_signed", letter, actor=actor, number=number)
    if letter.replaces_id:
        old = db.session.get(OutgoingLetter, letter.replaces_id)
        old.status = "cancelled"
        old.cancel_reason = (f"Diganti dengan surat nomor {number}" if
                             letter.correction_kind == "replaces" else
                             f"Dibatalkan dengan surat nomor {number}")
        audit.record("outgoing.cancelled", old, actor=actor,
                     data={"by": number, "kind": letter.correction_kind})
    from eoffice.exchange.services import queue_deliveries

    queue_deliveries(letter)  # peer recipients: delivered electronically, retried until they are


def _refused(letter: OutgoingLetter, actor, error) -> OutgoingError:
    """Undo the attempt (the number too) and keep only the refusal: its audit event and,
    for a wrong passphrase, one more failure toward the account lock (like a failed
    login), committed here because the caller rolls back."""
    from eoffice.auth.services import count_failed_password, lock_warning

    letter_id = letter.id
    db.session.rollback()
    numbering.begin_write()
    message = str(error)
    if error.code == "wrong_passphrase":
        count_failed_password(actor)
        message = f"{message} {lock_warning(actor)}"  # before the lock, not after it
    audit.record("outgoing.sign_refused", db.session.get(OutgoingLetter, letter_id),
                 actor=actor, data={"reason": error.code})
    db.session.commit()
    return OutgoingError({"passphrase": message})


def _signing_backend(letter: OutgoingLetter, actor):
    """The region's signing backend, after its quick checks (a certificate enrolled, valid,
    not revoked) so that those refusals cost no number and no rendering."""
    from eoffice.signing.backends import SigningError, current_backend

    try:
        backend = current_backend()
        check = getattr(backend, "check", None)
        if check is not None:
            check(user=actor)
    except SigningError as exc:
        raise _refused(letter, actor, exc) from None
    return backend


def _signed_pdf(letter: OutgoingLetter, pdf: bytes, backend, *, actor, passphrase: str,
                number: str) -> bytes:
    from eoffice.signing.backends import SigningError

    config = current_app.config
    try:
        return backend.sign_pdf(
            pdf, user=actor, passphrase=passphrase or "",
            reason=f"{naskah.label(letter.letter_type)} nomor {number}",
            location=config["SIGNING_LOCATION"] or config["REGION_NAME"])
    except SigningError as exc:
        raise _refused(letter, actor, exc) from None


# --- Sending ---------------------------------------------------------------------------

def can_send(letter: OutgoingLetter, user) -> bool:
    """The drafter sends the signed letter, or a clerk (pencatat) of the drafter's office
    (``outgoing.access.clerk_units``) when it is B or T (R and SR are not theirs to see)."""
    if letter.status != "signed":
        return False
    if letter.drafter_id == user.id:
        return True
    drafter_unit = letter.drafter_position.unit_id if letter.drafter_position else None
    return drafter_unit in clerk_units(user) and letter.security not in RESTRICTED_LEVELS


@dataclass
class Dispatch:
    recipient_id: int
    method: str
    date: dt.date | None
    note: str = ""


def send(letter: OutgoingLetter, dispatches: list[Dispatch], *, actor) -> list[int]:
    """Deliver the signed letter.

    Internal recipients: one incoming letter (surat masuk) with its own agenda number,
    addressed to the internal addressee positions (copies as tembusan), with the
    signed PDF attached, ready for disposition. External recipients: recorded as
    dispatched (buku ekspedisi) with the method and date given.
    """
    from eoffice.dispositions.models import DispositionRecipient
    from eoffice.dispositions.services import report as disposition_report
    from eoffice.letters.models import IncomingLetter, LetterAttachment, LetterRecipient
    from eoffice.letters.services import today_local

    if not can_send(letter, actor):
        raise OutgoingError({"status": str(_l("You cannot send this letter."))})
    by_id = {d.recipient_id: d for d in dispatches}
    errors = {}
    # Peer recipients (another region's e-office) were delivered electronically at signing.
    external = [r for r in letter.recipients if not r.is_internal and r.peer_id is None]
    for recipient in external:
        item = by_id.get(recipient.id)
        if item is None or item.method not in DISPATCH_METHODS or item.date is None:
            errors["dispatch"] = str(_l("Give the method and date for every external "
                                        "recipient."))
        elif item.date > today_local() or (letter.signed_date and item.date < letter.signed_date):
            errors["dispatch"] = str(_l("The dispatch date must be between the signing date "
                                        "and today."))
        elif has_control_characters(item.note):
            errors["dispatch"] = str(CONTROL_MESSAGE)
    if errors:
        raise OutgoingError(errors)
    letter = _lock_letter(letter.id)
    if letter.status != "signed":
        raise OutgoingError({"status": str(_l("The letter changed meanwhile; reload."))})
    today = today_local()
    delivered: list[int] = []
    internal = [r for r in letter.recipients if r.is_internal]
    if internal:
        from eoffice.letters.services import issue_agenda
        from eoffice.series.services import SeriesError, user_opd

        opd = user_opd(actor)
        try:
            issued = issue_agenda(opd, today, unit=actor.staff.unit if actor.staff else None,
                                  classification=letter.classification)
        except SeriesError as exc:
            raise OutgoingError({"dispatch": str(exc)}) from exc
        incoming = IncomingLetter(
            agenda_number=issued.number, agenda_year=today.year, agenda_seq=issued.seq,
            agenda_counter=issued.key, agenda_opd_id=opd.id if opd else None,
            sender=letter.signatory.get("position") or letter.signer_position.name,
            sender_number=letter.number, letter_date=letter.signed_date, received_date=today,
            subject=letter.subject, classification_id=letter.classification_id,
            security=letter.security, speed=letter.speed, registered_by_id=actor.id,
            registering_unit_id=user_unit_id(actor),
            summary=f"Dikirim melalui e-office dari {letter.signatory.get('position', '')}.",
        )
        seen = set()
        for recipient in internal:
            if recipient.position_id in seen:
                continue
            seen.add(recipient.position_id)
            incoming.recipients.append(LetterRecipient(position_id=recipient.position_id,
                                                       kind=recipient.kind))
        incoming.attachments.append(LetterAttachment(
            file=letter.pdf_file, filename=letter.number.replace("/", "-") + ".pdf"))
        db.session.add(incoming)
        db.session.flush()
        for recipient in internal:
            recipient.incoming_letter_id = incoming.id
            recipient.dispatch_method, recipient.dispatched_on = "eoffice", today
            recipient.dispatched_by_id = actor.id
        audit.record("letter.registered", incoming, actor=actor, data={
            "agenda_number": incoming.agenda_number, "from_outgoing": letter.number})
        from eoffice.letters.services import emit_registered

        emit_registered(incoming, actor=actor)
        delivered.append(incoming.id)
    for recipient in external:
        item = by_id[recipient.id]
        recipient.dispatch_method, recipient.dispatched_on = item.method, item.date
        recipient.dispatched_by_id, recipient.dispatch_note = actor.id, item.note[:255] or None
    letter.status, letter.sent_at = "sent", utcnow()
    audit.record("outgoing.sent", letter, actor=actor,
                 data={"internal": len(internal), "external": len(external)})
    _emit_to_drafter("letter_sent", letter, actor=actor, number=letter.number)
    if letter.closes_recipient_id:
        recipient = db.session.get(DispositionRecipient, letter.closes_recipient_id)
        if recipient is not None and recipient.is_open:
            disposition_report(recipient, f"Dibalas dengan surat nomor {letter.number}.", None,
                               True, actor=actor)
    return delivered


def create_correction(letter: OutgoingLetter, kind: str, *, actor) -> OutgoingLetter:
    """A new draft that, once signed, replaces or cancels ``letter``."""
    if letter.status not in ("signed", "sent") or kind not in ("replaces", "cancels"):
        raise OutgoingError({"status": str(_l("Only a signed letter can be corrected."))})
    if letter.drafter_id != actor.id and not is_signatory(letter, actor):
        raise OutgoingError({"status": str(_l("Only the drafter or the signatory can start a "
                                              "correction."))})
    if letter.drafter_id == actor.id or current_app.config["ALLOW_SELF_APPROVAL"]:
        drafter_id, position = actor.id, user_position(actor)
    else:
        # The signatory asks for the correction and the original drafter writes it: the
        # signatory could not sign a draft of their own (ALLOW_SELF_APPROVAL).
        drafter_id, position = letter.drafter_id, letter.drafter_position
    prefix = "Ralat: " if kind == "replaces" else "Pembatalan: "
    body = letter.body_html if kind == "replaces" else (
        f"<p>Dengan ini surat nomor {letter.number} tanggal {letter.signed_date:%d-%m-%Y} "
        f"perihal {letter.subject} dinyatakan dibatalkan.</p>")
    draft = OutgoingLetter(
        letter_type=letter.letter_type, subject=prefix + letter.subject,
        classification_id=letter.classification_id, security=letter.security,
        speed=letter.speed, body_html=body, details=dict(letter.details or {}),
        status="draft", revision=1, drafter_id=drafter_id,
        drafter_position_id=position.id if position else None,
        signer_position_id=letter.signer_position_id, replaces_id=letter.id,
        correction_kind=kind)
    draft.recipients = [OutgoingRecipient(kind=r.kind, position_id=r.position_id, name=r.name,
                                          agency=r.agency, address=r.address, peer_id=r.peer_id)
                        for r in letter.recipients]
    draft.steps = [ApprovalStep(order=s.order, position_id=s.position_id) for s in letter.steps
                   if s.position_id != (position.id if position else None)]
    for i, step in enumerate(draft.steps):
        step.order = i
    _snapshot(draft, actor, note=f"{prefix.strip(': ')} {letter.number}")
    db.session.add(draft)
    db.session.flush()
    audit.record("outgoing.drafted", draft, actor=actor,
                 data={"correction_of": letter.number, "kind": kind})
    return draft


# --- Reading ---------------------------------------------------------------------------

def visible(user) -> sa.Select:
    return sa.select(OutgoingLetter).where(outgoing_access_clause(user))


QUEUES = ("to_verify", "to_sign", "to_send", "returned", "mine", "all")


def list_options() -> tuple:
    return (joinedload(OutgoingLetter.signer_position), joinedload(OutgoingLetter.drafter),
            joinedload(OutgoingLetter.classification),
            selectinload(OutgoingLetter.recipients).joinedload(OutgoingRecipient.position))
COUNT_CAP = 1000


def _queue_condition(user, queue: str) -> list[sa.ColumnElement]:
    """What a small queue holds, on the letter's columns (read from their indexes)."""
    held = held_position_ids(user)  # their own, and those they act for today (Plt/Plh)
    if queue == "to_verify":
        # Driven by the position's pending paraf steps (their index), few by nature.
        step = aliased(ApprovalStep)
        return [OutgoingLetter.id.in_(sa.select(step.letter_id).where(
            step.position_id.in_(held), step.status == "pending")),
            OutgoingLetter.status == "in_review", sa.exists().where(
            ApprovalStep.letter_id == OutgoingLetter.id, ApprovalStep.position_id.in_(held),
            ApprovalStep.order == OutgoingLetter.current_step)]
    if queue == "to_sign":
        # The first signature (the letter's signer position), or a further signatory's
        # turn (their due row, read from its (position, status) index).
        further = aliased(OutgoingSignatory)
        return [sa.or_(
            sa.and_(OutgoingLetter.status == "approved",
                    OutgoingLetter.signer_position_id.in_(held)),
            sa.and_(OutgoingLetter.status == "signing", OutgoingLetter.id.in_(
                sa.select(further.letter_id).where(further.position_id.in_(held),
                                                   further.status == "due"))))]
    if queue == "to_send":  # what can_send allows, as SQL
        # Read from (drafter, status) and (status, drafter position): the positions of
        # the clerk's office are listed here (a few dozen), not joined.
        senders = [OutgoingLetter.drafter_id == user.id]
        office = clerk_units(user)
        if office:
            positions = list(db.session.scalars(sa.select(Position.id).where(
                Position.unit_id.in_(office))))
            senders.append(sa.and_(OutgoingLetter.drafter_position_id.in_(positions),
                                   OutgoingLetter.security.not_in(RESTRICTED_LEVELS)))
        return [OutgoingLetter.status == "signed", sa.or_(*senders)]
    if queue == "returned":
        return [OutgoingLetter.status == "returned", OutgoingLetter.drafter_id == user.id]
    raise ValueError(queue)


def queue_query(user, queue: str) -> sa.Select:
    """The letters of a small queue that the user may see (newest change first)."""
    return visible(user).where(*_queue_condition(user, queue)).options(*list_options()) \
        .order_by(OutgoingLetter.updated_at.desc(), OutgoingLetter.id.desc())


def queue_page(user, queue: str, *, cursor=None, per_page: int = 25):
    """One page of a queue, newest change first, paged by keys.

    "all" (everything the user may see) and "mine" (drafted by the user) walk the
    user's access grants; the working queues are small and read from their indexes.
    """
    from eoffice import access, paging
    from eoffice.outgoing.access import RULE

    cursor = paging.fits(cursor, int, int) if queue in ("all", "mine") else \
        paging.fits(cursor, dt.datetime, int)
    forward = cursor is None or cursor.forward
    if queue in ("all", "mine"):
        only = [(access.USER, user.id)] if queue == "mine" else None
        keys = access.newest(RULE, user, limit=per_page + 1,
                             key=cursor.key if cursor else None, newest_first=forward,
                             grantees=only)
        ids = [object_id for _, object_id in keys]
        loaded = {letter.id: letter for letter in db.session.scalars(
            sa.select(OutgoingLetter).where(OutgoingLetter.id.in_(ids)).options(*list_options()))}
        page = paging.page_from_rows(
            [loaded[i] for i in ids if i in loaded], per_page, cursor,
            lambda letter: (access.second_number(letter.updated_at), letter.id))
        if cursor is None:
            number, capped = access.count_capped(RULE, user, cap=COUNT_CAP, grantees=only)
            if capped:
                page.more_than = COUNT_CAP
            else:
                page.total = number
        return page
    columns = (OutgoingLetter.updated_at, OutgoingLetter.id)
    query = visible(user).where(*_queue_condition(user, queue)).options(*list_options())
    if cursor is not None:
        query = query.where(paging.after(columns, cursor.key, descending=forward))
    order = [c.desc() if forward else c.asc() for c in columns]
    rows = list(db.session.scalars(query.order_by(*order).limit(per_page + 1)).unique())
    page = paging.page_from_rows(rows, per_page, cursor, lambda r: (r.updated_at, r.id))
    if cursor is None:
        page.total, page.more_than = paging.capped_count(
            sa.select(OutgoingLetter.id).where(outgoing_access_clause(user),
                                               *_queue_condition(user, queue)))
    return page


COUNTED_QUEUES = ("to_verify", "to_sign", "to_send", "returned")


def queue_counts(user) -> dict[str, int]:
    """The working queues' sizes, in one statement. Each queue's condition already
    implies the access rule (a verifier in the chain, the signer, the drafter, a clerk
    of the office for signed B/T letters: outgoing/access.py), so counting needs no
    grant lookups."""
    counts = [sa.select(sa.func.count(OutgoingLetter.id)).where(
        *_queue_condition(user, queue)).scalar_subquery() for queue in COUNTED_QUEUES]
    row = db.session.execute(sa.select(*counts)).one()
    return {queue: value or 0 for queue, value in zip(COUNTED_QUEUES, row, strict=True)}


def compare_revisions(old: DraftRevision, new: DraftRevision) -> list[tuple[str, str]]:
    """Line diff of subject and text: (kind, line) with kind in ' ', '+', '-'."""
    before = [f"Hal: {old.subject}", *html_to_text(old.body_html).splitlines()]
    after = [f"Hal: {new.subject}", *html_to_text(new.body_html).splitlines()]
    out = []
    for line in difflib.ndiff(before, after):
        if line.startswith(("?",)):
            continue
        out.append((line[0], line[2:]))
    return out


def expedition_rows(user, date_from: dt.date, date_to: dt.date) -> list[OutgoingRecipient]:
    """The expedition book: recipients dispatched in the range, of letters the user may see.

    Driven by the dispatch date's index; the access rule is one grant lookup per
    recipient row, correlated on the recipient's own letter id (an IN over a second
    copy of the letters table gave PostgreSQL's planner room for a very bad plan)."""
    from eoffice import access

    return list(db.session.scalars(
        sa.select(OutgoingRecipient).join(OutgoingLetter).where(
            access.visible_clause(access.rule("outgoing_letters"), user,
                                  OutgoingRecipient.letter_id),
            OutgoingRecipient.dispatched_on >= date_from,
            OutgoingRecipient.dispatched_on <= date_to)
        .options(joinedload(OutgoingRecipient.letter), joinedload(OutgoingRecipient.position))
        .order_by(OutgoingRecipient.dispatched_on, OutgoingLetter.number_seq,
                  OutgoingRecipient.id)))


def verify_pdf(letter: OutgoingLetter, data: bytes) -> bool:
    return letter.pdf_sha256 is not None and hashlib.sha256(data).hexdigest() == letter.pdf_sha256


def stored_pdf_report(letter: OutgoingLetter):
    """The signatures of the letter's PDF as issued (eoffice/signing/verify.py): what the
    verification page shows before anyone uploads a copy. A stored file gone missing is
    reported unreadable, not an error page."""
    from eoffice.signing import verify

    try:
        data = files.read(letter.pdf_file)
    except OSError:
        current_app.logger.warning("stored PDF of outgoing letter %s cannot be read", letter.id)
        return verify.Report(verify.UNREADABLE, letter.pdf_sha256 or "", message=str(_l(
            "The stored PDF of this letter cannot be read; tell the administrator.")))
    # as of the last signature: a further signatory's certificate may be newer than the
    # first signature
    moments = [letter.signed_at, *(r.signed_at for r in letter.co_signatories)]
    return verify.check_pdf(data, moment=max((m for m in moments if m), default=None))


def by_token(token: str) -> OutgoingLetter | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(OutgoingLetter).where(
        OutgoingLetter.verify_token == token))
