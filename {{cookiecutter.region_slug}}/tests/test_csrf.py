"""CSRF protection as in production: a POST without a token is refused with a friendly page,
and every POST form the app renders carries a token."""

from __future__ import annotations

import pytest

from eoffice.auth.models import User
from eoffice.extensions import db
from eoffice.org.models import Unit
from eoffice.staff.models import Staff
from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.helpers import count, csrf_token_of, forms_of, page_text

EXPIRED_TITLE = "The form expired"


def csrf_login(client, user) -> None:
    token = csrf_token_of(client.get("/masuk"))
    response = client.post("/masuk", data={"username": user.username, "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def assert_friendly_400(response) -> None:
    assert response.status_code == 400
    text = page_text(response)
    assert EXPIRED_TITLE in text
    assert "Back to the dashboard" in text  # the app's error page, not a bare 400
    assert "Traceback" not in text


def test_login_without_token_is_refused(csrf_client, create_user):
    create_user(username="siti")
    response = csrf_client.post("/masuk", data={"username": "siti", "password": TEST_PASSWORD})
    assert_friendly_400(response)
    assert csrf_client.get("/").status_code == 302  # not logged in


def test_login_with_a_forged_token_is_refused(csrf_client, create_user):
    create_user(username="siti")
    csrf_client.get("/masuk")
    response = csrf_client.post("/masuk", data={
        "username": "siti", "password": TEST_PASSWORD, "csrf_token": "forged.token.value"})
    assert_friendly_400(response)


def test_login_with_the_token_works(csrf_client, create_user):
    user = create_user(username="siti")
    csrf_login(csrf_client, user)
    assert csrf_client.get("/").status_code == 200


def test_token_of_another_session_is_refused(csrf_app, csrf_client, create_user):
    create_user(username="siti")
    other = csrf_app.test_client()
    token = csrf_token_of(other.get("/masuk"))
    csrf_client.get("/masuk")
    response = csrf_client.post("/masuk", data={
        "username": "siti", "password": TEST_PASSWORD, "csrf_token": token})
    assert_friendly_400(response)


@pytest.mark.parametrize(("path", "data"), [
    ("/pegawai/baru", {"employment_type": "non_asn", "name": "Tanpa Token", "gender": "L",
                       "status": "aktif"}),
    ("/pegawai/impor", {"mode": "all"}),
    ("/organisasi/unit/baru", {"code": "NOTOKEN", "name": "Tanpa Token", "kind": "opd"}),
    ("/admin/pengguna/baru", {"username": "tanpa-token", "full_name": "Tanpa Token",
                              "password": "sandi-kuat-123", "roles": "pegawai"}),
    ("/akun/kata-sandi", {"current": TEST_PASSWORD, "new": "sandi-baru-123",
                          "confirm": "sandi-baru-123"}),
    ("/keluar", {}),
    ("/bahasa", {"locale": "en"}),
])
def test_post_without_token_is_refused_and_changes_nothing(csrf_client, create_user, path,
                                                          data):
    admin = create_user(username="admin-csrf", roles=["admin"])
    csrf_login(csrf_client, admin)
    old_hash = admin.password_hash
    before = (count(Staff), count(Unit), count(User))

    response = csrf_client.post(path, data=data)

    assert_friendly_400(response)
    assert (count(Staff), count(Unit), count(User)) == before
    db.session.refresh(admin)
    assert admin.password_hash == old_hash
    assert csrf_client.get("/").status_code == 200  # still logged in (also after /keluar)


def test_every_post_form_carries_a_token(csrf_app, csrf_client, create_user, create_unit,
                                         create_staff, create_position):
    """Every GET page without URL arguments, plus the pages of one unit, position, staff
    member and user: each <form method="post"> holds a non-empty csrf_token."""
    unit = create_unit()
    staff = create_staff(unit=unit)
    position = create_position(unit, holder=staff)
    admin = create_user(username="admin-csrf", roles=["admin", "pegawai"], staff=staff)
    csrf_login(csrf_client, admin)

    paths = {f"/pegawai/{staff.id}", f"/pegawai/{staff.id}/ubah",
             f"/organisasi/unit/{unit.id}/ubah", f"/organisasi/jabatan/{position.id}/ubah",
             f"/admin/pengguna/{admin.id}/ubah"}
    for rule in csrf_app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static" \
                and rule.endpoint != "auth.login":
            paths.add(rule.rule)

    core_pages = {"/", "/organisasi/", "/organisasi/unit/baru", "/organisasi/jabatan/baru",
                  "/pegawai/", "/pegawai/baru", "/pegawai/impor", "/admin/pengguna",
                  "/admin/pengguna/baru", "/admin/audit", "/akun/profil", "/akun/kata-sandi"}
    assert core_pages <= paths
    checked = set()
    for path in sorted(paths):
        with csrf_client.get(path) as response:
            if path in core_pages:
                assert response.status_code == 200, path
            # 401/403: an API without a token, a page admins may not use
            assert response.status_code in (200, 401, 403), path
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            forms = forms_of(response)
        checked.add(path)
        post_forms = [form for form in forms if form["method"] == "post"]
        # The language and logout forms of the layout at least.
        assert {"/bahasa", "/keluar"} <= {form["action"] for form in post_forms}, path
        for form in post_forms:
            assert form["inputs"].get("csrf_token"), f"{path}: form {form['action']}"
    assert core_pages | {f"/pegawai/{staff.id}"} <= checked

    anonymous = csrf_app.test_client()
    login_forms = [f for f in forms_of(anonymous.get("/masuk")) if f["method"] == "post"]
    assert login_forms and all(f["inputs"].get("csrf_token") for f in login_forms)
