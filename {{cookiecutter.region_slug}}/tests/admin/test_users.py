"""User administration: accounts, roles, the link to a staff record, password resets."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from eoffice import audit
from eoffice.auth.models import User
from eoffice.extensions import db
from tests.helpers import count, page_text

NIP_SITI = "198502152010122001"


def user_form(**values) -> dict:
    return {"username": "siti", "full_name": "Siti Aminah", "email": "siti@contoh.go.id",
            "staff_number": "", "roles": ["pegawai"], "active": "y",
            "password": "sandi-awal-2024"} | values


def find(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_admin_creates_a_user_linked_to_a_staff_record(client, create_staff, as_admin):
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI)
    db.session.commit()
    response = client.post("/admin/pengguna/baru", data=user_form(
        staff_number="19850215 201012 2 001", roles=["pegawai", "pimpinan"]))
    assert response.status_code == 302
    user = find("siti")
    assert user.staff_id == siti.id
    assert user.role_names == {"pegawai", "pimpinan"}
    assert user.must_change_password is True  # the admin knows it: the user must change it
    assert check_password_hash(user.password_hash, "sandi-awal-2024")
    assert audit.events_for("users", user.id)[0].data == {"roles": ["pegawai", "pimpinan"]}


def test_new_user_needs_a_good_password(client, as_admin):
    response = client.post("/admin/pengguna/baru", data=user_form(password=""))
    assert "A new user needs a password." in page_text(response)
    response = client.post("/admin/pengguna/baru", data=user_form(password="pendek"))
    assert "The password must be at least 12 characters long." in page_text(response)
    response = client.post("/admin/pengguna/baru", data=user_form(password="qwerty123456"))
    assert "This password is on a list of common or leaked passwords." in page_text(response)
    assert find("siti") is None


def test_unknown_or_taken_staff_number_is_refused(client, create_staff, create_user,
                                                  as_admin):
    response = client.post("/admin/pengguna/baru", data=user_form(staff_number=NIP_SITI))
    assert "No staff member has that NIP or PPPK number." in page_text(response)
    siti = create_staff(nip=NIP_SITI)
    create_user(username="pemilik", staff=siti)
    response = client.post("/admin/pengguna/baru", data=user_form(staff_number=NIP_SITI))
    assert "That staff record is already linked to user pemilik." in page_text(response)
    assert find("siti") is None


def test_duplicate_username_is_refused(client, create_user, as_admin):
    create_user(username="siti")
    before = count(User)
    response = client.post("/admin/pengguna/baru", data=user_form(username="SITI"))
    assert "The username siti is already taken." in page_text(response)
    assert count(User) == before


def test_password_reset_forces_a_change(client, create_user, as_admin):
    user = create_user(username="siti", roles=["pegawai"])
    response = client.post(f"/admin/pengguna/{user.id}/ubah", data=user_form(
        roles=["pegawai", "pencatat"], password="sandi-reset-2024"))
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role_names == {"pegawai", "pencatat"}
    assert user.must_change_password is True
    assert check_password_hash(user.password_hash, "sandi-reset-2024")


def test_edit_without_password_keeps_it(client, create_user, as_admin):
    user = create_user(username="siti")
    old_hash = user.password_hash
    client.post(f"/admin/pengguna/{user.id}/ubah", data=user_form(password="", active=""))
    db.session.refresh(user)
    assert (user.password_hash, user.active, user.must_change_password) == (old_hash, False,
                                                                            False)


def test_admin_cannot_lock_themselves_out(client, admin, login):
    login(admin)
    for data in (user_form(username=admin.username, roles=["pegawai"]),
                 user_form(username=admin.username, roles=["admin"], active="")):
        response = client.post(f"/admin/pengguna/{admin.id}/ubah", data=data)
        assert "You cannot remove your own admin role or deactivate yourself." in \
            page_text(response)
        db.session.refresh(admin)
        assert admin.active and admin.has_role("admin")


def test_users_list_search(client, create_user, as_admin):
    create_user(username="siti", full_name="Siti Aminah")
    create_user(username="budi", full_name="Budi Santoso")
    text = page_text(client.get("/admin/pengguna?q=aminah"))
    assert "Siti Aminah" in text and "Budi Santoso" not in text


def test_new_user_form_does_not_speak_of_a_current_password(client, create_user, as_admin):
    """A new user has no password to keep: the form asks for one; editing explains
    that an empty field keeps it."""
    new = page_text(client.get("/admin/pengguna/baru"))
    assert "keep the current password" not in new
    assert "Required. The user must change it at the first login." in new
    user = create_user("kept", roles=["pegawai"])
    edit = page_text(client.get(f"/admin/pengguna/{user.id}/ubah"))
    assert "Leave empty to keep the current password." in edit


def test_users_list_shows_each_users_position(client, create_unit, create_staff,
                                              create_position, create_user, as_admin):
    unit = create_unit(name="Bidang Aptika")
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI, unit=unit)
    create_position(unit, "Kepala Bidang Aptika", holder=siti)
    create_user("siti", full_name="Siti Aminah", staff=siti)
    create_user("tanpa", full_name="Tanpa Jabatan")
    db.session.commit()
    text = page_text(client.get("/admin/pengguna"))
    assert "<th>Position</th>" in text
    row = text.split("<td>siti</td>", 1)[1].split("</tr>", 1)[0]
    assert "Kepala Bidang Aptika" in row and "Bidang Aptika" in row
    row = text.split("<td>tanpa</td>", 1)[1].split("</tr>", 1)[0]
    assert "No staff record linked" in row


def test_staff_picker_suggests_unlinked_staff_by_name_or_nip(client, create_staff,
                                                             create_user, as_admin):
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI, jabatan_name="Pranata Komputer")
    taken = create_staff(name="Siti Rahma")
    create_user("rahma", staff=taken)
    db.session.commit()
    found = client.get("/admin/pengguna/pegawai.json?q=siti").get_json()
    assert [s["name"] for s in found] == ["Siti Aminah"]  # Siti Rahma has an account
    assert found[0]["number"] == "19850215 201012 2 001"
    assert "Pranata Komputer" in found[0]["label"]
    assert client.get("/admin/pengguna/pegawai.json?q=1985021").get_json()[0]["name"] == \
        siti.name
    assert client.get("/admin/pengguna/pegawai.json?q=s").get_json() == []  # too short
    assert client.get("/admin/pengguna/pegawai.json?q=%00x").status_code in (200, 400)
    form = page_text(client.get("/admin/pengguna/baru"))
    assert 'list="staff-suggestions"' in form and 'data-eo-staff-picker' in form
    assert '<datalist id="staff-suggestions">' in form and "staff-picker.js" in form


def test_staff_picker_is_for_user_administrators_only(client, create_user, login):
    login(create_user("biasa", roles=["pegawai"]))
    assert client.get("/admin/pengguna/pegawai.json?q=siti").status_code == 403
