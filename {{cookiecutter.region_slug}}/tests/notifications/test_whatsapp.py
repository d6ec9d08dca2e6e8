"""The WhatsApp webhook adapter against a fake gateway: the JSON template filled, the
bearer token and a valid HMAC signature, R/SR without content, retried after a failure,
given up after the limit with the failure shown, preferences honoured."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eoffice.extensions import db
from tests.helpers import page_text
from tests.notifications.test_centre import notifications_of

SECRET = "rahasia-gateway-uji"  # noqa: S105 - test-only key


class Gateway:
    """A WhatsApp gateway on loopback: answers ``statuses`` in turn (then 200) and keeps
    what it received."""

    def __init__(self):
        self.received = []  # (headers, body bytes)
        self.statuses = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                if status == 200:
                    gateway.received.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kirim"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def messages(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def gateway(app, monkeypatch):
    fake = Gateway()
    fake.thread.start()
    for key, value in {
            "WHATSAPP_URL": fake.url, "WHATSAPP_TOKEN": "token-uji",
            "WHATSAPP_SECRET": SECRET, "PUBLIC_BASE_URL": "https://eoffice.contoh.go.id",
            "WHATSAPP_TEMPLATE": '{"target": "{phone}", "message": "{text}\\n{link}", '
                                 '"meta": {"to": "{name}", "source": "e-office"}}'}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def subscribed(office):
    """The Kepala Dinas asked for WhatsApp and has a phone number."""
    from eoffice.notifications.preferences import save_preferences

    kadis = office.users["kadis"]
    kadis.staff.phone = "0812-3456-7890"
    save_preferences(kadis, email_enabled=False, email_events=[], quiet_start=None,
                     quiet_end=None, whatsapp_enabled=True)
    db.session.commit()
    return kadis


def deliveries_of(user) -> list:
    from eoffice.notifications.models import NotificationDelivery

    return [d for n in notifications_of(user) for d in db.session.scalars(
        db.select(NotificationDelivery).where(NotificationDelivery.notification_id == n.id))]


def test_the_template_is_filled_and_the_request_signed(office, register, gateway, subscribed):
    letter = register(office, cc=[office.sekretaris], subject="Undangan rapat SPBE")
    [(headers, body)] = gateway.received  # the sekretaris did not ask for WhatsApp
    message = json.loads(body)
    assert message["target"] == "6281234567890"
    assert "Undangan rapat SPBE" in message["message"]
    assert message["message"].endswith(f"https://eoffice.contoh.go.id/surat-masuk/{letter.id}")
    assert message["meta"] == {"to": subscribed.full_name, "source": "e-office"}
    assert headers["Authorization"] == "Bearer token-uji"
    expected = hmac.new(SECRET.encode(), headers["X-Eoffice-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Eoffice-Signature"] == f"sha256={expected}"
    [delivery] = deliveries_of(subscribed)
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_restricted_letters_carry_no_content(office, register, gateway, subscribed):
    letter = register(office, security="R", subject="Mutasi pejabat", sender="Inspektorat")
    [(_, body)] = gateway.received
    for secret in (b"Mutasi", b"Inspektorat", letter.agenda_number.encode()):
        assert secret not in body
    assert "A restricted letter arrived for you." in json.loads(body)["message"]


def test_a_failure_is_retried_and_delivered_once(office, register, gateway, subscribed):
    gateway.statuses = [502]
    register(office)
    assert len(gateway.received) == 1
    [delivery] = deliveries_of(subscribed)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_given_up_after_the_limit_and_the_failure_shown(app, office, register, gateway,
                                                       subscribed, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRIES", 2)
    gateway.statuses = [500, 503, 500, 500]
    register(office)
    assert gateway.received == []
    [delivery] = deliveries_of(subscribed)
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "HTTP 500" in delivery.error
    output = app.test_cli_runner().invoke(args=["eoffice", "doctor"]).output
    assert "WARNING: notifications not delivered: 0 by e-mail, 1 by WhatsApp" in output


def test_only_those_who_asked_and_for_their_events(office, register, gateway, subscribed):
    from eoffice.notifications.preferences import save_preferences

    save_preferences(subscribed, email_enabled=False, email_events=[], quiet_start=None,
                     quiet_end=None, whatsapp_enabled=True,
                     whatsapp_events=["disposition_received"])
    db.session.commit()
    register(office)
    assert gateway.received == [] and deliveries_of(subscribed) == []
    assert len(notifications_of(subscribed)) == 1  # the bell still has it


def test_no_phone_number_is_skipped(office, register, gateway, subscribed):
    subscribed.staff.phone = None
    db.session.commit()
    register(office)
    assert gateway.received == []
    [delivery] = deliveries_of(subscribed)
    assert delivery.status == "skipped"


def test_a_lost_job_is_delivered_once_by_the_sweep(office, register, gateway, subscribed):
    import datetime as dt

    import sqlalchemy as sa

    from eoffice.db import utcnow
    from eoffice.notifications.models import NotificationDelivery
    from eoffice.notifications.whatsapp import send, sweep

    register(office)
    [delivery] = deliveries_of(subscribed)
    assert send(delivery.id) == "not pending"  # the job run a second time
    db.session.execute(sa.update(NotificationDelivery).values(
        status="sending", claimed_at=utcnow() - dt.timedelta(minutes=30)))
    db.session.commit()
    gateway.received.clear()
    assert sweep() == 1 and sweep() == 0
    assert len(gateway.received) == 1


def test_the_settings_page_offers_whatsapp_when_a_gateway_is_set(client, login, office,
                                                                gateway, subscribed):
    from eoffice.notifications.preferences import preferences_of

    login(subscribed)
    page = page_text(client.get("/pemberitahuan/pengaturan"))
    assert "Send me notifications by WhatsApp" in page and 'id="no-phone"' not in page
    saved = client.post("/pemberitahuan/pengaturan", data={
        "whatsapp_enabled": "y", "whatsapp_events": ["draft_awaiting_signature"]})
    assert saved.status_code == 302
    prefs = preferences_of(subscribed)
    assert prefs.wants_whatsapp("draft_awaiting_signature")
    assert not prefs.wants_whatsapp("letter_registered") and not prefs.email_enabled


def test_phone_numbers_are_normalised(office):
    from eoffice.notifications.whatsapp import phone_of

    kadis = office.users["kadis"]
    for given, expected in (("0812-3456-7890", "6281234567890"), ("+62 812 345 678", "62812345678"),
                            ("12", None), ("", None)):
        kadis.staff.phone = given
        assert phone_of(kadis) == expected
