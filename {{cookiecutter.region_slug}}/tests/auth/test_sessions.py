"""Server-side sessions: the cookie names a session row, which logout, a password change,
deactivation, locking and an administrator end at once; expiry after SESSION_IDLE_MINUTES
without a request and SESSION_LIFETIME_MINUTES after login, whatever the user does."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from eoffice.audit import AuditEvent
from eoffice.auth.models import UserSession
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.helpers import count, page_text

EXPIRED = "Your session expired. Please log in again."
ENDED = "Your session has ended. Please log in again."
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")


@pytest.fixture
def browser(app):
    """``browser(user_agent)``: another test client, as a second browser or device."""

    def _make(user_agent: str = FIREFOX) -> FlaskClient:
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = user_agent
        return client

    return _make


def fresh_request() -> None:
    """Requests on a real server each have their own app context; the test clients share
    the test's, where Flask-Login keeps the last request's user (``g._login_user``)."""
    g.pop("_login_user", None)


def log_in(client, user, password: str = TEST_PASSWORD):
    fresh_request()
    response = client.post("/masuk", data={"username": user.username, "password": password})
    assert response.status_code == 302, "login failed"
    return response


def logged_in(client) -> bool:
    fresh_request()
    return client.get("/organisasi/").status_code == 200


def session_of(client) -> UserSession:
    with client.session_transaction() as cookie:
        secret = cookie["_user_id"]
    return db.session.scalar(sa.select(UserSession).where(
        UserSession.token_hash == hashlib.sha256(secret.encode()).hexdigest()))


def actions(user) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)))


# --- What the cookie carries ------------------------------------------------------------------

def test_the_cookie_names_a_random_session_stored_only_hashed(client, create_user, login):
    user = login(create_user())
    with client.session_transaction() as cookie:
        secret = cookie["_user_id"]
    assert secret != str(user.id) and len(secret) >= 40
    record = session_of(client)
    assert record.user_id == user.id
    assert record.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {record.token_hash, record.user_agent, record.ip}
    assert record.revoked_at is None and record.ip == "127.0.0.1"


def test_a_cookie_naming_a_user_instead_of_a_session_logs_nobody_in(client, create_user):
    """A cookie signed with the right key but holding a user id (as before sessions were
    kept on the server) is not a login."""
    user = create_user()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_fresh"] = True
    response = client.get("/organisasi/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_login_clears_the_previous_session_and_starts_a_new_one(client, create_user, login):
    user = login(create_user())
    first = session_of(client)
    login(user)
    second = session_of(client)
    assert first.id != second.id
    assert first.revoked_at is not None and first.revoked_reason == "logout"


# --- Ending sessions --------------------------------------------------------------------------

def test_logout_ends_the_session_for_every_copy_of_the_cookie(client, create_user, login):
    login(create_user())
    stolen = client.get_cookie("session").value
    client.post("/keluar")
    assert not logged_in(client)
    client.set_cookie("session", stolen)  # a copy kept by someone else
    fresh_request()
    response = client.get("/organisasi/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert ENDED in page_text(client.get("/masuk"))


def test_changing_the_password_ends_the_other_sessions_only(create_user, browser):
    user = create_user(username="siti")
    here, there = browser(), browser(CHROME_ANDROID)
    log_in(here, user)
    log_in(there, user)
    response = here.post("/akun/kata-sandi", data={
        "current": TEST_PASSWORD, "new": "kopi-tubruk-2024", "confirm": "kopi-tubruk-2024"})
    assert response.status_code == 302
    assert "You were logged out on 1 other device(s)." in page_text(here.get("/"))
    assert logged_in(here)
    assert not logged_in(there)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "auth.password_changed", AuditEvent.object_id == str(user.id)))
    assert event.data == {"sessions_ended": 1}


def test_deactivating_a_user_ends_their_sessions(create_user, browser, admin):
    user = create_user(username="siti", full_name="Siti Aminah")
    theirs, admins = browser(), browser()
    log_in(theirs, user)
    log_in(admins, admin)
    response = admins.post(f"/admin/pengguna/{user.id}/ubah", data={
        "username": "siti", "full_name": "Siti Aminah", "roles": ["pegawai"]})  # not active
    assert response.status_code == 302
    assert not logged_in(theirs)
    assert count(UserSession, UserSession.user_id == user.id,
                 UserSession.revoked_reason == "deactivated") == 1


def test_a_password_reset_by_an_admin_ends_the_users_sessions(create_user, browser, admin):
    user = create_user(username="siti", full_name="Siti Aminah")
    theirs, admins = browser(), browser()
    log_in(theirs, user)
    log_in(admins, admin)
    response = admins.post(f"/admin/pengguna/{user.id}/ubah", data={
        "username": "siti", "full_name": "Siti Aminah", "roles": ["pegawai"], "active": "y",
        "password": "kopi-tubruk-2024"})
    assert response.status_code == 302
    assert not logged_in(theirs)
    assert logged_in(admins)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.updated", AuditEvent.object_id == str(user.id)))
    assert event.data["password_reset"] is True and event.data["sessions_ended"] == 1


def test_an_inactive_user_is_logged_out_even_if_no_page_ended_the_session(
        create_user, browser):
    user = create_user()
    theirs = browser()
    log_in(theirs, user)
    user.active = False
    db.session.commit()
    assert not logged_in(theirs)


def test_locking_an_account_ends_its_sessions(app, create_user, browser):
    user = create_user(username="siti")
    theirs, guesser = browser(), browser(CHROME_ANDROID)
    log_in(theirs, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        guesser.post("/masuk", data={"username": "siti", "password": "tebak-tebakan-99"})
    db.session.refresh(user)
    assert user.locked_until is not None
    assert not logged_in(theirs)
    assert "auth.locked" in actions(user)


def test_an_admin_ends_all_sessions_of_a_user(create_user, browser, admin):
    user = create_user(username="siti")
    phone, laptop, admins = browser(CHROME_ANDROID), browser(), browser()
    log_in(phone, user)
    log_in(laptop, user)
    log_in(admins, admin)
    page = page_text(admins.get(f"/admin/pengguna/{user.id}/ubah"))
    assert "2 active session(s)." in page and "End all sessions" in page
    response = admins.post(f"/admin/pengguna/{user.id}/akhiri-sesi")
    assert response.status_code == 302
    assert "2 session(s) of siti ended." in page_text(admins.get(response.headers["Location"]))
    assert not logged_in(phone) and not logged_in(laptop)
    assert logged_in(admins)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.sessions_ended", AuditEvent.object_id == str(user.id)))
    assert event.actor_id == admin.id and event.data == {"sessions_ended": 2}


def test_only_an_admin_may_end_sessions_of_others(create_user, browser):
    user, other = create_user(), create_user()
    theirs, mine = browser(), browser()
    log_in(theirs, user)
    log_in(mine, other)
    assert mine.post(f"/admin/pengguna/{user.id}/akhiri-sesi").status_code == 403
    assert logged_in(theirs)


def test_ending_sessions_of_an_unknown_user_is_not_found(client, as_admin):
    assert client.post("/admin/pengguna/999999/akhiri-sesi").status_code == 404
    assert client.post("/admin/pengguna/99999999999/akhiri-sesi").status_code == 404


# --- The sessions page ------------------------------------------------------------------------

def end(client, which, password: str = TEST_PASSWORD):
    fresh_request()
    return client.post("/akun/sesi", data={"end": str(which), "password": password})


def test_the_sessions_page_lists_my_live_sessions(create_user, browser):
    user, stranger = create_user(), create_user()
    here, phone, old, elsewhere = (browser(), browser(CHROME_ANDROID), browser(),
                                   browser())
    log_in(old, user)
    old.post("/keluar")  # ended: not listed
    log_in(phone, user)
    log_in(here, user)
    log_in(elsewhere, stranger)  # someone else's: not listed
    fresh_request()
    response = here.get("/akun/sesi")
    assert response.status_code == 200
    page = page_text(response)
    assert page.count('name="end" value="') == 2  # the other session and "all others"
    assert f'name="end" value="{session_of(phone).id}"' in page
    assert "Chrome on Android" in page and "Firefox on Linux" in page
    assert page.count("this session") == 1
    assert "End all other sessions" in page
    assert "127.0.0.1" in page


def test_ending_one_of_my_sessions(create_user, browser):
    user = create_user()
    here, phone = browser(), browser(CHROME_ANDROID)
    log_in(phone, user)
    log_in(here, user)
    response = end(here, session_of(phone).id)
    assert response.status_code == 302
    assert "The session has been ended." in page_text(here.get("/akun/sesi"))
    assert not logged_in(phone)
    assert logged_in(here)
    assert "auth.session_ended" in actions(user)


def test_ending_a_session_needs_my_password(app, create_user, browser):
    """Someone who took over one session cannot end the owner's other sessions."""
    user = create_user()
    here, phone = browser(), browser(CHROME_ANDROID)
    log_in(phone, user)
    log_in(here, user)
    response = end(here, "others", password="")
    assert response.status_code == 200
    assert "Type your password to end sessions." in page_text(response)
    response = end(here, session_of(phone).id, password="bukan-sandinya-1")
    assert response.status_code == 200
    assert "The password is wrong." in page_text(response)
    assert logged_in(phone)
    db.session.refresh(user)
    assert user.failed_logins == 1  # counts toward the lock, like a failed login
    assert "auth.password_confirm_failed" in actions(user)


