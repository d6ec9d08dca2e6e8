"""Changing a password, the password rules, and the forced change after a reset."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from eoffice.audit import AuditEvent
from eoffice.auth import passwords, services
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


TOO_SHORT = "The password must be at least 12 characters long."
TOO_LONG = "The password must be at most 128 characters long."
COMMON = "This password is on a list of common or leaked passwords. Choose another."
USERNAME = "The password must not contain the username."
PERSONAL = "The password must not contain the user's name or email address."
GUESSABLE = "This password is too easy to guess"


@pytest.mark.parametrize(("new", "message"), [
    ("sandi12345", TOO_SHORT),
    ("kopi-tubr-2", TOO_SHORT),  # 11 characters
    ("password1234", COMMON),
    ("qwerty123456", COMMON),
    ("Password1234", COMMON),  # the list is compared without case
    ("1q2w3e4r5t6y", COMMON),
    ("qwertyuiopas", GUESSABLE),  # a keyboard row
    ("123456789012", GUESSABLE),  # a sequence
    ("sandisandisandi1", GUESSABLE),  # a repeat of this application's own word
    ("siti-aminah-2024", USERNAME),
    ("kopi-aminah-2024", PERSONAL),  # part of the full name
    ("SitiAminahKopi!", PERSONAL),
    ("aminah.s-kopi-77", PERSONAL),
    ("x" * 129, TOO_LONG),
])
def test_weak_new_password_is_refused(client, create_user, login, new, message):
    user = login(create_user(username="siti-aminah", full_name="Siti Aminah",
                             email="aminah.s@contoh.go.id"))
    old_hash = user.password_hash
    response = change(client, TEST_PASSWORD, new)
    assert response.status_code == 200
    assert message in page_text(response)
    db.session.refresh(user)
    assert user.password_hash == old_hash


@pytest.mark.parametrize("new", [
    "hanyahurufsajapanjang",  # letters only: no composition rules (ASVS 2.1.9)
    "kopi tubruk di warung",  # spaces are fine
    "Rendang-Padang-99",
    "kata-kata-mutiara-bahasa-indonesia-yang-panjang-sekali-64-huruf!",  # 64 characters
    "p" + "enjang-kalimat-" * 8 + "akhir",  # 126 characters
    "sáya-suka-kopi-☕-pagi",  # any Unicode character
])
def test_long_passphrases_without_composition_rules_are_accepted(client, create_user, login,
                                                                  new):
    user = login(create_user(username="siti-aminah", full_name="Siti Aminah"))
    response = change(client, TEST_PASSWORD, new)
    assert response.status_code == 302, page_text(response)
    assert check_password_hash(user.password_hash, new)


def test_a_long_password_is_estimated_from_its_start(app):
    """The estimate's cost grows with the square of the length: the first 48 characters
    are scored, and a long password with an easy start is refused."""
    import time

    with app.test_request_context():
        started = time.perf_counter()
        assert passwords.check_password("kopi-tubruk-" + "a1b2c3d4" * 14).ok  # 124 chars
        assert time.perf_counter() - started < 2
        assert passwords.check_password("qwertyuiop" * 5 + "Xk9#mPq2!vL").rule == "guessable"


def test_the_common_passwords_come_from_zxcvbn(app):
    from eoffice.auth.passwords import common_passwords

    common = common_passwords()
    assert len(common) > 25000
    assert {"password1234", "qwerty123456", "123456789"} <= common


def test_the_default_rules_meet_asvs(app):
    assert app.config["PASSWORD_MIN_LENGTH"] >= 12
    assert app.config["PASSWORD_MAX_LENGTH"] >= 64


def test_demo_and_test_passwords_meet_the_rules(app):
    from eoffice.demo import DEMO_PASSWORD, USERS

    with app.test_request_context():
        assert services.password_problem(TEST_PASSWORD) is None
        for username, _position, _roles in USERS:
            assert passwords.check_password(DEMO_PASSWORD, username=username,
                                            full_name="Budi Santoso").ok, username


def test_a_password_that_fails_todays_rules_is_changed_at_the_next_login(client, create_user):
    """Accounts from before the rules keep working, but must choose a new password."""
    user = create_user(username="siti")
    user.password_hash = generate_password_hash("password1234", method="pbkdf2:sha256:1000")
    db.session.commit()
    response = client.post("/masuk", data={"username": "siti", "password": "password1234"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun/kata-sandi"
    assert client.get("/organisasi/").headers["Location"] == "/akun/kata-sandi"
    db.session.refresh(user)
    assert user.must_change_password is True
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "auth.password_rules_failed", AuditEvent.object_id == str(user.id)))
    assert event.data == {"rule": "common"}
    assert change(client, "password1234", NEW_PASSWORD).status_code == 302
    assert client.get("/organisasi/").status_code == 200


def test_a_good_password_is_not_asked_to_change(client, create_user, login):
    user = login(create_user())
    assert user.must_change_password is False
    assert client.get("/organisasi/").status_code == 200


# --- The strength meter ---------------------------------------------------------------------

def strength(client, password: str) -> dict:
    response = client.post("/akun/kata-sandi/periksa", data={"password": password})
    assert response.status_code == 200
    return response.get_json()


def test_the_strength_meter_applies_the_server_rules(client, create_user, login):
    login(create_user(username="siti", full_name="Siti Aminah"))
    assert strength(client, "") == {"score": 0, "ok": False, "message": None}
    common = strength(client, "password1234")
    assert common["ok"] is False and common["message"] == COMMON
    assert strength(client, "aminah-kopi-2024")["message"] == PERSONAL
    weak = strength(client, "qwertyuiopas")
    assert weak["ok"] is False and weak["score"] < 3
    good = strength(client, "kopi tubruk di warung")
    assert good == {"score": good["score"], "ok": True, "message": None} and good["score"] >= 3
    assert strength(client, "x" * 5000)["message"] == TOO_LONG


def test_the_strength_meter_needs_a_login(client):
    response = client.post("/akun/kata-sandi/periksa", data={"password": "apa saja"})
    assert response.status_code == 302


def test_the_strength_meter_works_while_the_password_must_change(client, create_user):
    create_user(username="siti", must_change=True)
    client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    assert strength(client, "password1234")["ok"] is False


def test_the_change_page_loads_the_meter_from_a_static_file(client, create_user, login):
    login(create_user())
    page = client.get("/akun/kata-sandi").get_data(as_text=True)
    assert 'id="password-meter"' in page
    assert 'data-url="/akun/kata-sandi/periksa"' in page
    script = re.search(r'<script src="(/static/js/password-meter\.js\?v=\w+)"></script>', page)
    assert script, "the meter's script is a versioned static file"
    content = page[page.index("<main"):page.index("</main>")]  # no inline code (CSP)
    assert "<script" not in content and "<style" not in content and "style=" not in content
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", content)
    served = client.get(script.group(1))
    assert served.status_code == 200
    assert b"/akun/kata-sandi/periksa" not in served.data  # the URL comes from the page


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
