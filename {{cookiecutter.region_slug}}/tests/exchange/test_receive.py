"""Receiving: signature, replay, tamper, time window, idempotency, the clerk's decision."""

from __future__ import annotations

import base64
import datetime as dt
import json

import sqlalchemy as sa

from tests.helpers import count, page_text
from tests.letters.conftest import PDF_BYTES


def inbound_count() -> int:
    from eoffice.exchange.models import InboundLetter

    return count(InboundLetter)


def test_a_signed_letter_is_registered_and_waits_for_a_clerk(app, client, login, office, peer):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    response = peer.post(client, peer.letter())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "registered" and body["agenda_number"]
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.agenda_number == body["agenda_number"]))
    assert letter.status == "awaiting" and letter.sender_number == "000.1/17/DISKOMINFO/2026"
    assert letter.classification.code == "000.1" and letter.speed == "segera"
    assert letter.attachments[0].file.sha256 == peer.letter()["letter"]["sha256"]
    # nobody sees it through the letter pages until a clerk accepts it
    for person in ("clerk", "kadis", "admin"):
        login(office.users[person])
        assert client.get(f"/surat-masuk/{letter.id}").status_code in (403, 404)
    login(office.users["clerk"])
    assert f"/surat-masuk/{letter.id}\"" not in page_text(client.get("/surat-masuk/"))
    inbox = page_text(client.get("/pertukaran/"))
    assert body["agenda_number"] in inbox and "Kota Bau-Bau" in inbox
    # only clerks (letters.register) open the exchange inbox
    login(office.users["kadis"])
    assert client.get("/pertukaran/").status_code == 403


