"""Rules of letter exchange: peers, deliveries and their retries, receiving, the
clerk's decision and the receipt that reports it back.

Delivery never holds a database transaction open over the network: a delivery
is claimed in one short transaction, sent, and its result recorded in another.
Nothing is lost when a peer is down (the delivery row exists from the moment the
letter is signed and is retried with exponential backoff), and nothing is
registered twice (the receiver keys every letter on its message id).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import ipaddress
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import after_this_request, current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from eoffice import audit, events, files, numbering
from eoffice.db import utcnow
from eoffice.exchange import keys, protocol
from eoffice.exchange.models import (
    UNDELIVERED,
    Delivery,
    InboundLetter,
    Peer,
    ReceivedRequest,
)
from eoffice.extensions import db
from eoffice.inputs import JsonTooDeep, load_json

log = logging.getLogger(__name__)


class ExchangeError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- Peers -----------------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def clean_base_url(url: str) -> str:
    """``https://eoffice.example.go.id`` (a path prefix is kept); ValueError when unusable."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or \
            parts.fragment or parts.username or len(url) > 500:
        raise ValueError(str(_l("Give the address as https://host[/path].")))
    if parts.scheme == "http" and not is_loopback(parts.hostname) and \
            not current_app.config["EXCHANGE_ALLOW_HTTP"]:
        raise ValueError(str(_l("Use https://: letters must not travel unencrypted "
                                "(plain http is allowed for loopback addresses only).")))
    return url


def save_peer(peer: Peer | None, *, name: str, base_url: str, public_key: str,
              agency: str = "", region_code: str = "", active: bool = True, notes: str = "",
              actor=None) -> Peer:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = str(_l("A peer needs a name (at most 200 characters)."))
    try:
        base_url = clean_base_url(base_url)
    except ValueError as exc:
        errors["base_url"] = str(exc)
    raw = b""
    try:
        raw = keys.parse_public_key(public_key)
    except ValueError:
        errors["public_key"] = str(_l("Not an Ed25519 public key (ed25519:... as printed by "
                                      "flask eoffice exchange show-key)."))
    key_id = keys.key_id_of(raw) if raw else ""
    if raw:
        if key_id == keys.own_key_id():
            errors["public_key"] = str(_l("This is this app's own key."))
        other = db.session.scalar(sa.select(Peer).where(Peer.key_id == key_id))
        if other is not None and other is not peer:
            errors["public_key"] = str(_l("This key already belongs to %(n)s.", n=other.name))
    if errors:
        raise ExchangeError(errors)
    is_new = peer is None
    peer = peer or Peer()
    old_key = peer.key_id
    peer.name, peer.base_url = name, base_url
    peer.public_key, peer.key_id = base64.b64encode(raw).decode(), key_id
    peer.agency = (agency or "").strip()[:255] or None
    peer.region_code = (region_code or "").strip()[:16] or None
    peer.active, peer.notes = active, (notes or "").strip() or None
    db.session.add(peer)
    db.session.flush()
    audit.record("exchange.peer_added" if is_new else "exchange.peer_updated", peer,
                 actor=actor, data={"name": name, "base_url": base_url, "key_id": key_id,
                                    "key_changed": bool(old_key and old_key != key_id),
                                    "active": active})
    return peer


def active_peers() -> list[Peer]:
    return list(db.session.scalars(sa.select(Peer).where(Peer.active.is_(True))
                                   .order_by(Peer.name)))


def peer_choices() -> list[tuple[int, str]]:
    return [(p.id, p.name + (f" ({p.agency})" if p.agency else "")) for p in active_peers()]


def peer_recipients(peer_ids, kind: str = "to") -> list:
    """External recipients of a draft for the chosen peers (name and agency from the peer)."""
    from eoffice.outgoing.services import ExternalRecipient

    wanted = [int(p) for p in peer_ids or []]
    peers = {p.id: p for p in db.session.scalars(sa.select(Peer).where(Peer.id.in_(wanted)))}
    return [ExternalRecipient(name=peers[p].name if p in peers else "?",
                              agency=(peers[p].agency or "") if p in peers else "",
                              kind=kind, peer_id=p) for p in wanted]


# --- Backoff ---------------------------------------------------------------------------------

