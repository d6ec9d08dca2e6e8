"""Exchange fixtures: a fake peer region with its own Ed25519 key, that signs messages
to this app and records what this app sends to it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.api.conftest import make_token  # noqa: F401 - shared fixture
from tests.letters.conftest import PDF_BYTES, office, register  # noqa: F401 - shared fixtures


class FakePeer:
    """Another region's app, as seen from here: registered with its public key."""

    def __init__(self, app, name: str = "Kota Bau-Bau"):
        from eoffice.exchange import keys
        from eoffice.exchange.services import save_peer
        from eoffice.extensions import db

        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        self.public_text = "ed25519:" + base64.b64encode(raw).decode()
        self.key_id = keys.key_id_of(raw)
        self.peer = save_peer(None, name=name, base_url="http://127.0.0.1:9",
                              public_key=self.public_text, agency=f"Pemerintah {name}")
        db.session.commit()
        self.sent: list[tuple[str, bytes, dict]] = []  # what this app sent to the peer

    def envelope(self, kind: str, *, message_id: str | None = None,
                 when: dt.datetime | None = None) -> dict:
        from eoffice.db import utcnow
        from eoffice.exchange import keys, protocol

        return {"version": 1, "type": kind, "message_id": message_id or protocol.new_message_id(),
                "nonce": secrets.token_hex(12),
                "timestamp": protocol.format_timestamp(when or utcnow()),
                "from": {"key_id": self.key_id, "region_code": "74.72",
                         "region_name": "Kota Bau-Bau", "agency": "Pemerintah Kota Bau-Bau",
                         "base_url": "http://127.0.0.1:9"},
                "to": {"key_id": keys.own_key_id()}}

    def letter(self, pdf: bytes = PDF_BYTES, **overrides) -> dict:
        payload = self.envelope("letter", message_id=overrides.pop("message_id", None),
                                when=overrides.pop("when", None))
        payload["letter"] = {
            "number": "000.1/17/DISKOMINFO/2026", "date": dt.date.today().isoformat(),
            "subject": "Undangan rapat SPBE antardaerah", "security": "B", "speed": "segera",
            "classification_code": "000.1", "letter_type": "biasa",
            "signatory": {"name": "Dr. La Ode", "position": "Kepala Dinas Kominfo"},
            "recipient": {"name": "Bupati Contoh"},
            "sha256": hashlib.sha256(pdf).hexdigest(), "filename": "surat.pdf"}
        payload["letter"].update(overrides)
        payload["pdf"] = base64.b64encode(pdf).decode()
        return payload

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.key.sign(body)).decode()

    def seal(self, payload: dict) -> tuple[bytes, dict]:
        from eoffice.exchange import protocol

        body = protocol.canonical(payload)
        return body, {"Content-Type": "application/json", "X-Eoffice-Key-Id": self.key_id,
                      "X-Eoffice-Signature": self.sign(body)}

    def post(self, client, payload: dict | None = None, *, body: bytes | None = None,
             headers: dict | None = None):
        if payload is not None:
            body, sealed = self.seal(payload)
            headers = {**sealed, **(headers or {})}
        return client.post("/exchange/v1/messages", data=body, headers=headers)


@pytest.fixture
def peer(app):
    return FakePeer(app)


@pytest.fixture
def wire(app, monkeypatch):
    """Replaces the network: ``wire.answer`` is what the peer answers; every request
    this app sends is kept in ``wire.sent`` (url, body, headers)."""
    from eoffice.exchange import services

    class Wire:
        def __init__(self):
            self.sent: list[tuple[str, bytes, dict]] = []
            self.answer = services.Answer(201, {"status": "registered", "agenda_number": "00042"})

        def __call__(self, url, body, headers, timeout):
            self.sent.append((url, body, headers))
            return self.answer

        def payloads(self) -> list[dict]:
            return [json.loads(body) for _url, body, _headers in self.sent]

    wire = Wire()
    monkeypatch.setattr(services, "http_post", wire)
    return wire
