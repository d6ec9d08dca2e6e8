"""Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_LIFETIME_MINUTES
after login, whatever the user does in between."""

from __future__ import annotations

import time

from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.helpers import page_text

EXPIRED = "Your session expired. Please log in again."


def set_session(client, **values):
    with client.session_transaction() as session:
        session.update(values)


def test_session_records_when_it_was_last_used(client, create_user, login):
    login(create_user())
    before = int(time.time())
    client.get("/")
    with client.session_transaction() as session:
        assert before <= session["last_seen"] <= int(time.time())


def test_idle_session_expires(app, client, create_user, login):
    login(create_user())
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    set_session(client, last_seen=int(time.time()) - idle - 5)
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
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    set_session(client, last_seen=int(time.time()) - idle + 60)
    assert client.get("/organisasi/").status_code == 200
    with client.session_transaction() as session:
        assert session["last_seen"] >= int(time.time()) - 5  # the clock was reset


def test_session_ends_after_its_lifetime_even_when_active(app, client, create_user, login):
    login(create_user())
    with client.session_transaction() as session:
        assert "login_at" in session
    lifetime = app.config["SESSION_LIFETIME_MINUTES"] * 60
    set_session(client, login_at=int(time.time()) - lifetime - 5, last_seen=int(time.time()))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    create_user(username="siti")
    response = client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
