"""List pages load their relations eagerly: the number of SQL statements does not grow
with the page size (no N+1)."""

from __future__ import annotations

import pytest

from eoffice.extensions import db


@pytest.fixture
def crowd(create_unit, create_staff, create_position, create_user, admin):
    """60 staff spread over units, with positions and golongan; 60 users; many events."""
    units = [create_unit(), create_unit()]
    units.append(create_unit(parent=units[0]))
    for n in range(60):
        kind = ("pns", "pppk", "non_asn")[n % 3]
        person = create_staff(name=f"Pegawai {n:02d}", employment_type=kind,
                              unit=units[n % 3], golongan_code="III/b" if kind == "pns" else None)
        if n % 4 == 0:
            create_position(units[n % 3], holder=person)
        if n % 2 == 0:
            create_user(roles=["pegawai", "pencatat"], staff=person)
        else:
            create_user(roles=["pimpinan"])
    db.session.commit()
    return admin


def statements(client, count_queries, path: str) -> int:
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count


@pytest.mark.parametrize("path", ["/pegawai/", "/pegawai/?q=Pegawai&status=aktif",
                                  "/admin/pengguna", "/admin/audit", "/pemberitahuan/"])
def test_statements_do_not_grow_with_page_size(client, login, crowd, count_queries, path):
    login(crowd)
    separator = "&" if "?" in path else "?"
    client.get(path)  # warm-up: caches and the logged-in user are loaded the same way after
    small = statements(client, count_queries, f"{path}{separator}per_page=5")
    large = statements(client, count_queries, f"{path}{separator}per_page=50")
    assert small == large, f"{path}: {small} statements for 5 rows, {large} for 50"
    assert large <= 15, f"{path}: {large} statements"


def test_pages_really_show_the_rows(client, login, crowd):
    login(crowd)
    text = client.get("/pegawai/?per_page=50").get_data(as_text=True)
    assert text.count('<a href="/pegawai/') >= 50
    assert "III/b - Penata Muda Tingkat I" in text
