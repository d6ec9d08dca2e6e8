"""Sending: a letter signed to a peer is delivered, retried with backoff when the peer
is down, never twice, and the peer's decision comes back as the delivery's status."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE
from tests.helpers import page_text


def draft_to_peer(client, login, office, peer, security: str = "B"):
    """The drafter fills in the draft form with the peer as external recipient."""
    from eoffice.archive.models import Classification
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    code = db.session.scalar(sa.select(Classification.id).where(Classification.code == "000.1"))
    login(office.users["staf_a"])
    form = client.get("/surat-keluar/baru")
    assert "Kota Bau-Bau" in page_text(form)  # the peer is offered in the draft form
    response = client.post("/surat-keluar/baru", data={
        "letter_type": "biasa", "subject": "Undangan koordinasi SPBE antardaerah",
        "classification_id": str(code), "security": security, "speed": "biasa",
        "peer_to": [str(peer.peer.id)], "body_html": "<p>Dengan hormat, kami mengundang.</p>",
        "signer_position_id": str(office.kadis.id), "verifier_1": str(office.kabid_a.id)})
    assert response.status_code == 302, page_text(response)[:2000]
    letter = db.session.scalar(sa.select(OutgoingLetter).order_by(OutgoingLetter.id.desc()))
    assert [r.peer_id for r in letter.recipients] == [peer.peer.id]
    client.post(f"/surat-keluar/{letter.id}/ajukan")
    login(office.users["kabid_a"])
    client.post(f"/surat-keluar/{letter.id}/setujui", data={"note": ""})
    return letter


def sign_over_http(client, login, office, letter):
    login(office.users["kadis"])
    response = client.post(f"/surat-keluar/{letter.id}/tandatangani",
                           data={"passphrase": TEST_SIGNING_PASSPHRASE})
    assert response.status_code == 302


def delivery_of(letter):
    from eoffice.exchange.models import Delivery
    from eoffice.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(Delivery).where(Delivery.letter_id == letter.id))


def receipt(peer, delivery, status: str = "accepted", reason: str = "") -> dict:
    payload = peer.envelope("receipt")
    payload.update(delivery_message_id=delivery.message_id, status=status, reason=reason,
                   agenda_number="00042")
    return payload


def test_signed_letter_is_delivered_signed_and_accepted(app, client, login, office, peer, wire,
                                                        make_token):
    from eoffice.exchange import keys
    from eoffice.files import read

    letter = draft_to_peer(client, login, office, peer)
    sign_over_http(client, login, office, letter)
    delivery = delivery_of(letter)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.remote_agenda_number == "00042"
    url, body, headers = wire.sent[0]
    assert url == "http://127.0.0.1:9/exchange/v1/messages"
    own = keys.raw_public(keys.private_key())
    assert headers["X-Eoffice-Key-Id"] == keys.key_id_of(own)
    assert keys.verify(__import__("base64").b64encode(own).decode(), body,
                       headers["X-Eoffice-Signature"])
    payload = json.loads(body)
    assert payload["message_id"] == delivery.message_id and payload["to"]["key_id"] == \
        peer.key_id
    assert payload["letter"]["number"] == delivery.letter.number
    assert payload["letter"]["sha256"] == delivery.letter.pdf_sha256
    assert __import__("base64").b64decode(payload["pdf"]) == read(delivery.letter.pdf_file)
    assert delivery.recipient.dispatch_method == "eoffice"
    # the drafter sees it on the letter's page and in the API
    login(office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert 'id="deliveries"' in page and 'data-status="delivered"' in page
    api = client.get(f"/api/v1/outgoing/{letter.id}",
                     headers={"Authorization": f"Bearer {make_token(office.users['staf_a'])}"})
    assert api.get_json()["deliveries"][0]["status"] == "delivered"
    # the peer's clerk accepts: the receipt is verified and recorded
    answer = peer.post(client, receipt(peer, delivery))
    assert answer.status_code == 200 and answer.get_json()["status"] == "recorded"
    assert delivery_of(letter).status == "accepted"
    assert peer.post(client, receipt(peer, delivery)).get_json()["status"] == "duplicate"
    # sending the letter needs no dispatch details for the peer recipient
    assert client.post(f"/surat-keluar/{letter.id}/kirim").status_code == 302
    from eoffice.extensions import db

    db.session.expire_all()
    assert delivery_of(letter).letter.status == "sent"


def test_rejection_reason_reaches_the_sender(app, client, login, office, peer, wire):
    letter = draft_to_peer(client, login, office, peer)
    sign_over_http(client, login, office, letter)
    delivery = delivery_of(letter)
    peer.post(client, receipt(peer, delivery, "rejected", "Salah alamat"))
    delivery = delivery_of(letter)
    assert (delivery.status, delivery.reason) == ("rejected", "Salah alamat")
    login(office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert 'data-status="rejected"' in page and "Salah alamat" in page


def test_receipts_only_from_the_peer_it_was_sent_to(app, client, login, office, peer, wire):
    from tests.exchange.conftest import FakePeer

    letter = draft_to_peer(client, login, office, peer)
    sign_over_http(client, login, office, letter)
    delivery = delivery_of(letter)
    other = FakePeer(app, name="Kabupaten Lain")
    response = other.post(client, receipt(other, delivery))
    assert response.status_code == 404
    unknown = receipt(peer, delivery)
    unknown["delivery_message_id"] = "00000000-0000-4000-8000-000000000000"
    assert peer.post(client, unknown).status_code == 404
    assert delivery_of(letter).status == "delivered"


def test_peer_down_retries_with_backoff_and_delivers_once(app, client, login, office, peer,
                                                         wire):
    from eoffice.db import utcnow
    from eoffice.exchange import services
    from eoffice.extensions import db

    wire.answer = services.Answer(0, error="URLError: [Errno 111] Connection refused")
    letter = draft_to_peer(client, login, office, peer)
    sign_over_http(client, login, office, letter)
    delivery = delivery_of(letter)
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "refused" in delivery.last_error
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert wait == dt.timedelta(seconds=60)
    assert services.run_due().deliveries == 0  # not due yet: nothing is sent
    delivery.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert services.run_due().deliveries == 1
    delivery = delivery_of(letter)
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - delivery.last_attempt_at == dt.timedelta(seconds=120)
    # the peer is back
    wire.answer = services.Answer(201, {"status": "registered", "agenda_number": "00007"})
    delivery.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    result = services.run_due()
    assert (result.deliveries, result.delivered) == (1, 1)
    assert services.run_due(force=True).deliveries == 0  # delivered: never sent again
    delivery = delivery_of(letter)
    assert (delivery.status, delivery.attempts, delivery.remote_agenda_number) == (
        "delivered", 3, "00007")
    bodies = wire.payloads()
    assert len(bodies) == 3 and len({b["message_id"] for b in bodies}) == 1
    assert len({b["nonce"] for b in bodies}) == 3  # each attempt signed afresh


def test_given_up_delivery_can_be_retried_by_an_administrator(app, client, login, office, peer,
                                                             wire, monkeypatch):
    from eoffice.exchange import services

    monkeypatch.setitem(app.config, "EXCHANGE_MAX_ATTEMPTS", 1)
    wire.answer = services.Answer(503, {}, "HTTP 503")
    letter = draft_to_peer(client, login, office, peer)
    sign_over_http(client, login, office, letter)
    delivery = delivery_of(letter)
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert services.run_due().deliveries == 0
    login(office.users["staf_a"])
    assert "given up" in page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert client.post(f"/pertukaran/kiriman/{delivery.id}/ulang").status_code == 403
    wire.answer = services.Answer(201, {"agenda_number": "00009"})
    login(office.users["admin"])
    assert client.post(f"/pertukaran/kiriman/{delivery.id}/ulang").status_code == 302
    assert delivery_of(letter).status == "delivered"


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(app, office, peer, wire):
    """Two runs at once (the timer and the attempt after signing): one sends."""
    from eoffice.db import utcnow
    from eoffice.exchange import services
    from eoffice.exchange.models import Delivery
    from eoffice.extensions import db

    letter = _signed_letter_to(app, office, peer)  # outside a request: nothing sent yet
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.letter_id == letter.id))
    assert delivery.status == "pending" and delivery.attempts == 0
    delivery.claimed_until = utcnow() + dt.timedelta(minutes=1)
    db.session.commit()
    assert services.attempt_delivery(delivery.id) is None
    assert wire.sent == []


def _signed_letter_to(app, office, peer):
    from eoffice.archive.models import Classification
    from eoffice.extensions import db
    from eoffice.outgoing import services

    code = db.session.scalar(sa.select(Classification.id).where(Classification.code == "000.1"))
    letter = services.create_draft(services.DraftInput(
        letter_type="biasa", subject="Surat ke daerah lain", signer_position_id=office.kadis.id,
        body_html="<p>Isi</p>", classification_id=code,
        external=[services.ExternalRecipient(name=peer.peer.name, peer_id=peer.peer.id)]),
        actor=office.users["staf_a"])
    services.submit(letter, actor=office.users["staf_a"])
    with app.test_request_context():
        services.sign(letter, actor=office.users["kadis"], passphrase=TEST_SIGNING_PASSPHRASE)
    db.session.commit()
    return letter


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (6, 1920),
                                                   (9, 15360), (10, 21600), (29, 21600)])
def test_backoff_schedule(app, attempts, seconds):
    from eoffice.db import utcnow
    from eoffice.exchange import services

    assert services.retry_delay(attempts) == dt.timedelta(seconds=seconds)
    now = utcnow()
    assert services.next_attempt(attempts, now) == now + dt.timedelta(seconds=seconds)
    assert services.next_attempt(app.config["EXCHANGE_MAX_ATTEMPTS"], now) is None
