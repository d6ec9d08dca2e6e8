"""Changing a password, the password rules, and the forced change after a reset."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from eoffice.audit import AuditEvent
from eoffice.auth import services
from eoffice.extensions import db
from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.helpers import page_text

NEW_PASSWORD = "kopi-tubruk-2024"


def change(client, current, new, confirm=None):
    return client.post("/akun/kata-sandi", data={
        "current": current, "new": new, "confirm": new if confirm is None else confirm})


def test_change_password_needs_login(client):
    response = client.get("/akun/kata-sandi")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_change_password_succeeds(client, create_user, login):
    user = login(create_user(username="siti"))
    old_hash = user.password_hash
    response = change(client, TEST_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert user.password_hash != old_hash
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert user.password_changed_at is not None
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "auth.password_changed", AuditEvent.object_id == str(user.id)))
    client.post("/keluar")
    refused = client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    assert refused.status_code == 200
    accepted = client.post("/masuk", data={"username": "siti", "password": NEW_PASSWORD})
    assert accepted.status_code == 302


def test_wrong_current_password_changes_nothing(client, create_user, login):
    user = login(create_user())
    old_hash = user.password_hash
    response = change(client, "bukan-sandi-lama-1", NEW_PASSWORD)
    assert response.status_code == 200
    assert "The current password is wrong." in page_text(response)
    db.session.refresh(user)
    assert user.password_hash == old_hash


@pytest.mark.parametrize(("new", "message"), [
    ("pendek-1", "The password must be at least 10 characters long."),
    ("hanyahurufsaja", "The password must mix letters with digits or symbols."),
    ("12345678901234", "The password must mix letters with digits or symbols."),
    ("siti-aminah-2024", "The password must not contain the username."),
])
def test_weak_new_password_is_refused(client, create_user, login, new, message):
    user = login(create_user(username="siti-aminah"))
    old_hash = user.password_hash
    response = change(client, TEST_PASSWORD, new)
    assert response.status_code == 200
    assert message in page_text(response)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_repeated_password_must_match(client, create_user, login):
    user = login(create_user())
    old_hash = user.password_hash
    response = change(client, TEST_PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert "The two new passwords differ." in page_text(response)
    assert user.password_hash == old_hash


def test_minimum_length_comes_from_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 16)
    with app.test_request_context():
        assert services.password_problem("kopi-tubruk-24") is not None
        assert services.password_problem("kopi-tubruk-2024-x") is None


def test_must_change_password_is_enforced(client, create_user):
    user = create_user(username="siti", must_change=True)
    response = client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun/kata-sandi"
    # Until the password is changed, other pages lead back to the form.
    for path in ("/", "/organisasi/", "/akun/profil"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/akun/kata-sandi"
    assert client.get("/akun/kata-sandi").status_code == 200
    assert change(client, TEST_PASSWORD, NEW_PASSWORD).status_code == 302
    assert user.must_change_password is False
    assert client.get("/").status_code == 200


def test_user_with_forced_change_can_still_log_out(client, create_user):
    create_user(username="siti", must_change=True)
    client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    response = client.post("/keluar")
    assert response.headers["Location"] == "/masuk"
    assert client.get("/akun/kata-sandi").status_code == 302
