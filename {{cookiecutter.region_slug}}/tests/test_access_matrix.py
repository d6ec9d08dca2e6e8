"""Who may open what: every (role, route) cell, guessed IDs, and object-level scope.

Expected statuses: 302 (to /masuk) for anonymous visitors, 403 for a role without the
permission, 404 for an object outside the user's scope (its existence is not revealed),
200 when allowed.

The world: DISKOMINFO with its bidang APTIKA, and DINKES. The pimpinan holds the head
position of DISKOMINFO; the pegawai's own record is in APTIKA; ``target`` is another
member of APTIKA and ``stranger`` works at DINKES.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest

from eoffice.plugins.manager import loaded_plugins
from tests.helpers import page_text

ROLES = ("anonymous", "admin", "pencatat", "pimpinan", "pegawai")
MISSING = 999999

# path template: expected status for admin, pencatat, pimpinan, pegawai (anonymous: 302)
MATRIX = {
    "/": (200, 200, 200, 200),
    "/organisasi/": (200, 200, 200, 200),
    "/organisasi/unit/baru": (200, 403, 403, 403),
    "/organisasi/unit/{unit}/ubah": (200, 403, 403, 403),
    "/organisasi/jabatan/baru": (200, 403, 403, 403),
    "/organisasi/plt": (200, 403, 403, 403),
    "/pegawai/": (200, 403, 200, 403),
    "/pegawai/baru": (200, 403, 403, 403),
    "/pegawai/{target}": (200, 404, 200, 404),
    "/pegawai/{target}/ubah": (200, 403, 403, 403),
    "/pegawai/{own}": (200, 404, 200, 200),
    "/pegawai/{stranger}": (200, 404, 404, 404),
    "/pegawai/ekspor.csv": (200, 403, 200, 403),
    "/pegawai/ekspor.xlsx": (200, 403, 200, 403),
    "/pegawai/impor": (200, 403, 403, 403),
    "/pegawai/templat-impor.csv": (200, 403, 403, 403),
    "/admin/pengguna": (200, 403, 403, 403),
    "/admin/pengguna/baru": (200, 403, 403, 403),
    "/admin/pengguna/{pegawai_user}/ubah": (200, 403, 403, 403),
    "/admin/audit": (200, 403, 403, 403),
    "/admin/audit?verify=1": (200, 403, 403, 403),
    "/admin/akar-tepercaya": (200, 403, 403, 403),
    "/admin/naskah/": (200, 403, 403, 403),
    "/admin/naskah/baru": (200, 403, 403, 403),
    "/admin/naskah/1": (200, 403, 403, 403),  # a type seeded by the migration
    "/admin/penerima/": (200, 403, 403, 403),
    "/admin/penerima/grup/baru": (200, 403, 403, 403),
    "/admin/penerima/kontak/baru": (200, 403, 403, 403),
    "/surat-keluar/penerima/cari?q=kepala": (403, 200, 200, 200),  # drafters only
    "/akun/profil": (200, 200, 200, 200),
    "/akun/kata-sandi": (200, 200, 200, 200),
    "/lokal/rekap-pegawai/": (200, 403, 200, 403),
    # Pemberkasan: clerks and heads see their units' berkas; clerks open them; the
    # retention pages are the arsiparis's (tests/archive/test_berkas.py: object scope).
    "/pemberkasan/": (403, 200, 200, 403),
    "/pemberkasan/?format=csv": (403, 200, 200, 403),
    "/pemberkasan/?format=xlsx": (403, 200, 200, 403),
    "/pemberkasan/baru": (403, 200, 403, 403),
    "/pemberkasan/laporan": (403, 200, 200, 403),
    "/pemberkasan/retensi": (403, 403, 403, 403),
    f"/pemberkasan/{MISSING}": (403, 404, 404, 403),
    f"/pemberkasan/{MISSING}?format=csv": (403, 404, 404, 403),
    f"/pemberkasan/berita-acara/{MISSING}": (403, 403, 403, 403),
    # Guessed IDs: nothing there, and no hint to those who may not look anyway.
    f"/pegawai/{MISSING}": (404, 404, 404, 404),
    f"/pegawai/{MISSING}/ubah": (404, 403, 403, 403),
    f"/organisasi/unit/{MISSING}/ubah": (404, 403, 403, 403),
    f"/organisasi/jabatan/{MISSING}/ubah": (404, 403, 403, 403),
    f"/admin/pengguna/{MISSING}/ubah": (404, 403, 403, 403),
    f"/admin/naskah/{MISSING}": (404, 403, 403, 403),
    f"/admin/penerima/grup/{MISSING}": (404, 403, 403, 403),
    f"/admin/penerima/kontak/{MISSING}": (404, 403, 403, 403),
}

# POSTs that change data: only the admin gets past the permission check.
POSTS = ["/pegawai/baru", "/pegawai/{target}/ubah", "/pegawai/impor", "/organisasi/unit/baru",
         "/organisasi/jabatan/baru", "/organisasi/plt", "/admin/pengguna/baru",
         "/admin/pengguna/{pegawai_user}/ubah", "/admin/akar-tepercaya", "/admin/naskah/baru",
         "/admin/naskah/1", "/admin/naskah/1/kewenangan",
         "/admin/naskah/6/kewenangan/1/hapus",  # 6: keputusan (seeded), 1: its rule
         "/admin/penerima/grup/baru", "/admin/penerima/kontak/baru"]


@dataclass
class World:
    ids: dict[str, int]
    users: dict[str, object]
    staff: dict[str, object]


@pytest.fixture
def world(create_unit, create_staff, create_position, create_user) -> World:
    kominfo = create_unit(code="DISKOMINFO", name="Dinas Kominfo")
    aptika = create_unit(code="APTIKA", name="Bidang Aptika", kind="bidang", parent=kominfo)
    dinkes = create_unit(code="DINKES", name="Dinas Kesehatan")
    staff = {
        "head": create_staff(name="Kepala Kominfo", unit=kominfo, golongan_code="IV/c"),
        "own": create_staff(name="Pegawai Sendiri", unit=aptika),
        "target": create_staff(name="Rekan Aptika", unit=aptika),
        "stranger": create_staff(name="Orang Dinkes", unit=dinkes),
    }
    create_position(kominfo, "Kepala Dinas", holder=staff["head"], is_head=True,
                    jabatan_type="jpt")
    users = {
        "admin": create_user(username="admin", roles=["admin"]),
        "pencatat": create_user(username="pencatat", roles=["pencatat"]),
        "pimpinan": create_user(username="pimpinan", roles=["pimpinan"], staff=staff["head"]),
        "pegawai": create_user(username="pegawai", roles=["pegawai"], staff=staff["own"]),
    }
    ids = {"unit": kominfo.id, "dinkes": dinkes.id, "pegawai_user": users["pegawai"].id,
           **{name: person.id for name, person in staff.items()}}
    assert set(ids) == set(ID_NAMES)
    return World(ids, users, staff)


ID_NAMES = ("unit", "dinkes", "pegawai_user", "head", "own", "target", "stranger")


def visit(request, client, role: str, method: str, template: str):
    """Open ``template`` as ``role``. Anonymous visitors are turned away before any
    lookup, so they need no world (any ID will do)."""
    if template.startswith("/lokal/rekap-pegawai") and \
            "local.plugins.example" not in loaded_plugins(client.application):
        pytest.skip("the example plugin is not in this region")
    if role == "anonymous":
        ids = dict.fromkeys(ID_NAMES, 1)
    else:
        world = request.getfixturevalue("world")
        request.getfixturevalue("login")(world.users[role])
        ids = world.ids
    path = template.format(**ids)
    return client.open(path, method=method, data={} if method == "POST" else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("template", list(MATRIX))
def test_get_matrix(request, client, role, template):
    response = visit(request, client, role, "GET", template)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk?next=")
    else:
        expected = MATRIX[template][ROLES.index(role) - 1]
        assert response.status_code == expected, f"{role} GET {template}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("template", POSTS)
def test_post_matrix(request, client, role, template):
    response = visit(request, client, role, "POST", template)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk")
    elif role == "admin":
        assert response.status_code in (200, 302)  # the form, with its errors
    else:
        assert response.status_code == 403, f"{role} POST {template}"


# --- Object-level scope -------------------------------------------------------------------

def listed_names(response) -> set[str]:
    assert response.status_code == 200
    table = page_text(response).split('id="staff-table"', 1)[1]
    return {name for name in ("Kepala Kominfo", "Pegawai Sendiri", "Rekan Aptika",
                              "Orang Dinkes") if name in table}


INSIDE = {"Kepala Kominfo", "Pegawai Sendiri", "Rekan Aptika"}


def test_pimpinan_lists_their_unit_and_sub_units_only(client, login, world):
    login(world.users["pimpinan"])
    assert listed_names(client.get("/pegawai/")) == INSIDE
    # Filters narrow the scope; they never widen it.
    assert listed_names(client.get(f"/pegawai/?unit_id={world.ids['dinkes']}")) == set()
    stranger_nip = world.staff["stranger"].nip
    assert listed_names(client.get(f"/pegawai/?q={stranger_nip}")) == set()


def test_pimpinan_exports_only_their_scope(client, login, world):
    login(world.users["pimpinan"])
    body = client.get("/pegawai/ekspor.csv").get_data(as_text=True).lstrip("\ufeff")
    assert {row[3] for row in list(csv.reader(io.StringIO(body)))[1:]} == INSIDE
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/pegawai/ekspor.xlsx").data))
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert {row[3] for row in rows} == INSIDE
    body = client.get(f"/pegawai/ekspor.csv?unit_id={world.ids['dinkes']}").get_data(
        as_text=True).lstrip("\ufeff")
    assert len(list(csv.reader(io.StringIO(body)))) == 1  # the header only


def test_pimpinan_dashboard_counts_their_scope(client, login, world):
    login(world.users["pimpinan"])
    text = page_text(client.get("/"))
    card = re.search(r"Active staff</div>\s*<div class=\"eo-card-value\">(\d+)</div>", text)
    assert card and int(card.group(1)) == 3  # DISKOMINFO and APTIKA, not DINKES


def test_pimpinan_without_a_position_sees_only_their_own_record(client, login, world,
                                                               create_user, create_staff):
    lone = create_staff(name="Pimpinan Tanpa Jabatan")
    user = create_user(username="lone", roles=["pimpinan"], staff=lone)
    login(user)
    response = client.get("/pegawai/")
    assert "Pimpinan Tanpa Jabatan" in page_text(response)
    assert listed_names(response) == set()
    assert client.get(f"/pegawai/{world.ids['target']}").status_code == 404


def test_admin_sees_everyone(client, login, world):
    login(world.users["admin"])
    assert listed_names(client.get("/pegawai/")) == INSIDE | {"Orang Dinkes"}


def test_pegawai_reaches_their_own_record_from_the_profile(client, login, world):
    login(world.users["pegawai"])
    profile = page_text(client.get("/akun/profil"))
    assert f'href="/pegawai/{world.ids["own"]}"' in profile
    assert "Pegawai Sendiri" in page_text(client.get(f"/pegawai/{world.ids['own']}"))


def test_nav_shows_only_what_the_role_may_open(client, login, world):
    login(world.users["pegawai"])
    text = page_text(client.get("/"))
    assert 'href="/organisasi/"' in text
    for hidden in ('href="/pegawai/"', 'href="/admin/pengguna"', 'href="/admin/audit"'):
        assert hidden not in text
    login(world.users["admin"])
    text = page_text(client.get("/"))
    for shown in ('href="/pegawai/"', 'href="/admin/pengguna"', 'href="/admin/audit"'):
        assert shown in text
