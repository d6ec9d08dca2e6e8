"""The daily digest: at the configured local hour on working days, once per user and day,
only to those who asked and have something unread, nothing of R/SR letters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from eoffice import jobs
from eoffice.extensions import db
from tests.notifications.test_email import addresses, smtp  # noqa: F401 - fixtures


def local(app, day: dt.date, hour: int) -> dt.datetime:
    zone = ZoneInfo(app.config["TIMEZONE"])
    return dt.datetime(day.year, day.month, day.day, hour, 5, tzinfo=zone).astimezone(dt.UTC)


MONDAY, SATURDAY = dt.date(2026, 12, 7), dt.date(2026, 12, 5)


@pytest.fixture
def wants_digest(office, addresses):  # noqa: F811 - the shared fixture
    from eoffice.notifications.preferences import save_preferences

    kadis = office.users["kadis"]
    save_preferences(kadis, email_enabled=False, email_events=[], quiet_start=None,
                     quiet_end=None, digest_enabled=True)
    db.session.commit()
    return kadis


def digest(app, day, hour):
    jobs.queue_of().tasks["notifications.daily_digest"](local(app, day, hour))


def test_the_digest_lists_what_is_unread_once_a_day(app, office, register, smtp,  # noqa: F811
                                                    wants_digest, addresses):  # noqa: F811
    register(office, subject="Undangan rapat SPBE")
    register(office, security="SR", subject="Mutasi rahasia")
    assert smtp.messages == []  # no e-mail per event: only the digest was asked for
    digest(app, MONDAY, 6)
    digest(app, SATURDAY, 7)
    assert smtp.messages == []  # not the hour, not a working day
    digest(app, MONDAY, 7)
    digest(app, MONDAY, 7)
    [(_, rcpt, message, raw)] = smtp.messages
    assert rcpt == [addresses["kadis"]]
    assert "2 unread notifications" in message["Subject"]
    plain = message.get_body(("plain",)).get_content()
    assert "Undangan rapat SPBE" in plain
    assert "A restricted letter arrived for you." in plain and b"Mutasi" not in raw
    assert "https://eoffice.contoh.go.id/pemberitahuan/" in plain


def test_nothing_unread_no_digest(app, office, register, smtp, wants_digest):  # noqa: F811
    register(office)
    from eoffice.notifications.services import mark_all_read

    mark_all_read(wants_digest)
    db.session.commit()
    digest(app, MONDAY, 7)
    assert smtp.messages == []


def test_a_refused_digest_is_sent_on_the_retry(app, office, register, smtp,  # noqa: F811
                                               wants_digest):
    register(office)
    smtp.refuse = 1
    digest(app, MONDAY, 7)  # refused, retried at once by the queue (immediate mode)
    assert len(smtp.messages) == 1
