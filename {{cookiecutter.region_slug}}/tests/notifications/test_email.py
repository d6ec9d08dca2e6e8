"""Notification e-mail through a local SMTP server (aiosmtpd): the right recipients, plain
text and HTML, nothing of R/SR letters, preferences and quiet hours honoured, retried after
a refusal, given up after the limit, sent once when a job is lost or runs twice."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pytest
import sqlalchemy as sa

from eoffice.db import utcnow
from eoffice.extensions import db
from tests.helpers import page_text
from tests.notifications.test_centre import notifications_of


class Inbox:
    """An SMTP server's handler that keeps every message; ``refuse`` first messages
    are answered 451 (try again later)."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message,
                              envelope.content))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for _, rcpt, m, _ in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                       "MAIL_FROM": "E-Office Contoh <noreply@contoh.go.id>",
                       "PUBLIC_BASE_URL": "https://eoffice.contoh.go.id"}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def addresses(office):
    for key in ("kadis", "sekretaris", "kabid_a", "kabid_b", "clerk"):
        office.users[key].email = f"{key}@contoh.go.id"
    db.session.commit()
    return {key: f"{key}@contoh.go.id" for key in office.users}


def test_addressees_get_plain_text_and_html(office, register, smtp, addresses):
    letter = register(office, cc=[office.sekretaris], subject="Undangan rapat SPBE")
    [message] = smtp.to(addresses["kadis"])
    assert "Undangan rapat SPBE" in message["Subject"]
    assert letter.agenda_number in message["Subject"]
    assert message["From"] == "E-Office Contoh <noreply@contoh.go.id>"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://eoffice.contoh.go.id/surat-masuk/{letter.id}"
    assert link in plain and f'href="{link}"' in html
    assert "https://eoffice.contoh.go.id/pemberitahuan/pengaturan" in plain
    [copy] = smtp.to(addresses["sekretaris"])
    assert "Copy (tembusan)" in copy["Subject"]
    assert smtp.to(addresses["clerk"]) == []  # the clerk did it
    assert len(smtp.messages) == 2
    [told] = notifications_of(office.users["kadis"])
    assert told.email_status == "sent" and told.emailed_at is not None


def test_restricted_letters_say_only_that_something_arrived(office, register, smtp,
                                                            addresses):
    letter = register(office, security="SR", subject="Mutasi pejabat rahasia",
                      sender="Badan Intelijen")
    [(_, _, message, raw)] = smtp.messages
    assert message["Subject"].endswith("A restricted letter arrived for you.")
    for secret in (b"Mutasi", b"Intelijen", letter.agenda_number.encode()):
        assert secret not in raw


