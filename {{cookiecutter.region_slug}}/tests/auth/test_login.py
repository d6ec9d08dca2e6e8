"""Logging in and out: one message for every failure, lockout, redirects, stored hashes."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from eoffice.audit import AuditEvent
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.helpers import page_text

FAILED = "Wrong username or password, or the account is locked for a while."


def post_login(client, username, password, **query):
    return client.post("/masuk", query_string=query,
                       data={"username": username, "password": password})


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_renders_a_form(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    text = page_text(response)
    assert 'name="username"' in text and 'name="password"' in text


def test_login_with_the_right_password_opens_the_dashboard(client, create_user):
    user = create_user(username="siti")
    response = post_login(client, "siti", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert user.last_login_at is not None
    assert "auth.login" in actions()


def test_username_is_not_case_sensitive(client, create_user):
    create_user(username="siti")
    assert post_login(client, "  SITI ", TEST_PASSWORD).status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, create_user):
    create_user(username="siti")
    wrong = post_login(client, "siti", "salah-sekali-123")
    unknown = post_login(client, "tidak-ada", "salah-sekali-123")
    assert wrong.status_code == unknown.status_code == 200
    assert FAILED in page_text(wrong)
    assert FAILED in page_text(unknown)
    assert client.get("/").status_code == 302  # still anonymous


def test_empty_form_is_refused_without_a_login(client, create_user):
    create_user(username="siti")
    response = post_login(client, "", "")
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_failed_logins_are_counted_and_audited(client, create_user):
    user = create_user(username="siti")
    post_login(client, "siti", "salah-sekali-123")
    post_login(client, "siti", "salah-sekali-123")
    assert user.failed_logins == 2
    assert actions().count("auth.login_failed") == 2
    post_login(client, "siti", TEST_PASSWORD)
    assert user.failed_logins == 0


def test_account_locks_after_max_failures(app, client, create_user):
    user = create_user(username="siti")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        post_login(client, "siti", "salah-sekali-123")
    assert user.locked_until is None
    post_login(client, "siti", "salah-sekali-123")
    assert user.locked_until is not None
    minutes = (user.locked_until - utcnow()).total_seconds() / 60
    assert app.config["LOGIN_LOCK_MINUTES"] - 1 < minutes <= app.config["LOGIN_LOCK_MINUTES"]

    # Locked: even the right password is refused, with the same message.
    response = post_login(client, "siti", TEST_PASSWORD)
    assert FAILED in page_text(response)
    assert client.get("/").status_code == 302
    assert "auth.login_locked" in actions()

    # Once the lock has run out the right password works again.
    user.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert post_login(client, "siti", TEST_PASSWORD).status_code == 302
    assert user.locked_until is None


def test_lockout_threshold_comes_from_config(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    user = create_user(username="siti")
    post_login(client, "siti", "salah-sekali-123")
    assert user.locked_until is None
    post_login(client, "siti", "salah-sekali-123")
    assert user.locked_until is not None


def test_inactive_user_cannot_log_in(client, create_user):
    user = create_user(username="siti")
    user.active = False
    db.session.commit()
    response = post_login(client, "siti", TEST_PASSWORD)
    assert response.status_code == 200
    assert FAILED in page_text(response)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_an_open_session(client, create_user, login):
    user = login(create_user())
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_passwords_are_stored_salted_and_hashed(app, create_user):
    first = create_user(username="satu")
    second = create_user(username="dua")
    for user in (first, second):
        assert TEST_PASSWORD not in user.password_hash
        assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
        assert check_password_hash(user.password_hash, TEST_PASSWORD)
    assert first.password_hash != second.password_hash
    stored = db.session.scalars(sa.select(sa.text("password_hash")).select_from(
        sa.table("users"))).all()
    assert TEST_PASSWORD not in stored


def test_login_clears_the_previous_session(client, create_user):
    create_user(username="siti")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_login(client, "siti", TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logged_in_user_is_sent_away_from_the_login_page(client, create_user, login):
    login(create_user())
    response = client.get("/masuk")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- After login: ?next= -------------------------------------------------------------

def test_next_inside_the_site_is_followed(client, create_user):
    create_user(username="siti")
    response = post_login(client, "siti", TEST_PASSWORD, next="/organisasi/?semua=1")
    assert response.headers["Location"] == "/organisasi/?semua=1"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "evil.example",
    " //evil.example",
])
def test_next_to_another_site_is_ignored(client, create_user, target):
    create_user(username="siti")
    response = post_login(client, "siti", TEST_PASSWORD, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    # A browser stays on this site: a plain path, no scheme or host, no backslash
    # (browsers read a backslash as "/"), no control character.
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and location.isprintable()


def test_unknown_user_costs_a_hash_with_the_configured_method(app, monkeypatch):
    """No user enumeration by timing: the dummy hash uses the same method as real ones."""
    from eoffice.auth import services

    methods = []
    real = services.generate_password_hash
    monkeypatch.setattr(services, "generate_password_hash",
                        lambda password, method: methods.append(method) or real(password, method))
    with app.test_request_context():
        assert services.authenticate("tidak-ada", "apa saja 123") is None
    assert methods == [app.config["PASSWORD_HASH_METHOD"]]


def test_login_redirect_from_a_protected_page_carries_next(client, create_user):
    create_user(username="siti")
    response = client.get("/organisasi/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/masuk?next=")
    response = client.post(location, data={"username": "siti", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/organisasi/"


# --- Logout ------------------------------------------------------------------------------

def test_logout_is_post_only(client, create_user, login):
    login(create_user())
    assert client.get("/keluar").status_code == 405
    assert client.get("/").status_code == 200  # a GET (e.g. an <img src>) logs nobody out
    response = client.post("/keluar")
    assert response.status_code == 302
    assert response.headers["Location"] == "/masuk"
    assert client.get("/").status_code == 302
    assert "auth.logout" in actions()


def test_logout_keeps_the_chosen_language(client, create_user, login):
    login(create_user())
    client.post("/bahasa", data={"locale": "id"})
    client.post("/keluar")
    with client.session_transaction() as session:
        assert session.get("locale") == "id"
        assert "_user_id" not in session
