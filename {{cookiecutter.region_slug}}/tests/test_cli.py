"""``flask eoffice`` commands: demo, create-admin, check."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from eoffice.auth.models import User
from eoffice.config import INSECURE_SECRET
from eoffice.demo import DEMO_PASSWORD
from eoffice.extensions import db
from eoffice.org.models import Position, Unit
from eoffice.staff.models import Staff
from eoffice.staff.nip import parse_nip
from eoffice.staff.services import Lookups, clean_staff
from tests.helpers import count


@pytest.fixture
def run(app, tmp_path, monkeypatch):
    """The CLI, with an instance folder of the test's own (the demo makes a region CA)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()

    def _run(*args, **kwargs):
        return runner.invoke(args=["eoffice", *args], **kwargs)

    return _run


def totals() -> tuple[int, int, int, int]:
    return count(Unit), count(Position), count(Staff), count(User)


# --- demo ---------------------------------------------------------------------------------

def test_demo_loads_realistic_data_once(run, client):
    first = run("demo")
    assert first.exit_code == 0, first.output
    after_first = totals()
    units, positions, staff, users = after_first
    assert units >= 10 and positions >= 10 and staff >= 60 and users >= 4

    second = run("demo")
    assert second.exit_code == 0, second.output
    assert totals() == after_first  # nothing added the second time
    assert f"{units} unit, {positions} jabatan, {staff} pegawai" in second.output

    # Every demo record obeys the rules a user's record must obey.
    lookups = Lookups.load()
    for person in db.session.scalars(sa.select(Staff)):
        if person.employment_type == "pns":
            info = parse_nip(person.nip)
            assert (info.gender, info.birth_date) == (person.gender, person.birth_date)
        raw = {column: getattr(person, column) for column in (
            "nip", "pppk_number", "front_title", "name", "back_title", "gender", "birth_place",
            "birth_date", "employment_type", "golongan_code", "jabatan_type", "jabatan_name",
            "unit_id", "phone", "email", "status")}
        clean_staff(raw, lookups, staff_id=person.id)

    # One login per role, printed with its password, and each of them works.
    logins = re.findall(r"^\s+(\S+)\s+(\S+)\s+(.+)$", first.output, re.MULTILINE)
    printed_roles = set()
    for username, password, roles in logins:
        assert password == DEMO_PASSWORD
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user.role_names == set(roles.split(", "))
        printed_roles |= user.role_names
        assert user.staff is not None
        client.post("/keluar")
        response = client.post("/masuk", data={"username": username, "password": password})
        assert response.status_code == 302, username
    assert {"admin", "pencatat", "pimpinan", "pegawai"} <= printed_roles


def test_demo_enrols_the_signatories_so_that_the_demo_signs(run, tmp_path):
    from eoffice.demo import DEMO_CA_PASSPHRASE, DEMO_SIGNERS, DEMO_SIGNING_PASSPHRASE
    from eoffice.signing import ca, sertifikat

    first = run("demo")
    assert first.exit_code == 0, first.output
    assert f"(pimpinan, admin): {DEMO_SIGNING_PASSPHRASE}" in first.output
    assert DEMO_CA_PASSPHRASE in first.output
    assert (tmp_path / "ca" / "ca.pem").exists() and ca.load_ca(DEMO_CA_PASSPHRASE).key
    rows = {}
    for username in DEMO_SIGNERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        row = sertifikat.current_certificate(user)
        assert row.status() == "valid" and ca.NOT_NATIONAL_LABEL in row.subject
        assert sertifikat.decrypt_key(row, DEMO_SIGNING_PASSPHRASE) is not None
        rows[username] = row.id
    second = run("demo")
    assert second.exit_code == 0, second.output
    for username in DEMO_SIGNERS:  # nobody is enrolled twice
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert [c.id for c in sertifikat.certificates_of(user)] == [rows[username]]


def test_demo_leaves_a_region_ca_it_did_not_make(run, tmp_path):
    from eoffice.signing import ca

    ca.init_ca("frasa-ca-milik-dinas")
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "The region CA was not made by the demo" in result.output
    assert ca.list_issued() == []


def test_demo_pimpinan_heads_a_unit(run, client):
    run("demo")
    pimpinan = db.session.scalar(sa.select(User).where(User.username == "pimpinan"))
    assert pimpinan.staff.position is not None and pimpinan.staff.position.is_head


def test_demo_refuses_production(app, run, monkeypatch):
    monkeypatch.setitem(app.config, "EOFFICE_ENV", "production")
    result = run("demo")
    assert result.exit_code != 0
    assert "EOFFICE_ENV=production" in result.output
    assert "--force" in result.output
    assert count(Staff) == 0

    from flask_babel import refresh

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "id")  # a region's default
    refresh()  # the test's app context has cached the English locale
    refused = run("demo")
    assert "data demo akan bercampur dengan data sungguhan" in refused.output, refused.output

    forced = run("demo", "--force")
    assert forced.exit_code == 0, forced.output
    assert count(Staff) >= 60


