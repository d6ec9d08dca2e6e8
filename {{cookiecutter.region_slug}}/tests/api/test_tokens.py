"""API tokens: stored hashed, shown once, revocable, scoped; cookies never authenticate."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from tests.helpers import csrf_token_of, page_text


def test_only_the_hash_is_stored_and_the_secret_works(app, api, office, make_token):
    from eoffice.api.models import ApiToken
    from eoffice.extensions import db

    secret = make_token(office.users["clerk"])
    token = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
    assert secret.startswith("eo_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.prefix, token.name}
    assert token.last_used_at is None
    me = api.get("/me", secret)
    assert me.status_code == 200
    assert me.get_json()["user"]["username"] == "clerk"
    assert "letters.register" in me.get_json()["permissions"]
    db.session.expire_all()
    assert token.last_used_at is not None


def test_missing_wrong_revoked_and_expired_tokens_get_401(app, api, office, make_token):
    from eoffice.api.models import ApiToken
    from eoffice.api.services import revoke_token
    from eoffice.db import utcnow
    from eoffice.extensions import db

    assert api.get("/letters").status_code == 401
    assert api.get("/letters").headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/letters", "eo_wrong").status_code == 401
    assert api.get("/letters", headers={"Authorization": "Basic abc"}).status_code == 401
    secret = make_token(office.users["clerk"])
    assert api.get("/letters", secret).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
    revoke_token(token, actor=office.users["admin"])
    db.session.commit()
    response = api.get("/letters", secret)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
    expiring = make_token(office.users["clerk"], expires_at=utcnow() + dt.timedelta(hours=1))
    assert api.get("/letters", expiring).status_code == 200
    late = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
    late.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert api.get("/letters", expiring).status_code == 401


def test_a_personal_token_dies_with_its_user(app, api, office, make_token):
    from eoffice.extensions import db

    secret = make_token(office.users["kadis"])
    office.users["kadis"].active = False
    db.session.commit()
    response = api.get("/me", secret)
    assert response.status_code == 401
    assert response.get_json()["error"] == "account_unavailable"
    assert "deactivated or locked" in response.get_json()["message"]


def test_a_personal_token_is_refused_while_its_user_is_locked(app, api, office, make_token):
    from eoffice.auth.services import count_failed_password
    from eoffice.db import utcnow
    from eoffice.extensions import db

    kadis = office.users["kadis"]
    secret = make_token(kadis)
    assert api.get("/me", secret).status_code == 200
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        count_failed_password(kadis)  # wrong passwords at login or when signing
    db.session.commit()
    response = api.get("/letters", secret)
    assert response.status_code == 401
    assert response.get_json()["error"] == "account_unavailable"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    kadis.locked_until = utcnow() - dt.timedelta(seconds=1)  # the lock has run out
    db.session.commit()
    assert api.get("/me", secret).status_code == 200


def test_system_scopes_grant_only_what_they_name(app, api, office, register, make_token):
    staff_reader = make_token(scopes=["staff:read"])
    assert api.get("/staff", staff_reader).status_code == 200
    assert api.get("/letters", staff_reader).status_code == 403
    assert api.get("/org/units", staff_reader).status_code == 403
    org_reader = make_token(scopes=["org:read"])
    assert api.get("/org/units", org_reader).status_code == 200
    assert api.get("/classifications", org_reader).status_code == 200
    assert api.get("/staff", org_reader).status_code == 403
    letters = make_token(scopes=["letters:read"])
    assert api.post("/letters", letters, json={}).status_code == 403
    me = api.get("/me", letters).get_json()
    assert me["user"] is None and me["token"]["scopes"] == ["letters:read"]
    assert me["permissions"] == ["letters.view"]


def test_system_token_reads_all_staff_but_a_head_only_his_units(app, api, office, make_token):
    from eoffice.extensions import db
    from eoffice.staff.models import Staff

    everyone = db.session.scalar(sa.select(sa.func.count()).select_from(Staff))
    system = api.get("/staff?per_page=100", make_token(scopes=["staff:read"])).get_json()
    assert system["total"] == everyone
    head = api.get("/staff?per_page=100", make_token(office.users["kabid_a"])).get_json()
    units = {item["unit"]["id"] for item in head["items"] if item["unit"]}
    assert units == {office.bidang_a.id}
    other = db.session.scalar(sa.select(Staff).where(Staff.unit_id == office.other.id))
    assert api.get(f"/staff/{other.id}", make_token(office.users["kabid_a"])).status_code == 404
    # everyone sees their own record (profile.view), like the pages
    own = office.users["staf_a"].staff_id
    assert api.get(f"/staff/{own}", make_token(office.users["staf_a"])).status_code == 200


def test_cookie_sessions_cannot_use_the_api(app, client, login, csrf_client, office):
    """A browser session never authenticates an API call, so a forged cross-site POST
    (which carries cookies but no token) cannot act, with or without a CSRF token."""
    login(office.users["clerk"])
    assert client.get("/api/v1/letters").status_code == 401
    response = client.post("/api/v1/letters", json={"sender": "x"})
    assert response.status_code == 401
    page = csrf_client.get("/masuk")
    csrf_client.post("/masuk", data={"username": "clerk", "password": "rahasia-uji-123",
                                     "csrf_token": csrf_token_of(page)})
    assert csrf_client.get("/").status_code == 200  # logged in
    token = csrf_token_of(csrf_client.get("/akun/token-api"))
    forged = csrf_client.post("/api/v1/letters", json={"sender": "x"},
                              headers={"X-CSRFToken": token})
    assert forged.status_code == 401


def test_token_pages_show_the_secret_once_and_revoke(app, client, login, api, office):
    from eoffice.api.models import ApiToken
    from eoffice.extensions import db

    login(office.users["staf_a"])
    page = client.post("/akun/token-api", data={"name": "Skrip laporan"})
    assert page.status_code == 200
    text = page_text(page)
    secret = text.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("eo_")
    assert api.get("/me", secret).status_code == 200
    again = page_text(client.get("/akun/token-api"))
    assert secret not in again and "Skrip laporan" in again
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "Skrip laporan"))
    # someone else cannot revoke it
    login(office.users["kabid_a"])
    assert client.post(f"/akun/token-api/{token.id}/cabut").status_code == 404
    login(office.users["staf_a"])
    assert client.post(f"/akun/token-api/{token.id}/cabut").status_code == 302
    assert api.get("/me", secret).status_code == 401
    # system tokens: administrators only
    assert client.get("/admin/token-sistem").status_code == 403
    login(office.users["admin"])
    page = client.post("/admin/token-sistem", data={"name": "SIMPEG", "scopes": ["staff:read"]})
    secret = page_text(page).split('id="token-secret">')[1].split("<")[0]
    assert api.get("/staff", secret).status_code == 200
    empty = client.post("/admin/token-sistem", data={"name": "Tanpa cakupan"})
    assert "token-secret" not in page_text(empty)


def test_cli_creates_lists_and_revokes(app, api, office):
    from eoffice.extensions import db

    runner = app.test_cli_runner()
    result = runner.invoke(args=["eoffice", "token", "create", "--name", "Dasbor",
                                 "--scope", "org:read", "--days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert api.get("/org/units", secret).status_code == 200
    listing = runner.invoke(args=["eoffice", "token", "list"]).output
    assert "Dasbor" in listing and secret not in listing
    token_id = [line.split()[0] for line in listing.splitlines() if "Dasbor" in line][0]
    assert runner.invoke(args=["eoffice", "token", "revoke", token_id]).exit_code == 0
    db.session.expire_all()
    assert api.get("/org/units", secret).status_code == 401
    personal = runner.invoke(args=["eoffice", "token", "create", "--name", "Saya", "--user",
                                   "clerk"])
    assert api.get("/me", personal.output.strip().splitlines()[-1]).status_code == 200
    bad = runner.invoke(args=["eoffice", "token", "create", "--name", "X", "--scope", "root"])
    assert bad.exit_code != 0 and "scope" in bad.output.lower()