def test_this_session_has_a_log_out_button(create_user, browser):
    user = create_user()
    here = browser()
    log_in(here, user)
    fresh_request()
    page = page_text(here.get("/akun/sesi"))
    assert 'formaction="/keluar"' in page
    assert "End all other sessions" not in page  # nothing else to end


def test_ending_this_session_logs_out(create_user, browser):
    user = create_user()
    here, phone = browser(), browser(CHROME_ANDROID)
    log_in(phone, user)
    log_in(here, user)
    response = end(here, session_of(here).id)
    assert response.headers["Location"] == "/masuk"
    assert not logged_in(here)
    assert logged_in(phone)


def test_ending_all_my_other_sessions(create_user, browser):
    user = create_user()
    here, phone, laptop = browser(), browser(CHROME_ANDROID), browser()
    log_in(phone, user)
    log_in(laptop, user)
    log_in(here, user)
    response = end(here, "others")
    assert response.status_code == 302
    assert "2 other session(s) ended." in page_text(here.get("/akun/sesi"))
    assert not logged_in(phone) and not logged_in(laptop)
    assert logged_in(here)
    assert "auth.sessions_ended" in actions(user)


def test_nobody_ends_a_session_of_someone_else(create_user, browser):
    user, other = create_user(), create_user()
    theirs, mine = browser(), browser()
    log_in(theirs, user)
    log_in(mine, other)
    for which in (session_of(theirs).id, 99999999999, "-1", "semua"):
        assert end(mine, which).status_code == 404, which
    assert logged_in(theirs)