# --- create-admin -------------------------------------------------------------------------

def test_create_admin(run):
    result = run("create-admin", "--username", "Kepala.TI", "--full-name", "Kepala TI",
                 "--email", "ti@contoh.go.id", "--password", "sandi-admin-2024")
    assert result.exit_code == 0, result.output
    assert "Admin 'kepala.ti' dibuat" in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "kepala.ti"))
    assert user.role_names == {"admin", "pegawai"}
    assert user.email == "ti@contoh.go.id"
    assert check_password_hash(user.password_hash, "sandi-admin-2024")
    assert "sandi-admin-2024" not in user.password_hash


def test_create_admin_asks_for_what_is_missing(run):
    result = run("create-admin", input="operator\nOperator TI\nkopi-tubruk-pagi-2024\n"
                                       "kopi-tubruk-pagi-2024\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.username == "operator")).full_name == \
        "Operator TI"


@pytest.mark.parametrize(("password", "message"), [
    ("pendek-1", "The password must be at least 12 characters long."),
    ("qwerty123456789", "This password is on a list of common or leaked passwords."),
    ("admin-kuat-2024", "The password must not contain the username."),
])
def test_create_admin_refuses_a_weak_password(run, password, message):
    result = run("create-admin", "--username", "admin", "--full-name", "Admin",
                 "--password", password)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output
    assert count(User) == 0


def test_create_admin_refuses_a_taken_username(run, create_user):
    create_user(username="admin")
    result = run("create-admin", "--username", "admin", "--full-name", "Admin",
                 "--password", "sandi-admin-2024")
    assert result.exit_code == 1
    assert "The username admin is already taken." in result.output


# --- check --------------------------------------------------------------------------------

@pytest.fixture
def sound_region(app, tmp_path, monkeypatch):
    """A configuration that passes every check."""
    toml = tmp_path / "region.toml"
    toml.write_text('[region]\nname = "Kabupaten Contoh"\n', encoding="utf-8")
    for key, value in {"REGION_TOML_PATH": str(toml), "REGION_TYPE": "kabupaten",
                       "REGION_CODE": "33.99", "REGION_LOGO": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    return toml


def test_check_passes_on_a_sound_setup(run, sound_region):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "MASALAH" not in result.output
    for line in ("OK      SECRET_KEY terisi", "OK      region.toml ditemukan",
                 "OK      kode wilayah [region] code = '33.99' (sesuai)",
                 "OK      kata sandi 12-128 karakter, skor zxcvbn 3 atau lebih",
                 "OK      basis data terhubung", "OK      skema basis data mutakhir",
                 "Semua pemeriksaan lulus."):
        assert line in result.output


@pytest.mark.parametrize("secret", [INSECURE_SECRET, "terlalu-pendek"])
def test_check_reports_an_insecure_secret_key(app, run, sound_region, monkeypatch, secret):
    monkeypatch.setitem(app.config, "SECRET_KEY", secret)
    result = run("check")
    assert result.exit_code == 1
    assert "MASALAH SECRET_KEY belum diisi atau terlalu pendek" in result.output
    assert "1 masalah ditemukan." in result.output


@pytest.mark.parametrize(("settings", "problem"), [
    ({"REGION_CODE": "3399"}, "MASALAH kode wilayah [region] code = '3399'"),
    ({"REGION_TYPE": "provinsi", "REGION_CODE": "33.99"}, "MASALAH kode wilayah"),
    ({"REGION_TYPE": "kecamatan"}, "MASALAH [region] type = 'kecamatan'"),
    ({"REGION_LOGO": "logo-tidak-ada.png"}, "tidak ditemukan"),
    ({"REGION_TOML_PATH": "/tidak/ada/region.toml"}, "MASALAH region.toml tidak ditemukan"),
    ({"EOFFICE_ENV": "production", "SESSION_COOKIE_SECURE": False},
     "MASALAH [security] secure_cookies = false pada EOFFICE_ENV=production"),
    ({"PASSWORD_MIN_LENGTH": 8}, "MASALAH [security] kata sandi 8-128 karakter"),
    ({"PASSWORD_MAX_LENGTH": 32}, "MASALAH [security] kata sandi 12-32 karakter"),
    ({"PASSWORD_MIN_SCORE": 5}, "MASALAH [security] kata sandi 12-128 karakter, skor 5"),
])
def test_check_reports_configuration_problems(app, run, sound_region, monkeypatch, settings,
                                              problem):
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    result = run("check")
    assert result.exit_code == 1
    assert problem in result.output


def test_commands_are_listed_in_help(run):
    result = run("--help")
    for command in ("create-admin", "demo", "check"):
        assert command in result.output
