"""The wire format of letter exchange, version 1.

A message is one JSON object, sent as its canonical bytes (keys sorted, no
spaces, UTF-8) in a POST to ``<peer base URL>/exchange/v1/messages``. The sender
signs exactly those bytes with its Ed25519 key:

    X-Eoffice-Key-Id: <16 hex: start of the SHA-256 of the sender's public key>
    X-Eoffice-Signature: <base64 Ed25519 signature of the body>

Every message carries ``version``, ``type`` (``letter`` or ``receipt``),
``message_id`` (a UUID, the same on every attempt), ``nonce`` (random, new on every
attempt, so no two attempts are the same bytes), ``timestamp`` (UTC, ISO 8601 with
Z), ``from`` (the
sender's identity, its ``key_id`` equal to the header) and ``to`` (``key_id`` of
the receiver: a message for one peer cannot be replayed to another).

``letter``: ``letter`` = {number, date, subject, security, speed,
classification_code, letter_type, signatory {name, nip, position, rank, unit},
recipient {name, agency}, sha256, filename} and ``pdf`` = the signed PDF in
base64; the receiver checks the PDF's SHA-256 against ``letter.sha256``.

``receipt``: the receiver's clerk decided: ``delivery_message_id``, ``status``
(accepted or rejected), ``reason``, ``agenda_number``.

Answers are JSON: 201 registered, 200 already registered (the same message id
sent again by its sender, with a new signature) or receipt recorded; 400 a
malformed message; 401 unknown key, bad signature or a timestamp outside the
window; 403 the peer is disabled; 404 a receipt for an unknown delivery; 409 a
replay (this exact signed request was received before); 422 content refused
(the PDF does not match its SHA-256, or is no PDF).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import uuid
from typing import Any

from flask import current_app

from eoffice.exchange import keys
from eoffice.inputs import has_control_characters

VERSION = 1
ENDPOINT_PATH = "/exchange/v1/messages"
HEADER_KEY_ID = "X-Eoffice-Key-Id"
HEADER_SIGNATURE = "X-Eoffice-Signature"
TYPES = ("letter", "receipt")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def new_message_id() -> str:
    return str(uuid.uuid4())


def format_timestamp(value: dt.datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_timestamp(text: Any) -> dt.datetime | None:
    """Naive UTC from ``2026-01-31T10:00:00Z``; None when it is not one."""
    if not isinstance(text, str) or not text.endswith("Z") or len(text) > 40:
        return None
    try:
        value = dt.datetime.fromisoformat(text[:-1])
    except ValueError:
        return None
    return value.replace(tzinfo=None) if value.tzinfo is None else None


def identity() -> dict:
    config = current_app.config
    return {"key_id": keys.own_key_id(), "region_code": config["REGION_CODE"],
            "region_name": config["REGION_NAME"], "agency": config["AGENCY_NAME"],
            "base_url": config["PUBLIC_BASE_URL"]}


def envelope(kind: str, to_key_id: str, message_id: str, now: dt.datetime) -> dict:
    return {"version": VERSION, "type": kind, "message_id": message_id,
            "nonce": secrets.token_hex(12), "timestamp": format_timestamp(now),
            "from": identity(),
            "to": {"key_id": to_key_id}}


def seal(payload: dict) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a signed request."""
    body = canonical(payload)
    return body, {"Content-Type": "application/json", HEADER_KEY_ID: payload["from"]["key_id"],
                  HEADER_SIGNATURE: keys.sign(body)}


def check_envelope(payload: Any, key_id: str) -> dict[str, str]:
    """Problems of the common fields, by field name (empty when fine)."""
    if not isinstance(payload, dict):
        return {"body": "not a JSON object"}
    errors: dict[str, str] = {}
    if payload.get("version") != VERSION:
        errors["version"] = f"only version {VERSION} is understood"
    if payload.get("type") not in TYPES:
        errors["type"] = "must be letter or receipt"
    if not isinstance(payload.get("message_id"), str) or not UUID_RE.match(payload["message_id"]):
        errors["message_id"] = "must be a UUID"
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 64:
        errors["nonce"] = "8 to 64 characters, new on every attempt"
    if parse_timestamp(payload.get("timestamp")) is None:
        errors["timestamp"] = "must be UTC ISO 8601 ending in Z"
    sender = payload.get("from")
    if not isinstance(sender, dict) or sender.get("key_id") != key_id:
        errors["from"] = "from.key_id must be the key that signed"
    receiver = payload.get("to")
    if not isinstance(receiver, dict) or receiver.get("key_id") != keys.own_key_id():
        errors["to"] = "the message is not addressed to this app"
    return errors


def _text(part: dict, key: str, limit: int, errors: dict, required: bool = True) -> str:
    value = part.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit \
            or has_control_characters(value, multiline=True):
        errors[f"letter.{key}"] = f"text of 1 to {limit} characters"
        return ""
    return value.strip()


def check_letter(part: Any) -> tuple[dict, dict[str, str]]:
    """The letter metadata, cleaned, and its problems by field."""
    from eoffice.letters.models import SECURITY_LEVELS, SPEED_LEVELS

    if not isinstance(part, dict):
        return {}, {"letter": "must be an object"}
    errors: dict[str, str] = {}
    clean = {
        "number": _text(part, "number", 128, errors),
        "subject": _text(part, "subject", 500, errors),
        "classification_code": _text(part, "classification_code", 32, errors, required=False),
        "letter_type": _text(part, "letter_type", 20, errors, required=False),
        "filename": _text(part, "filename", 200, errors, required=False) or "surat.pdf",
    }
    try:
        clean["date"] = dt.date.fromisoformat(part.get("date") or "")
    except (TypeError, ValueError):
        errors["letter.date"] = "a date, YYYY-MM-DD"
    clean["security"] = part.get("security")
    if clean["security"] not in SECURITY_LEVELS:
        errors["letter.security"] = "one of " + ", ".join(SECURITY_LEVELS)
    clean["speed"] = part.get("speed")
    if clean["speed"] not in SPEED_LEVELS:
        errors["letter.speed"] = "one of " + ", ".join(SPEED_LEVELS)
    clean["sha256"] = part.get("sha256")
    if not isinstance(clean["sha256"], str) or not SHA256_RE.match(clean["sha256"]):
        errors["letter.sha256"] = "64 lowercase hex digits"
    for key in ("signatory", "recipient"):
        value = part.get(key) or {}
        if not isinstance(value, dict):
            errors[f"letter.{key}"] = "must be an object"
            value = {}
        clean[key] = {k: str(v)[:255] for k, v in value.items()
                      if isinstance(k, str) and isinstance(v, str | int)}
    return clean, errors
