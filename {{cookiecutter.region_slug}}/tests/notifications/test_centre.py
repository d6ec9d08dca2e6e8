"""The notification centre: who is told, what they read (nothing of R/SR letters), the bell
on every page, the list, opening and marking as read."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from eoffice.extensions import db
from tests.helpers import page_text


def notifications_of(user) -> list:
    from eoffice.notifications.models import Notification

    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def bell(response) -> int:
    found = re.search(r'id="notification-count">([^<]+)<', page_text(response))
    return 0 if found is None else (100 if found.group(1) == "99+" else int(found.group(1)))


def test_addressees_and_copies_are_told_not_the_clerk(office, register):
    from eoffice.notifications.services import describe

    letter = register(office, cc=[office.sekretaris], subject="Undangan rapat SPBE")
    users = office.users
    [told] = notifications_of(users["kadis"])
    [copy] = notifications_of(users["sekretaris"])
    assert (told.event, told.object_id, copy.event) == (
        "letter_registered", letter.id, "copy_received")
    assert "Undangan rapat SPBE" in describe(told) and letter.agenda_number in describe(told)
    assert notifications_of(users["clerk"]) == [] and notifications_of(users["kabid_a"]) == []


def test_restricted_letters_say_only_that_something_arrived(client, login, office, register):
    from eoffice.notifications.services import describe

    register(office, security="R", subject="Mutasi pejabat eselon")
    [told] = notifications_of(office.users["kadis"])
    assert told.restricted and told.data == {}
    assert describe(told) == "A restricted letter arrived for you."
    login(office.users["kadis"])
    text = page_text(client.get("/pemberitahuan/"))
    assert "A restricted letter arrived for you." in text and "Mutasi" not in text


def test_the_acting_official_is_told_too(office, register, create_staff, create_user):
    from eoffice.org.acting import create_assignment

    person = create_staff(name="Pegawai Plh", unit=office.dinas)
    plh = create_user(username="plh1", roles=["pimpinan", "pegawai"], staff=person)
    today = dt.date.today()
    create_assignment(position_id=office.kadis.id, user_id=plh.id, kind="plh",
                      start_date=today - dt.timedelta(days=1),
                      end_date=today + dt.timedelta(days=1),
                      decree="ST/1", actor=office.users["admin"])
    db.session.commit()
    register(office)
    assert len(notifications_of(plh)) == 1 and len(notifications_of(office.users["kadis"])) == 1


def test_drafts_tell_the_verifier_signatory_and_drafter(office, people, make_draft, advance):
    users = office.users
    letter = make_draft(subject="Permohonan data SPBE")
    advance(letter, "signed")
    assert [n.event for n in notifications_of(users["kabid_a"])] == ["draft_awaiting_paraf"]
    assert [n.event for n in notifications_of(users["sekretaris"])] == ["draft_awaiting_paraf"]
    assert [n.event for n in notifications_of(users["kadis"])] == ["draft_awaiting_signature"]
    assert [n.event for n in notifications_of(users["staf_a"])] == ["letter_signed"]
    assert notifications_of(users["staf_a"])[0].data["number"] == letter.number


def test_exchange_letters_are_told_to_the_clerks(app, client, office, peer, wire):
    assert peer.post(client, peer.letter(subject="Undangan antardaerah")).status_code == 201
    for key in ("clerk", "other_clerk"):
        [told] = notifications_of(office.users[key])
        assert told.event == "exchange_received"
    assert notifications_of(office.users["kadis"]) == []


def test_bell_list_open_and_mark_read(client, login, office, register):
    kadis = office.users["kadis"]
    first = register(office, subject="Surat pertama")
    register(office, subject="Surat kedua")
    register(office, subject="Surat ketiga")
    login(kadis)
    dashboard = client.get("/")
    assert bell(dashboard) == 3  # the bell is on every page
    listing = client.get("/pemberitahuan/")
    text = page_text(listing)
    assert text.index("Surat ketiga") < text.index("Surat pertama")  # newest first
    opened = notifications_of(kadis)[0]
    response = client.post(f"/pemberitahuan/{opened.id}/buka")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/surat-masuk/{first.id}")
    assert bell(client.get("/pemberitahuan/")) == 2
    unread = page_text(client.get("/pemberitahuan/?tampil=belum-dibaca"))
    assert "Surat pertama" not in unread and "Surat kedua" in unread
    second = notifications_of(kadis)[1]
    assert client.post(f"/pemberitahuan/{second.id}/baca").status_code == 302
    assert bell(client.get("/pemberitahuan/")) == 1
    done = client.post("/pemberitahuan/baca-semua", follow_redirects=True)
    assert "1 notifications marked as read." in page_text(done)
    assert bell(done) == 0
    assert all(n.read_at is not None for n in notifications_of(kadis))


def test_someone_elses_notification_is_not_found(client, login, office, register):
    register(office)
    [theirs] = notifications_of(office.users["kadis"])
    login(office.users["sekretaris"])
    assert client.post(f"/pemberitahuan/{theirs.id}/buka").status_code == 404
    assert client.post(f"/pemberitahuan/{theirs.id}/baca").status_code == 404
    assert client.post("/pemberitahuan/99999999/baca").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None


def test_the_list_pages_and_the_bell_stops_at_99(client, login, office, count_queries):
    from eoffice.notifications.models import Notification

    kadis = office.users["kadis"]
    db.session.add_all([Notification(user_id=kadis.id, event="letter_registered",
                                     object_type="incoming_letters", object_id=n,
                                     data={"subject": f"Perihal {n:03d}", "agenda_number": "1"})
                        for n in range(120)])
    db.session.commit()
    login(kadis)
    first = client.get("/pemberitahuan/?per_page=50")
    assert bell(first) == 100  # shown as 99+
    text = page_text(first)
    assert "Perihal 119" in text and "Perihal 070" in text and "Perihal 069" not in text
    cursor = re.search(r'rel="next" href="[^"]*cursor=([^"&]+)', text).group(1)
    second = page_text(client.get(f"/pemberitahuan/?per_page=50&cursor={cursor}"))
    assert "Perihal 069" in second and "Perihal 070" not in second
    # statements do not grow with the page size
    client.get("/pemberitahuan/?per_page=5")
    counts = []
    for size in (5, 50):
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(f"/pemberitahuan/?per_page={size}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_garbage_in_the_list_url_is_not_an_error(client, login, office):
    login(office.users["kadis"])
    for query in ("cursor=%%%", "cursor=eyJ4IjoxfQ", "per_page=abc", "tampil=<script>"):
        assert client.get(f"/pemberitahuan/?{query}").status_code == 200


def test_the_bell_never_breaks_a_page(client, login, office, register, monkeypatch):
    """An error page shown because the database is in trouble still renders."""
    from sqlalchemy.exc import OperationalError

    from eoffice.notifications import services

    register(office)
    login(office.users["kadis"])

    def broken(user):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(services, "unread_count", broken)
    response = client.get("/pemberitahuan/")
    assert response.status_code == 200 and bell(response) == 0