def retry_delay(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: base, 2 x base, 4 x base, ... capped."""
    config = current_app.config
    base = max(1, config["EXCHANGE_RETRY_BASE_SECONDS"])
    seconds = min(base * 2 ** max(0, min(attempts - 1, 40)), config["EXCHANGE_RETRY_MAX_SECONDS"])
    return dt.timedelta(seconds=seconds)


def next_attempt(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again, or None when the delivery is given up."""
    if attempts >= current_app.config["EXCHANGE_MAX_ATTEMPTS"]:
        return None
    return now + retry_delay(attempts)


# --- Transport -------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int  # 0: no answer (network error)
    body: dict = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST with the standard library; loopback addresses bypass any proxy."""
    # http(s) only: clean_base_url refuses any other scheme for a peer
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                     method="POST")
    handlers = [urllib.request.ProxyHandler({})] if is_loopback(urlsplit(url).hostname or "") \
        else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            status, data = response.status, response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status, data = exc.code, exc.read(100_000)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(0, error=f"{type(exc).__name__}: {reason}"[:500])
    try:
        parsed = load_json(data or b"{}")
    except ValueError:  # JsonTooDeep included
        parsed = {}
    parsed = parsed if isinstance(parsed, dict) else {}
    error = "" if 200 <= status < 300 else \
        f"HTTP {status}: {parsed.get('error', '')} {parsed.get('message', '')}".strip()[:500]
    return Answer(status, parsed, error)


def post(peer: Peer, payload: dict) -> Answer:
    body, headers = protocol.seal(payload)
    return http_post(peer.base_url + protocol.ENDPOINT_PATH, body, headers,
                     current_app.config["EXCHANGE_TIMEOUT_SECONDS"])


# --- Sending ---------------------------------------------------------------------------------

def queue_deliveries(letter) -> list[Delivery]:
    """Called when ``letter`` is signed: one pending delivery per peer recipient,
    saved in the signing transaction, then attempted once the request is answered."""
    created = []
    for recipient in letter.recipients:
        if recipient.peer_id is None:
            continue
        exists = db.session.scalar(sa.select(Delivery.id).where(
            Delivery.recipient_id == recipient.id)) if recipient.id else None
        if exists:
            continue
        delivery = Delivery(message_id=protocol.new_message_id(), letter=letter,
                            recipient=recipient, peer_id=recipient.peer_id, status="pending",
                            next_attempt_at=utcnow())
        db.session.add(delivery)
        created.append(delivery)
    if created:
        db.session.flush()
        audit.record("exchange.queued", letter, data={
            "deliveries": [{"peer_id": d.peer_id, "message_id": d.message_id} for d in created]})
        attempt_after_request("delivery", [d.id for d in created])
    return created


def attempt_after_request(kind: str, ids: list[int]) -> None:
    """Attempt right after the response is sent (the user does not wait for the peer).

    Outside a request (CLI) nothing happens here: ``flask eoffice exchange run`` sends.
    """
    if not has_request_context() or not ids:
        return
    jobs = request.environ.setdefault("eoffice.exchange_jobs", [])  # this request's
    if not jobs:
        app = current_app._get_current_object()

        @after_this_request
        def _schedule(response):
            pending = list(jobs)
            response.call_on_close(lambda: run_jobs(app, pending))
            return response
    jobs.extend((kind, i) for i in ids)


def run_jobs(app, jobs: list[tuple[str, int]]) -> None:
    with app.app_context():
        for kind, item_id in jobs:
            try:
                (attempt_delivery if kind == "delivery" else attempt_receipt)(item_id)
            except Exception:  # noqa: BLE001 - the retry schedule picks it up again
                db.session.rollback()
                log.exception("exchange: immediate %s attempt %s failed", kind, item_id)


def _claim(model, item_id: int, claim_column, status_column, statuses) -> bool:
    now = utcnow()
    numbering.begin_write()
    result = db.session.execute(sa.update(model).where(
        model.id == item_id, status_column.in_(statuses),
        sa.or_(claim_column.is_(None), claim_column < now)).values({
            claim_column: now + dt.timedelta(
                seconds=current_app.config["EXCHANGE_TIMEOUT_SECONDS"] + 60)}))
    db.session.commit()
    return result.rowcount == 1


def letter_payload(delivery: Delivery, now: dt.datetime) -> dict:
    letter = delivery.letter
    pdf = files.read(letter.pdf_file)
    recipient = delivery.recipient
    payload = protocol.envelope("letter", delivery.peer.key_id, delivery.message_id, now)
    payload["letter"] = {
        "number": letter.number, "date": letter.signed_date.isoformat(),
        "subject": letter.subject, "security": letter.security, "speed": letter.speed,
        "classification_code": letter.classification.code if letter.classification else "",
        "letter_type": letter.letter_type, "signatory": dict(letter.signatory or {}),
        "recipient": {"name": recipient.name or "", "agency": recipient.agency or ""}
        if recipient else {},
        "sha256": letter.pdf_sha256, "filename": f"{letter.number.replace('/', '-')}.pdf",
    }
    payload["pdf"] = base64.b64encode(pdf).decode()
    return payload


def attempt_delivery(delivery_id: int) -> Delivery | None:
    """One attempt: claim, send, record. None when another worker holds it or it is done."""
    if not _claim(Delivery, delivery_id, Delivery.claimed_until, Delivery.status, UNDELIVERED):
        return None
    delivery = db.session.get(Delivery, delivery_id)
    now = utcnow()
    peer = delivery.peer
    if not peer.active:
        answer = Answer(0, error="peer disabled")
    else:
        try:
            payload = letter_payload(delivery, now)
        except OSError as exc:
            answer = Answer(0, error=f"signed PDF unreadable: {exc}"[:500])
        else:
            db.session.commit()  # no transaction stays open while the network is used
            answer = post(peer, payload)
    numbering.begin_write()
    delivery = db.session.get(Delivery, delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.claimed_until = now, None
    if answer.ok:
        if delivery.status in UNDELIVERED:
            delivery.status = "delivered"
        delivery.delivered_at = delivery.delivered_at or utcnow()
        delivery.remote_agenda_number = str(answer.body.get("agenda_number") or "")[:64] or \
            delivery.remote_agenda_number
        delivery.last_error, delivery.next_attempt_at = None, None
        if delivery.recipient is not None:
            from eoffice.letters.services import today_local

            delivery.recipient.dispatch_method = "eoffice"
            delivery.recipient.dispatched_on = delivery.recipient.dispatched_on or today_local()
        audit.record("exchange.delivered", ("outgoing_letters", delivery.letter_id), data={
            "peer": peer.name, "message_id": delivery.message_id,
            "agenda_number": delivery.remote_agenda_number, "attempt": delivery.attempts})
    else:
        delivery.status = "failed"
        delivery.last_error = answer.error or f"HTTP {answer.status}"
        delivery.next_attempt_at = next_attempt(delivery.attempts, now)
        audit.record("exchange.delivery_failed", ("outgoing_letters", delivery.letter_id),
                     data={"peer": peer.name, "message_id": delivery.message_id,
                           "attempt": delivery.attempts, "error": delivery.last_error,
                           "next": delivery.next_attempt_at.isoformat()
                           if delivery.next_attempt_at else None})
    db.session.commit()
    return delivery


def retry_now(delivery: Delivery, *, actor) -> None:
    """An administrator asks for another attempt now (also after the delivery was given up)."""
    if delivery.status not in UNDELIVERED:
        raise ExchangeError({"status": str(_l("This delivery has already arrived."))})
    delivery.next_attempt_at = utcnow()
    if delivery.attempts >= current_app.config["EXCHANGE_MAX_ATTEMPTS"]:
        delivery.attempts = 0
    audit.record("exchange.retry_requested", ("outgoing_letters", delivery.letter_id),
                 actor=actor, data={"message_id": delivery.message_id})
    attempt_after_request("delivery", [delivery.id])


@dataclass
class RunResult:
    deliveries: int = 0
    delivered: int = 0
    receipts: int = 0
    receipts_sent: int = 0
    failed: list[str] = field(default_factory=list)


def run_due(*, force: bool = False) -> RunResult:
    """Attempt every due delivery and receipt (``force``: every unfinished one, now)."""
    now = utcnow()
    result = RunResult()
    query = sa.select(Delivery.id).where(Delivery.status.in_(UNDELIVERED))
    if not force:
        query = query.where(Delivery.next_attempt_at.is_not(None), Delivery.next_attempt_at <= now)
    ids = list(db.session.scalars(query.order_by(Delivery.next_attempt_at, Delivery.id)))
    receipt_query = sa.select(InboundLetter.id).where(
        InboundLetter.receipt_status.in_(("pending", "failed")))
    if not force:
        receipt_query = receipt_query.where(InboundLetter.receipt_next_at.is_not(None),
                                            InboundLetter.receipt_next_at <= now)
    receipt_ids = list(db.session.scalars(receipt_query.order_by(InboundLetter.id)))
    db.session.commit()
    for delivery_id in ids:
        delivery = attempt_delivery(delivery_id)
        if delivery is None:
            continue
        result.deliveries += 1
        if delivery.status in UNDELIVERED:
            result.failed.append(f"{delivery.peer.name}: {delivery.last_error}")
        else:
            result.delivered += 1
    for inbound_id in receipt_ids:
        inbound = attempt_receipt(inbound_id)
        if inbound is None:
            continue
        result.receipts += 1
        if inbound.receipt_status == "sent":
            result.receipts_sent += 1
        else:
            result.failed.append(f"{inbound.peer.name}: {inbound.receipt_error}")
    return result


def deliveries_of(letter) -> list[Delivery]:
    return list(db.session.scalars(sa.select(Delivery).options(joinedload(Delivery.peer))
                                   .where(Delivery.letter_id == letter.id)
                                   .order_by(Delivery.id)))


def visible_deliveries(user) -> sa.Select:
    """Deliveries of the outgoing letters ``user`` may see (all for exchange.manage)."""
    from eoffice.outgoing.models import OutgoingLetter
    from eoffice.security import can, outgoing_access_clause

    query = sa.select(Delivery).join(OutgoingLetter, Delivery.letter_id == OutgoingLetter.id) \
        .options(joinedload(Delivery.peer), joinedload(Delivery.letter))
    if not can(user, "exchange.manage"):
        query = query.where(outgoing_access_clause(user))
    return query.order_by(Delivery.id.desc())


# --- Receiving -------------------------------------------------------------------------------

@dataclass
class Outcome:
    status: int
    body: dict


def refuse(status: int, error: str, message: str, errors: dict | None = None) -> Outcome:
    body = {"error": error, "message": message}
    if errors:
        body["errors"] = errors
    return Outcome(status, body)


def receive(body: bytes, headers) -> Outcome:
    """Check and act on one signed request from a peer (see ``protocol``)."""
    key_id = headers.get(protocol.HEADER_KEY_ID, "").strip()
    signature = headers.get(protocol.HEADER_SIGNATURE, "").strip()
    if not key_id or not signature or len(signature) > 200:
        return refuse(401, "unsigned", "The request carries no key id and signature.")
    peer = db.session.scalar(sa.select(Peer).where(Peer.key_id == key_id[:32]))
    if peer is None:
        return refuse(401, "unknown_sender", "No registered peer has this key.")
    if not peer.active:
        return refuse(403, "peer_disabled", "This peer is disabled here.")
    if not keys.verify(peer.public_key, body, signature):
        log.warning("exchange: bad signature from %s", peer.name)
        return refuse(401, "bad_signature", "The signature does not match the body.")
    try:
        payload = load_json(body)
    except JsonTooDeep:
        depth = current_app.config["JSON_MAX_DEPTH"]
        return refuse(400, "invalid_message", f"The JSON is nested more than {depth} levels deep.")
    except ValueError:
        return refuse(400, "invalid_message", "The body is not JSON.")
    problems = protocol.check_envelope(payload, key_id)
    if problems:
        return refuse(400, "invalid_message", "The message is malformed.", problems)
    sent_at = protocol.parse_timestamp(payload["timestamp"])
    window = dt.timedelta(seconds=current_app.config["EXCHANGE_CLOCK_SKEW_SECONDS"])
    if abs(utcnow() - sent_at) > window:
        return refuse(401, "stale", "The timestamp is outside the accepted window "
                                    "(old message, or clocks differ: check NTP).")
    signature_hash = hashlib.sha256(signature.encode()).hexdigest()
    numbering.begin_write()
    if db.session.scalar(sa.select(ReceivedRequest.id).where(
            ReceivedRequest.signature_sha256 == signature_hash)):
        db.session.rollback()
        log.warning("exchange: replay of %s from %s refused", payload["message_id"], peer.name)
        return refuse(409, "replay", "This request was received before.")
    if payload["type"] == "letter":
        outcome = _receive_letter(peer, payload, sent_at)
    else:
        outcome = _receive_receipt(peer, payload)
    if outcome.status >= 300:
        db.session.rollback()
        return outcome
    db.session.add(ReceivedRequest(signature_sha256=signature_hash, peer_id=peer.id,
                                   message_id=payload["message_id"], kind=payload["type"]))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same request, received twice at the same moment
        db.session.rollback()
        return refuse(409, "replay", "This request was received before.")
    return outcome


EXCHANGE_USERNAME = "pertukaran-surat"


def exchange_user_id() -> int:
    """The account that holds received letters until a clerk accepts them: inactive, with
    no role and an unknown password, so it never logs in and sees nothing."""
    import secrets

    from werkzeug.security import generate_password_hash

    from eoffice.auth.models import User

    user_id = db.session.scalar(sa.select(User.id).where(User.username == EXCHANGE_USERNAME))
    if user_id is None:
        user = User(username=EXCHANGE_USERNAME, full_name="Pertukaran surat antardaerah",
                    password_hash=generate_password_hash(secrets.token_urlsafe(32)),
                    active=False)
        db.session.add(user)
        db.session.flush()
        user_id = user.id
    return user_id


def receiving_unit_id() -> int | None:
    from eoffice.org.models import Unit

    code = current_app.config["EXCHANGE_RECEIVING_UNIT"]
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code)) if code else None


def _receive_letter(peer: Peer, payload: dict, sent_at: dt.datetime) -> Outcome:
    from eoffice.archive.models import Classification
    from eoffice.letters.models import IncomingLetter, LetterAttachment
    from eoffice.letters.services import issue_agenda, today_local
    from eoffice.org.models import Unit
    from eoffice.series.services import SeriesError, opd_of

    existing = db.session.scalar(sa.select(InboundLetter).where(
        InboundLetter.peer_id == peer.id, InboundLetter.message_id == payload["message_id"]))
    if existing is not None:  # the sender's retry of a letter that did arrive
        return Outcome(200, {"status": "duplicate", "message_id": existing.message_id,
                             "agenda_number": existing.letter.agenda_number})
    details, errors = protocol.check_letter(payload.get("letter"))
    pdf = b""
    try:
        pdf = base64.b64decode(payload.get("pdf") or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        errors["pdf"] = "base64 of the signed PDF"
    if errors:
        return refuse(400, "invalid_message", "The letter is malformed.", errors)
    if hashlib.sha256(pdf).hexdigest() != details["sha256"]:
        log.warning("exchange: tampered PDF in %s from %s", payload["message_id"], peer.name)
        return refuse(422, "tampered", "The PDF does not match its SHA-256.",
                      {"pdf": "sha256 mismatch"})
    try:
        upload = files.check_upload(details["filename"], pdf, allowed=("pdf",))
    except files.FileRejected as exc:
        return refuse(422, "invalid_pdf", str(exc), {"pdf": str(exc)})
    today = today_local()
    classification = None
    if details["classification_code"]:
        classification = db.session.scalar(sa.select(Classification).where(
            Classification.code == details["classification_code"],
            Classification.active.is_(True)))
    classification_id = classification.id if classification else None
    # The receiving unit's OPD keeps the letter in its agenda book (none: the region's).
    unit = db.session.get(Unit, receiving_unit_id()) if receiving_unit_id() else None
    opd = opd_of(unit)
    try:
        issued = issue_agenda(opd, today, unit=unit, classification=classification)
    except SeriesError as exc:
        return refuse(503, "not_numbered", str(exc), {})
    agenda_number, seq = issued.number, issued.seq
    sender = payload["from"]
    agency = str(sender.get("agency") or peer.agency or peer.name)[:200]
    position = details["signatory"].get("position", "")
    letter = IncomingLetter(
        agenda_number=agenda_number, agenda_year=today.year, agenda_seq=seq,
        agenda_counter=issued.key, agenda_opd_id=opd.id if opd else None,
        sender=(f"{position}, {agency}" if position else agency)[:255],
        sender_number=details["number"], letter_date=details["date"], received_date=today,
        subject=details["subject"], classification_id=classification_id,
        security=details["security"], speed=details["speed"], status="awaiting",
        registered_by_id=exchange_user_id(), registering_unit_id=receiving_unit_id(),
        summary=f"Diterima secara elektronik dari {peer.name} (pesan {payload['message_id']}).")
    stored = files.store(upload)
    letter.attachments.append(LetterAttachment(file=stored, filename=upload.filename))
    db.session.add(letter)
    db.session.flush()
    inbound = InboundLetter(
        message_id=payload["message_id"], peer_id=peer.id, letter_id=letter.id,
        pdf_file_id=stored.id, sent_at=sent_at, status="awaiting",
        details={**details, "date": details["date"].isoformat(),
                 "from": {k: str(v)[:255] for k, v in sender.items() if isinstance(v, str)}})
    db.session.add(inbound)
    audit.record("letter.received", letter, data={
        "agenda_number": agenda_number, "from": peer.name, "number": details["number"],
        "message_id": payload["message_id"]})
    events.emit("exchange_received", "incoming_letters", letter.id,
                restricted=letter.is_restricted,
                data={"agenda_number": agenda_number, "from": peer.name})
    return Outcome(201, {"status": "registered", "message_id": payload["message_id"],
                         "agenda_number": agenda_number})


def _receive_receipt(peer: Peer, payload: dict) -> Outcome:
    status = payload.get("status")
    delivery_message_id = payload.get("delivery_message_id")
    reason = payload.get("reason") or ""
    if status not in ("accepted", "rejected") or not isinstance(reason, str) or \
            not isinstance(delivery_message_id, str):
        return refuse(400, "invalid_message", "A receipt has delivery_message_id, status "
                                              "accepted or rejected, and reason.")
    delivery = db.session.scalar(sa.select(Delivery).where(
        Delivery.message_id == delivery_message_id, Delivery.peer_id == peer.id))
    if delivery is None:
        return refuse(404, "unknown_delivery", "No delivery to this peer has that message id.")
    if delivery.status in ("accepted", "rejected"):
        return Outcome(200, {"status": "duplicate"})
    now = utcnow()
    delivery.status, delivery.decided_at = status, now
    delivery.reason = reason.strip()[:2000] or None
    delivery.delivered_at = delivery.delivered_at or now
    delivery.next_attempt_at, delivery.last_error = None, None
    agenda = payload.get("agenda_number")
    if isinstance(agenda, str) and agenda:
        delivery.remote_agenda_number = agenda[:64]
    audit.record(f"exchange.{status}", ("outgoing_letters", delivery.letter_id), data={
        "peer": peer.name, "message_id": delivery.message_id, "reason": delivery.reason,
        "agenda_number": delivery.remote_agenda_number})
    return Outcome(200, {"status": "recorded"})


# --- The clerk's decision and its receipt ----------------------------------------------------

def inbox_query(which: str = "awaiting") -> sa.Select:
    query = sa.select(InboundLetter).options(joinedload(InboundLetter.peer),
                                             joinedload(InboundLetter.letter))
    if which == "awaiting":
        query = query.where(InboundLetter.status == "awaiting")
    else:
        query = query.where(InboundLetter.status != "awaiting")
    return query.order_by(InboundLetter.id.desc())


def awaiting_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(InboundLetter).where(
        InboundLetter.status == "awaiting")) or 0


def _decide(inbound: InboundLetter, actor) -> None:
    from eoffice.security import can_receive_exchange

    if not can_receive_exchange(actor):
        raise ExchangeError({"status": str(_l("You may not accept letters from other "
                                              "regions."))})
    if inbound.status != "awaiting":
        raise ExchangeError({"status": str(_l("This letter was already decided."))})


def accept(inbound: InboundLetter, to_positions: list[int], cc_positions: list[int], *,
           actor) -> None:
    """The clerk accepts: the letter becomes a registered incoming letter addressed to
    the chosen positions, under the clerk's name and unit."""
    from eoffice.letters.models import LetterRecipient
    from eoffice.org.models import Position
    from eoffice.security import user_unit_id

    numbering.begin_write()
    _decide(inbound, actor)
    errors: dict[str, str] = {}
    if not to_positions:
        errors["to_positions"] = str(_l("Choose at least one addressee position."))
    wanted = set(to_positions) | set(cc_positions)
    found = set(db.session.scalars(sa.select(Position.id).where(
        Position.id.in_(wanted), Position.active.is_(True)))) if wanted else set()
    if wanted - found:
        errors["to_positions"] = str(_l("An addressee or copy position does not exist."))
    if set(to_positions) & set(cc_positions):
        errors["cc_positions"] = str(_l("A position cannot be both addressee and copy."))
    if errors:
        raise ExchangeError(errors)
    letter = inbound.letter
    letter.status, letter.registered_by_id = "registered", actor.id
    letter.registering_unit_id = user_unit_id(actor)
    letter.recipients = [LetterRecipient(position_id=p, kind="to") for p in to_positions] + [
        LetterRecipient(position_id=p, kind="cc") for p in cc_positions]
    inbound.status, inbound.decided_at, inbound.decided_by_id = "accepted", utcnow(), actor.id
    _queue_receipt(inbound)
    audit.record("letter.accepted", letter, actor=actor, data={
        "agenda_number": letter.agenda_number, "from": inbound.peer.name,
        "to": sorted(to_positions)})
    from eoffice.letters.services import emit_registered

    emit_registered(letter, actor=actor)


def reject(inbound: InboundLetter, reason: str, *, actor) -> None:
    """The clerk rejects with a reason: the agenda number stays used (cancelled letter)."""
    from eoffice.security import user_unit_id

    numbering.begin_write()
    _decide(inbound, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ExchangeError({"reason": str(_l("Give the reason for rejecting."))})
    letter = inbound.letter
    letter.status, letter.registered_by_id = "cancelled", actor.id
    letter.registering_unit_id = user_unit_id(actor)
    letter.cancel_reason = f"Ditolak (pertukaran surat): {reason}"[:5000]
    inbound.status, inbound.decided_at, inbound.decided_by_id = "rejected", utcnow(), actor.id
    inbound.reason = reason[:2000]
    _queue_receipt(inbound)
    audit.record("letter.rejected", letter, actor=actor, data={
        "agenda_number": letter.agenda_number, "from": inbound.peer.name, "reason": reason})


def _queue_receipt(inbound: InboundLetter) -> None:
    inbound.receipt_status, inbound.receipt_attempts = "pending", 0
    inbound.receipt_message_id = protocol.new_message_id()
    inbound.receipt_next_at, inbound.receipt_error = utcnow(), None
    db.session.flush()
    attempt_after_request("receipt", [inbound.id])


def attempt_receipt(inbound_id: int) -> InboundLetter | None:
    if not _claim(InboundLetter, inbound_id, InboundLetter.receipt_claimed_until,
                  InboundLetter.receipt_status, ("pending", "failed")):
        return None
    inbound = db.session.get(InboundLetter, inbound_id)
    now = utcnow()
    payload = protocol.envelope("receipt", inbound.peer.key_id, inbound.receipt_message_id, now)
    payload.update(delivery_message_id=inbound.message_id, status=inbound.status,
                   reason=inbound.reason or "", agenda_number=inbound.letter.agenda_number)
    peer = inbound.peer
    db.session.commit()
    answer = post(peer, payload) if peer.active else Answer(0, error="peer disabled")
    numbering.begin_write()
    inbound = db.session.get(InboundLetter, inbound_id)
    inbound.receipt_attempts += 1
    inbound.receipt_claimed_until = None
    if answer.ok:
        inbound.receipt_status, inbound.receipt_next_at, inbound.receipt_error = "sent", None, None
    else:
        inbound.receipt_status = "failed"
        inbound.receipt_error = answer.error or f"HTTP {answer.status}"
        inbound.receipt_next_at = next_attempt(inbound.receipt_attempts, now)
    db.session.commit()
    return inbound