def test_subjects_and_bodies_in_bahasa_indonesia(app, office, register, smtp, addresses,
                                                 monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")
    register(office, subject="Undangan rapat SPBE")
    [message] = smtp.to(addresses["kadis"])
    assert "Surat baru" in message["Subject"]
    assert "Yth." in message.get_body(("plain",)).get_content()


def test_preferences_choose_events_and_the_channel(office, register, smtp, addresses):
    from eoffice.notifications.preferences import save_preferences

    save_preferences(office.users["kadis"], email_enabled=True,
                     email_events=["disposition_received"], quiet_start=None, quiet_end=None)
    save_preferences(office.users["sekretaris"], email_enabled=False,
                     email_events=["copy_received"], quiet_start=None, quiet_end=None)
    db.session.commit()
    register(office, cc=[office.sekretaris])
    assert smtp.messages == []
    # the notification centre still has them
    assert len(notifications_of(office.users["kadis"])) == 1
    assert notifications_of(office.users["kadis"])[0].email_status is None


def test_quiet_hours_hold_e_mail_until_they_end(app, office, register, smtp, addresses):
    from zoneinfo import ZoneInfo

    from eoffice.notifications.mail import sweep
    from eoffice.notifications.preferences import save_preferences

    local = dt.datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    start = (local - dt.timedelta(hours=1)).strftime("%H:%M")
    end = (local + dt.timedelta(hours=1)).strftime("%H:%M")
    save_preferences(office.users["kadis"], email_enabled=True,
                     email_events=["letter_registered"], quiet_start=start, quiet_end=end)
    db.session.commit()
    register(office)
    assert smtp.messages == []
    [told] = notifications_of(office.users["kadis"])
    assert told.email_status == "pending"
    assert sweep(utcnow() + dt.timedelta(minutes=10)) == 1  # still quiet: waits again
    assert smtp.messages == []
    save_preferences(office.users["kadis"], email_enabled=True,
                     email_events=["letter_registered"], quiet_start=None, quiet_end=None)
    db.session.commit()
    sweep(utcnow() + dt.timedelta(minutes=10))
    assert len(smtp.to(addresses["kadis"])) == 1


def test_a_refusal_is_retried_and_sent_once(office, register, smtp, addresses):
    smtp.refuse = 1
    register(office)
    assert len(smtp.to(addresses["kadis"])) == 1
    [told] = notifications_of(office.users["kadis"])
    assert (told.email_status, told.email_attempts) == ("sent", 2)


def test_given_up_after_the_limit_with_the_failure_kept(app, office, register, smtp,
                                                       addresses, monkeypatch):
    from eoffice import jobs

    monkeypatch.setitem(app.config, "JOBS_RETRIES", 2)
    smtp.refuse = 100
    before = jobs.health().failures
    register(office)
    [told] = notifications_of(office.users["kadis"])
    assert (told.email_status, told.email_attempts) == ("failed", 3)
    assert "451" in told.email_error
    assert smtp.messages == []
    assert jobs.health().failures == before + 2  # the third attempt gave up quietly


def test_a_job_run_twice_or_lost_midway_sends_once(office, register, smtp, addresses):
    from eoffice.notifications.mail import send_notification_email, sweep
    from eoffice.notifications.models import Notification

    register(office)
    [told] = notifications_of(office.users["kadis"])
    assert send_notification_email(told.id) == "not pending"  # a second job for it
    assert len(smtp.messages) == 1
    # a worker claimed another one and died before sending
    letter = register(office, subject="Kedua")
    smtp.messages.clear()
    db.session.execute(sa.update(Notification).where(
        Notification.object_id == letter.id).values(
        email_status="sending", email_claimed_at=utcnow() - dt.timedelta(minutes=20)))
    db.session.commit()
    assert sweep() == 1
    assert sweep() == 0
    assert len(smtp.to(addresses["kadis"])) == 1


def test_no_smtp_no_e_mail(app, office, register, addresses):
    assert not app.config["SMTP_HOST"]
    register(office)
    [told] = notifications_of(office.users["kadis"])
    assert told.email_status is None


def test_an_unreachable_server_is_a_recorded_failure(app, office, addresses, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
    monkeypatch.setitem(app.config, "JOBS_RETRIES", 0)
    kadis = office.users["kadis"]
    from eoffice.notifications.mail import send_notification_email
    from eoffice.notifications.models import Notification

    item = Notification(user_id=kadis.id, event="letter_registered",
                        object_type="incoming_letters", object_id=1, data={},
                        email_status="pending")
    db.session.add(item)
    db.session.commit()
    assert send_notification_email(item.id) == "failed"
    assert "ConnectionRefused" in item.email_error


def test_settings_page(client, login, office, app):
    from eoffice.notifications.preferences import preferences_of

    kadis = login(office.users["kadis"])
    page = client.get("/pemberitahuan/pengaturan")
    assert page.status_code == 200
    assert "This e-office sends no e-mail yet" in page_text(page)
    bad = client.post("/pemberitahuan/pengaturan", data={
        "email_enabled": "y", "email_events": ["letter_registered"],
        "quiet_start": "25:00", "quiet_end": ""})
    assert bad.status_code == 422
    assert "Write the time as HH:MM" in page_text(bad)
    half = client.post("/pemberitahuan/pengaturan", data={"quiet_start": "21:00"})
    assert half.status_code == 422 and "Give both the start and the end" in page_text(half)
    odd = client.post("/pemberitahuan/pengaturan", data={"email_events": ["letter_eaten"]})
    assert odd.status_code == 422
    good = client.post("/pemberitahuan/pengaturan", data={
        "email_enabled": "y", "email_events": ["letter_registered", "disposition_overdue"],
        "quiet_start": "21:00", "quiet_end": "06:00"}, follow_redirects=True)
    assert "Notification settings saved." in page_text(good)
    saved = preferences_of(kadis)
    assert saved.email_events == {"letter_registered", "disposition_overdue"}
    assert (saved.quiet_start, saved.quiet_end) == ("21:00", "06:00")
    assert saved.wants_email("letter_registered") and not saved.wants_email("letter_sent")


def test_quiet_hours_pass_midnight(app):
    from eoffice.notifications.preferences import Preferences, in_quiet_hours

    night = Preferences(quiet_start="21:00", quiet_end="06:00")
    zone = app.config["TIMEZONE"]
    from zoneinfo import ZoneInfo

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, 3, hour, minute, tzinfo=ZoneInfo(zone))

    assert in_quiet_hours(night, at(23)) and in_quiet_hours(night, at(5, 59))
    assert not in_quiet_hours(night, at(6)) and not in_quiet_hours(night, at(12))
    assert not in_quiet_hours(Preferences(), at(23))


def test_every_event_has_a_label_on_the_settings_page():
    from eoffice.events import EVENTS
    from eoffice.notifications.preferences import EVENT_LABELS

    assert set(EVENT_LABELS) == set(EVENTS)