def test_replay_of_the_same_request_is_refused(app, client, peer):
    body, headers = peer.seal(peer.letter())
    first = client.post("/exchange/v1/messages", data=body, headers=headers)
    assert first.status_code == 201
    again = client.post("/exchange/v1/messages", data=body, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "replay"
    assert inbound_count() == 1


def test_the_senders_retry_is_acknowledged_without_a_second_letter(app, client, peer):
    """Same message id, signed afresh (the sender did not get the first answer)."""
    payload = peer.letter()
    first = peer.post(client, payload)
    retry = peer.post(client, peer.letter(message_id=payload["message_id"]))
    assert retry.status_code == 200 and retry.get_json()["status"] == "duplicate"
    assert retry.get_json()["agenda_number"] == first.get_json()["agenda_number"]
    assert inbound_count() == 1


def test_tampered_payloads_are_refused(app, client, peer):
    # changed after signing: the signature no longer matches
    body, headers = peer.seal(peer.letter())
    tampered = body.replace(b"Undangan rapat", b"Perintah bayar")
    response = client.post("/exchange/v1/messages", data=tampered, headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "bad_signature"
    # signed, but the PDF is not the one the metadata names
    other = peer.letter(pdf=PDF_BYTES)
    other["pdf"] = base64.b64encode(PDF_BYTES + b"%extra").decode()
    response = peer.post(client, other)
    assert response.status_code == 422 and response.get_json()["error"] == "tampered"
    # signed by a key that is not registered
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from eoffice.exchange import protocol

    stranger = Ed25519PrivateKey.generate()
    body = protocol.canonical({**peer.letter(), "from": {"key_id": "0123456789abcdef"}})
    response = client.post("/exchange/v1/messages", data=body, headers={
        "X-Eoffice-Key-Id": "0123456789abcdef",
        "X-Eoffice-Signature": base64.b64encode(stranger.sign(body)).decode()})
    assert response.status_code == 401 and response.get_json()["error"] == "unknown_sender"
    # unsigned
    assert client.post("/exchange/v1/messages", data=body,
                       headers={"Content-Type": "application/json"}).status_code == 401
    assert inbound_count() == 0


def test_time_window_and_addressing(app, client, peer):
    from eoffice.db import utcnow

    old = peer.letter(when=utcnow() - dt.timedelta(minutes=11))
    response = peer.post(client, old)
    assert response.status_code == 401 and response.get_json()["error"] == "stale"
    ahead = peer.letter(when=utcnow() + dt.timedelta(minutes=11))
    assert peer.post(client, ahead).status_code == 401
    elsewhere = peer.letter()
    elsewhere["to"] = {"key_id": "ffffffffffffffff"}
    response = peer.post(client, elsewhere)
    assert response.status_code == 400 and "to" in response.get_json()["errors"]
    not_a_pdf = peer.letter(pdf=b"MZ\x90\x00 a program")
    assert peer.post(client, not_a_pdf).status_code == 422
    malformed = peer.letter(security="TOP")
    response = peer.post(client, malformed)
    assert response.status_code == 400 and "letter.security" in response.get_json()["errors"]
    assert inbound_count() == 0


def test_a_disabled_peer_is_refused(app, client, peer):
    from eoffice.extensions import db

    peer.peer.active = False
    db.session.commit()
    assert peer.post(client, peer.letter()).status_code == 403


def test_accepting_addresses_it_and_tells_the_sender(app, client, login, office, peer, wire):
    from eoffice.exchange import keys
    from eoffice.exchange.models import InboundLetter
    from eoffice.extensions import db

    agenda = peer.post(client, peer.letter()).get_json()["agenda_number"]
    item = db.session.scalar(sa.select(InboundLetter))
    login(office.users["clerk"])
    none = client.post(f"/pertukaran/masuk/{item.id}/terima", data={})
    assert none.status_code == 422
    accepted = client.post(f"/pertukaran/masuk/{item.id}/terima",
                           data={"to_positions": [str(office.kadis.id)]})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert item.status == "accepted" and item.letter.status == "registered"
    assert item.letter.registered_by_id == office.users["clerk"].id
    assert item.receipt_status == "sent"
    # the receipt, signed with this app's key, went to the peer's endpoint
    url, body, headers = wire.sent[-1]
    assert url == "http://127.0.0.1:9/exchange/v1/messages"
    assert keys.verify(base64.b64encode(keys.raw_public(keys.private_key())).decode(), body,
                       headers["X-Eoffice-Signature"])
    receipt = json.loads(body)
    assert (receipt["type"], receipt["status"], receipt["delivery_message_id"],
            receipt["agenda_number"]) == ("receipt", "accepted", item.message_id, agenda)
    # now it is an ordinary letter of the addressee
    login(office.users["kadis"])
    assert client.get(f"/surat-masuk/{item.letter_id}").status_code == 200
    login(office.users["clerk"])
    again = client.post(f"/pertukaran/masuk/{item.id}/tolak", data={"reason": "salah"})
    assert again.status_code == 422  # already decided


def test_rejecting_needs_a_reason_keeps_the_number_and_retries_the_receipt(
        app, client, login, office, peer, wire):
    from eoffice.exchange import services
    from eoffice.exchange.models import InboundLetter
    from eoffice.extensions import db

    peer.post(client, peer.letter())
    item = db.session.scalar(sa.select(InboundLetter))
    wire.answer = services.Answer(0, error="ConnectionRefusedError")
    login(office.users["clerk"])
    assert client.post(f"/pertukaran/masuk/{item.id}/tolak", data={"reason": ""}).status_code \
        == 422
    assert client.post(f"/pertukaran/masuk/{item.id}/tolak",
                       data={"reason": "Bukan untuk daerah kami"}).status_code == 302
    db.session.expire_all()
    assert item.status == "rejected" and item.letter.status == "cancelled"
    assert "Bukan untuk daerah kami" in item.letter.cancel_reason
    assert item.receipt_status == "failed" and item.receipt_next_at is not None
    wire.answer = services.Answer(200, {"status": "recorded"})
    result = services.run_due(force=True)
    assert (result.receipts, result.receipts_sent) == (1, 1)
    db.session.expire_all()
    assert item.receipt_status == "sent"
    assert [p["status"] for p in wire.payloads()] == ["rejected", "rejected"]
    assert wire.payloads()[0]["reason"] == "Bukan untuk daerah kami"
