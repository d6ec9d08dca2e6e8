"""Staff pages: the list with its filters and pages, the form, the detail page and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from eoffice import audit
from eoffice.extensions import db
from eoffice.staff import transfer
from eoffice.staff.models import Staff
from tests.helpers import count, page_text

NIP_SITI = "198502152010122001"
NIP_BUDI = "197001011995031002"


def listed(response) -> list[str]:
    """Names in the staff table, in order."""
    assert response.status_code == 200
    table = response.get_data(as_text=True).split('id="staff-table"', 1)[1]
    return re.findall(r'<a href="/pegawai/\d+">([^<]+)</a>', table)


@pytest.fixture
def office(create_unit, create_staff):
    """DISKOMINFO with its bidang APTIKA, and DINKES, each with staff."""
    kominfo = create_unit(code="DISKOMINFO", name="Dinas Kominfo")
    aptika = create_unit(code="APTIKA", name="Bidang Aplikasi Informatika", kind="bidang",
                         parent=kominfo)
    dinkes = create_unit(code="DINKES", name="Dinas Kesehatan")
    people = {
        "siti": create_staff(name="Siti Aminah", nip=NIP_SITI, unit=kominfo,
                             jabatan_name="Analis Kebijakan"),
        "budi": create_staff(name="Budi Santoso", nip=NIP_BUDI, unit=aptika,
                             golongan_code="IV/a"),
        "rina": create_staff(name="Rina Wati", employment_type="pppk", unit=dinkes),
        "joko": create_staff(name="Joko Susilo", employment_type="non_asn", unit=dinkes,
                             status="pensiun"),
    }
    return {"kominfo": kominfo, "aptika": aptika, "dinkes": dinkes, **people}


# --- List and filters ---------------------------------------------------------------------

def test_list_shows_everyone_to_an_admin_sorted_by_name(client, office, as_admin):
    assert listed(client.get("/pegawai/")) == ["Budi Santoso", "Joko Susilo", "Rina Wati",
                                               "Siti Aminah"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "siti"}, ["Siti Aminah"]),
    ({"q": "SANTOSO"}, ["Budi Santoso"]),
    ({"q": "analis"}, ["Siti Aminah"]),  # jabatan name
    ({"q": "19850215"}, ["Siti Aminah"]),  # NIP digits (a prefix)
    ({"q": "19850215 201012 2"}, ["Siti Aminah"]),  # NIP as it is shown
    ({"q": "tidak ada"}, []),
    ({"employment_type": "pppk"}, ["Rina Wati"]),
    ({"employment_type": "non_asn"}, ["Joko Susilo"]),
    ({"golongan_code": "IV/a"}, ["Budi Santoso"]),
    ({"status": "pensiun"}, ["Joko Susilo"]),
    ({"status": "aktif", "employment_type": "pns"}, ["Budi Santoso", "Siti Aminah"]),
])
def test_list_filters(client, office, as_admin, query, expected):
    assert listed(client.get("/pegawai/", query_string=query)) == expected


def test_unit_filter_includes_sub_units(client, office, as_admin):
    kominfo = listed(client.get("/pegawai/", query_string={"unit_id": office["kominfo"].id}))
    assert kominfo == ["Budi Santoso", "Siti Aminah"]
    aptika = listed(client.get("/pegawai/", query_string={"unit_id": office["aptika"].id}))
    assert aptika == ["Budi Santoso"]


def test_unknown_filter_values_show_nothing_rather_than_fail(client, office, as_admin):
    assert listed(client.get("/pegawai/?employment_type=kontrak")) == []
    assert listed(client.get("/pegawai/?unit_id=abc")) == listed(client.get("/pegawai/"))


def test_unrelated_query_arguments_do_not_break_the_links(client, office, as_admin):
    """The list rebuilds its export and page links from the query string."""
    response = client.get("/pegawai/?fmt=pdf&endpoint=x&_external=1&_anchor=y&q=siti")
    assert listed(response) == ["Siti Aminah"]
    text = page_text(response)
    assert 'href="/pegawai/ekspor.csv?q=siti"' in text
    assert 'href="http' not in text  # every link stays relative


def test_pagination(client, create_staff, as_admin):
    for n in range(23):
        create_staff(name=f"Pegawai {n:02d}", employment_type="non_asn")
    db.session.commit()
    pages = [listed(client.get(f"/pegawai/?per_page=10&page={p}")) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [10, 10, 3]
    assert sum(pages, []) == [f"Pegawai {n:02d}" for n in range(23)]
    assert client.get("/pegawai/?per_page=10&page=4").status_code == 404
    assert 'href="/pegawai/?page=2&per_page=10"' in page_text(client.get("/pegawai/?per_page=10"))


def test_page_size_comes_from_config(app, client, create_staff, as_admin, monkeypatch):
    for n in range(9):
        create_staff(name=f"Pegawai {n}", employment_type="non_asn")
    db.session.commit()
    monkeypatch.setitem(app.config, "PER_PAGE", 7)
    assert len(listed(client.get("/pegawai/"))) == 7
    assert len(listed(client.get("/pegawai/?per_page=8"))) == 8
    assert len(listed(client.get("/pegawai/?per_page=1000"))) == 9  # capped at 100


# --- Create, edit, detail -----------------------------------------------------------------

def form_data(**values) -> dict:
    return {"employment_type": "pns", "nip": "19850215 201012 2 001", "pppk_number": "",
            "front_title": "", "name": "Siti Aminah", "back_title": "S.Kom.", "gender": "",
            "birth_place": "Surakarta", "birth_date": "", "golongan_code": "III/a",
            "jabatan_type": "fungsional", "jabatan_name": "Pranata Komputer", "unit_id": "",
            "phone": "0812 3456 7890", "email": "siti@contoh.go.id", "status": "aktif"} | values


def test_create_form_renders(client, as_admin):
    response = client.get("/pegawai/baru")
    assert response.status_code == 200
    assert 'name="nip"' in page_text(response)


def test_create_staff_member(client, create_unit, admin, login):
    unit = create_unit(code="DISKOMINFO")
    login(admin)
    response = client.post("/pegawai/baru", data=form_data(unit_id=str(unit.id)))
    assert response.status_code == 302
    staff = db.session.scalar(sa.select(Staff).where(Staff.nip == NIP_SITI))
    assert response.headers["Location"] == f"/pegawai/{staff.id}"
    assert (staff.gender, staff.birth_date, staff.unit_id) == ("P", dt.date(1985, 2, 15),
                                                               unit.id)
    assert staff.full_name == "Siti Aminah, S.Kom."
    event = audit.events_for("staff", staff.id)[0]
    assert (event.action, event.actor_id) == ("staff.created", admin.id)


@pytest.mark.parametrize(("values", "message"), [
    ({"nip": "19850215 201012 5 001"}, "Digit 15 of the NIP (gender) must be 1 or 2."),
    ({"gender": "L"}, "Gender does not match digit 15 of the NIP."),
    ({"birth_date": "1985-02-16"}, "Birth date does not match the NIP (1985-02-15)."),
    ({"golongan_code": ""}, "A PNS needs a golongan (I/a to IV/e)."),
    ({"email": "bukan email"}, "Not an email address."),
    ({"employment_type": "pppk", "nip": ""}, "A PPPK employee needs their PPPK number."),
    ({"name": ""}, "The name is required."),
])
def test_create_with_errors_shows_them_and_saves_nothing(client, as_admin, values, message):
    before = count(Staff)
    response = client.post("/pegawai/baru", data=form_data(**values))
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    assert "Please correct the marked fields." in text
    assert count(Staff) == before


def test_create_with_a_taken_nip_is_refused(client, create_staff, as_admin):
    create_staff(nip=NIP_SITI, gender="P")
    db.session.commit()
    response = client.post("/pegawai/baru", data=form_data(name="Orang Lain"))
    assert f"{NIP_SITI} is already registered to another staff member." in page_text(response)
    assert count(Staff, Staff.nip == NIP_SITI) == 1


def test_edit_staff_member(client, office, as_admin):
    siti = office["siti"]
    assert client.get(f"/pegawai/{siti.id}/ubah").status_code == 200
    response = client.post(f"/pegawai/{siti.id}/ubah", data=form_data(
        name="Siti Aminah Lubis", golongan_code="III/b", unit_id=str(office["dinkes"].id)))
    assert response.status_code == 302
    db.session.refresh(siti)
    assert (siti.name, siti.golongan_code, siti.unit_id) == ("Siti Aminah Lubis", "III/b",
                                                             office["dinkes"].id)
    assert [e.action for e in audit.events_for("staff", siti.id)][-1] == "staff.updated"


def test_edit_with_errors_changes_nothing(client, office, as_admin):
    siti = office["siti"]
    response = client.post(f"/pegawai/{siti.id}/ubah", data=form_data(
        name="Nama Baru", nip=NIP_BUDI))  # Budi's NIP
    assert response.status_code == 200
    assert "already registered to another staff member" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Staff, siti.id).name == "Siti Aminah"


def test_detail_page(client, office, as_admin):
    siti = office["siti"]
    text = page_text(client.get(f"/pegawai/{siti.id}"))
    assert "19850215 201012 2 001" in text
    assert "III/a - Penata Muda" in text
    assert "Dinas Kominfo" in text
    assert "Record created" in text  # the history, read from the audit log


def test_missing_staff_is_404(client, as_admin):
    assert client.get("/pegawai/999999").status_code == 404
    assert client.get("/pegawai/999999/ubah").status_code == 404
    assert client.post("/pegawai/999999/ubah", data=form_data()).status_code == 404


# --- Export -------------------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_export_csv(client, office, as_admin):
    response = client.get("/pegawai/ekspor.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.match(r'attachment; filename="pegawai-\d{4}-\d{2}-\d{2}\.csv"',
                    response.headers["Content-Disposition"])
    rows = read_csv(response)
    assert rows[0] == list(transfer.COLUMNS)
    by_name = {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Siti Aminah", "Budi Santoso", "Rina Wati", "Joko Susilo"}
    assert by_name["Siti Aminah"]["nip"] == NIP_SITI
    assert by_name["Siti Aminah"]["kode_unit"] == "DISKOMINFO"
    assert by_name["Siti Aminah"]["tanggal_lahir"] == "1985-02-15"
    assert by_name["Rina Wati"]["jenis_pegawai"] == "PPPK"
    assert by_name["Joko Susilo"]["status"] == "pensiun"


def test_export_follows_the_filters(client, office, as_admin):
    rows = read_csv(client.get("/pegawai/ekspor.csv", query_string={
        "unit_id": office["kominfo"].id}))
    assert sorted(row[3] for row in rows[1:]) == ["Budi Santoso", "Siti Aminah"]
    rows = read_xlsx(client.get("/pegawai/ekspor.xlsx?status=pensiun"))
    assert [row[3] for row in rows[1:]] == ["Joko Susilo"]


def test_export_xlsx_keeps_nip_as_text(client, office, as_admin):
    response = client.get("/pegawai/ekspor.xlsx")
    assert response.status_code == 200
    assert response.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == list(transfer.COLUMNS)
    nips = {row[3].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert nips["Siti Aminah"].value == NIP_SITI
    assert nips["Siti Aminah"].data_type == "s"
    assert nips["Siti Aminah"].number_format == "@"


def test_export_is_audited(client, office, as_admin):
    client.get("/pegawai/ekspor.csv?status=aktif")
    event = db.session.scalar(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.action == "staff.exported"))
    assert event.data == {"format": "csv", "filters": {"status": "aktif"}}


def test_export_neutralises_spreadsheet_formulas(client, create_staff, as_admin):
    create_staff(name="=HYPERLINK(\"http://evil.example\",\"klik\")",
                 employment_type="non_asn", jabatan_name="@SUM(A1:A9)", phone="+62 812 3456",
                 back_title="-1+2")
    db.session.commit()
    [_, row] = read_csv(client.get("/pegawai/ekspor.csv"))
    assert row[3] == "'=HYPERLINK(\"http://evil.example\",\"klik\")"
    assert row[11] == "'@SUM(A1:A9)"
    assert row[13] == "'+62 812 3456"
    assert row[4] == "'-1+2"
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/pegawai/ekspor.xlsx").data))
    cells = list(workbook.worksheets[0].iter_rows(min_row=2))[0]
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[3].value.startswith("'=")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_records(client, office, create_staff, as_admin,
                                                   fmt):
    create_staff(name="Ahmad Yani", nip="198001012005011003", unit=office["aptika"],
                 front_title="Dr.", back_title="M.Kom.", birth_place="Makassar",
                 jabatan_type="administrator", jabatan_name="Kepala Bidang",
                 phone="+62 411 123456", email="ahmad@contoh.go.id", golongan_code="IV/b")
    create_staff(name="=Rumus Jahat", employment_type="non_asn", birth_date="1999-09-09")
    db.session.commit()

    def snapshot():
        people = db.session.scalars(sa.select(Staff).order_by(Staff.name)).all()
        return [transfer.export_row(person) for person in people]

    before = snapshot()
    exported = client.get(f"/pegawai/ekspor.{fmt}").data

    db.session.execute(sa.delete(Staff))
    db.session.commit()
    assert count(Staff) == 0

    response = client.post("/pegawai/impor", data={
        "file": (io.BytesIO(exported), f"pegawai.{fmt}"), "mode": "all"},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "6 staff records imported." in page_text(response)
    db.session.expire_all()
    assert snapshot() == before