def test_the_sessions_page_needs_a_login(client):
    assert client.get("/akun/sesi").status_code == 302
    assert client.post("/akun/sesi", data={"end": "others"}).status_code == 302


# --- Expiry -----------------------------------------------------------------------------------

def move_back(record: UserSession, **deltas: dt.timedelta) -> None:
    for column, delta in deltas.items():
        setattr(record, column, getattr(record, column) - delta)
    db.session.commit()


def test_last_use_is_written_at_most_once_a_minute(client, create_user, login):
    login(create_user())
    record = session_of(client)
    move_back(record, last_seen_at=dt.timedelta(seconds=30))
    seen = record.last_seen_at
    client.get("/")
    db.session.refresh(record)
    assert record.last_seen_at == seen  # a page read a moment ago writes nothing
    move_back(record, last_seen_at=dt.timedelta(minutes=5))
    client.get("/")
    db.session.refresh(record)
    assert utcnow() - record.last_seen_at < dt.timedelta(seconds=5)


def test_idle_session_expires(app, client, create_user, login):
    login(create_user())
    idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    move_back(session_of(client), last_seen_at=idle + dt.timedelta(seconds=5))
    response = client.get("/organisasi/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")
    assert "organisasi" in response.headers["Location"]
    # Logged out for good, not only for that request.
    response = client.get("/", follow_redirects=True)
    assert EXPIRED in page_text(response)
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_session_used_within_the_idle_limit_stays_open(app, client, create_user, login):
    login(create_user())
    record = session_of(client)
    idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    move_back(record, last_seen_at=idle - dt.timedelta(minutes=1))
    assert client.get("/organisasi/").status_code == 200
    db.session.refresh(record)
    assert utcnow() - record.last_seen_at < dt.timedelta(seconds=5)  # the clock was reset


def test_session_ends_after_its_lifetime_even_when_active(app, client, create_user, login):
    login(create_user())
    lifetime = dt.timedelta(minutes=app.config["SESSION_LIFETIME_MINUTES"])
    move_back(session_of(client), created_at=lifetime + dt.timedelta(seconds=5))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert client.get("/").status_code == 302


def test_expired_and_ended_sessions_are_not_listed(app, create_user, browser):
    user = create_user()
    here, idle = browser(), browser(CHROME_ANDROID)
    log_in(idle, user)
    log_in(here, user)
    move_back(session_of(idle), last_seen_at=dt.timedelta(
        minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    fresh_request()
    page = page_text(here.get("/akun/sesi"))
    assert "Chrome on Android" not in page
    assert "End all other sessions" not in page


def test_old_ended_sessions_are_pruned_at_login(client, create_user, login):
    user = login(create_user())
    old = session_of(client)
    client.post("/keluar")
    old.revoked_at = utcnow() - dt.timedelta(days=31)
    db.session.commit()
    old_hash = old.token_hash
    login(user)
    assert count(UserSession, UserSession.token_hash == old_hash) == 0
    assert count(UserSession, UserSession.user_id == user.id) == 1


# --- Cookie flags -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def production_app(_session_app, app_config):
    """A second app on the same database, with EOFFICE_ENV=production and nothing else."""
    from eoffice import create_app

    return create_app(app_config | {"EOFFICE_ENV": "production"})


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    create_user(username="siti")
    response = client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure_without_a_second_setting(app, production_app,
                                                                create_user):
    create_user(username="siti")
    client = production_app.test_client()
    response = client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-eoffice=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain=" not in cookie and "; Path=/" in cookie
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
