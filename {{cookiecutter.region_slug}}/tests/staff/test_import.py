"""Staff import (eoffice/staff/transfer.py), through the service and through /pegawai/impor:
every file a user may bring, and a report whose row numbers match the spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from eoffice import audit
from eoffice.extensions import db
from eoffice.staff import transfer
from eoffice.staff.models import Staff
from eoffice.staff.nip import make_nip
from tests.helpers import count, page_text

HEADER = list(transfer.COLUMNS)
NIP_SITI = "198502152010122001"
NIP_BUDI = "197001011995031002"


def record(**values) -> dict:
    """One row as a {column: value} mapping; a PNS unless said otherwise."""
    return {"nip": NIP_SITI, "nama": "Siti Aminah", "jenis_pegawai": "PNS",
            "golongan": "III/a", "status": "aktif"} | values


def csv_bytes(rows: list[dict], header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(data: bytes, filename: str = "pegawai.csv", mode: str = "all"):
    return transfer.import_staff(filename, data, mode=mode)


def file_error(data: bytes, filename: str = "pegawai.csv") -> str:
    with pytest.raises(transfer.ImportFileError) as caught:
        run_import(data, filename)
    return str(caught.value)


def upload(client, data: bytes, filename: str = "pegawai.csv", mode: str = "all"):
    return client.post("/pegawai/impor", data={"file": (io.BytesIO(data), filename),
                                               "mode": mode},
                       content_type="multipart/form-data")


def report_rows(response) -> list[tuple[str, str, str]]:
    """(row, column, problem) of each line of the report table on the page."""
    text = page_text(response)
    assert 'id="import-report"' in text
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td><code>[^<]*</code></td>"
                      r"<td>([^<]*)</td></tr>", text)


@pytest.fixture
def committed(app):
    """Test data made visible to the import's own rollback (it rolls back on errors)."""
    def _commit():
        db.session.commit()
    return _commit


# --- Good files ---------------------------------------------------------------------------

def test_valid_csv_is_imported_and_audited(app, create_unit, committed):
    unit = create_unit(code="DISKOMINFO")
    committed()
    report = run_import(csv_bytes([
        record(kode_unit="DISKOMINFO", tanggal_lahir="15-02-1985", email="siti@contoh.go.id"),
        record(nip=NIP_BUDI, nama="Budi Santoso", golongan="iv/a"),
        record(nip="", nama="Rina Wati", jenis_pegawai="PPPK", nomor_pppk="198702012022212001",
               jenis_kelamin="Perempuan", golongan=""),
        record(nip="", nama="Joko Susilo", jenis_pegawai="Honorer", jenis_kelamin="L",
               golongan="", status="pensiun"),
    ]))
    assert (report.total, report.created, report.committed, report.errors) == (4, 4, True, [])
    siti = db.session.scalar(sa.select(Staff).where(Staff.nip == NIP_SITI))
    assert (siti.unit_id, siti.gender, siti.email) == (unit.id, "P", "siti@contoh.go.id")
    assert db.session.scalar(sa.select(Staff.golongan_code).where(Staff.nip == NIP_BUDI)) == \
        "IV/a"
    event = db.session.scalar(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.action == "staff.imported"))
    assert (event.data["file"], event.data["created"], event.data["rejected_rows"]) == (
        "pegawai.csv", 4, 0)


def test_headers_are_matched_loosely(app):
    header = ["NIP", "Nama", "Jenis Pegawai", "GOLONGAN", " kode-unit "]
    data = csv_bytes([{"NIP": NIP_SITI, "Nama": "Siti", "Jenis Pegawai": "pns",
                       "GOLONGAN": "III/a"}], header=header)
    assert run_import(data).created == 1


def test_columns_in_any_order_and_optional_ones_left_out(app):
    header = ["golongan", "jenis_pegawai", "nama", "nip"]
    assert run_import(csv_bytes([record()], header=header)).created == 1


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimited_csv(app, delimiter):
    data = csv_bytes([record(), record(nip=NIP_BUDI, nama="Budi")], delimiter=delimiter)
    assert run_import(data).created == 2


def test_windows_1252_csv(app):
    data = csv_bytes([record(nama="José Fernández", tempat_lahir="Bogotá")], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert run_import(data).created == 1
    assert db.session.scalar(sa.select(Staff.name)) == "José Fernández"


def test_utf8_with_bom_as_excel_saves_it(app):
    data = "\ufeff".encode() + csv_bytes([record(nama="Ni Luh Putu Ayu Ṣari")])
    assert run_import(data).created == 1


def test_xlsx_with_text_nip_and_date_cells(app):
    row = dict.fromkeys(HEADER, None) | {"nip": NIP_SITI, "nama": "Siti Aminah",
                                         "jenis_pegawai": "PNS", "golongan": "III/a",
                                         "tanggal_lahir": dt.datetime(1985, 2, 15)}
    report = run_import(xlsx_bytes([list(row.values())]), "pegawai.xlsx")
    assert (report.created, report.errors) == (1, [])


def test_the_example_file_imports_as_it_is(client, as_admin):
    example = client.get("/pegawai/templat-impor.csv")
    assert example.status_code == 200
    assert next(csv.reader(io.StringIO(example.get_data(as_text=True).lstrip("\ufeff")))) == \
        HEADER
    response = upload(client, example.data)
    assert "1 staff records imported." in page_text(response)


# --- Rows with errors ---------------------------------------------------------------------

def test_bad_nip_is_reported_on_its_row(app):
    report = run_import(csv_bytes([record(), record(nip="19850215 201012 7 001", nama="X")]))
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (3, "nip", "19850215 201012 7 001")]
    assert "Digit 15" in report.errors[0].message


def test_unknown_golongan_is_reported(app):
    report = run_import(csv_bytes([record(golongan="V/a")]))
    assert [(e.row, e.column, e.value) for e in report.errors] == [(2, "golongan", "V/a")]


def test_nip_already_in_the_database(app, create_staff, committed):
    create_staff(nip=NIP_SITI)
    committed()
    report = run_import(csv_bytes([record(nip="19850215 201012 2 001")]))
    assert report.errors[0].row == 2
    assert report.errors[0].message == \
        f"{NIP_SITI} is already registered to another staff member."


def test_nip_twice_in_the_same_file_is_reported_on_the_second_row(app):
    report = run_import(csv_bytes([record(), record(nip=NIP_BUDI, nama="Budi"),
                                   record(nama="Siti Kembar")]), mode="valid")
    assert [(e.row, e.column) for e in report.errors] == [(4, "nip")]
    assert report.errors[0].message == f"{NIP_SITI} already appears in row 2 of this file."
    assert report.created == 2
    assert count(Staff, Staff.nip == NIP_SITI) == 1


def test_pppk_number_twice_in_the_same_file(app):
    row = record(nip="", jenis_pegawai="PPPK", nomor_pppk="198702012022212001",
                 jenis_kelamin="P", golongan="")
    report = run_import(csv_bytes([row, row]))
    assert [(e.row, e.column) for e in report.errors] == [(3, "nomor_pppk")]


def test_every_problem_of_a_row_is_listed(app):
    report = run_import(csv_bytes([record(nip="123", golongan="X", email="y", status="cuti")]))
    assert {e.column for e in report.errors} == {"nip", "golongan", "email", "status"}
    assert {e.row for e in report.errors} == {2}
    assert report.rejected_rows == 1


def test_row_numbers_count_the_header_and_blank_lines(app):
    data = (",".join(HEADER) + "\r\n"
            + ",".join(record().get(c, "") for c in HEADER) + "\r\n"
            + "\r\n"
            + ",".join(record(nip="1", nama="Salah").get(c, "") for c in HEADER) + "\r\n"
            ).encode()
    report = run_import(data)
    assert report.total == 2  # the blank line is skipped ...
    assert [e.row for e in report.errors] == [4]  # ... but still counted, as in a spreadsheet


def test_all_or_nothing_commits_nothing_when_a_row_is_wrong(app, create_staff, committed):
    existing = create_staff(name="Sudah Ada", employment_type="non_asn")
    committed()
    report = run_import(csv_bytes([record(), record(nip=NIP_BUDI, nama="Budi"),
                                   record(nip="123", nama="Salah")]))
    assert (report.total, report.valid_rows, report.created, report.committed) == (3, 2, 0, False)
    assert count(Staff) == 1
    assert db.session.get(Staff, existing.id) is not None  # earlier data untouched
    assert count(audit.AuditEvent, audit.AuditEvent.action == "staff.imported") == 0


def test_valid_mode_commits_the_valid_rows(app):
    report = run_import(csv_bytes([record(), record(nip="123", nama="Salah"),
                                   record(nip=NIP_BUDI, nama="Budi")]), mode="valid")
    assert (report.created, report.committed, report.rejected_rows) == (2, True, 1)
    assert [e.row for e in report.errors] == [3]
    assert sorted(db.session.scalars(sa.select(Staff.name))) == ["Budi", "Siti Aminah"]
    event = db.session.scalar(sa.select(audit.AuditEvent).where(
        audit.AuditEvent.action == "staff.imported"))
    assert (event.data["created"], event.data["rejected_rows"]) == (2, 1)


def test_xlsx_nip_stored_as_a_number_is_refused_clearly(app):
    row = [int(NIP_SITI), None, None, "Siti Aminah", None, None, None, None, "PNS", "III/a"]
    report = run_import(xlsx_bytes([row]), "pegawai.xlsx")
    assert report.created == 0
    [error] = report.errors
    assert (error.row, error.column) == (2, "nip")
    assert error.message == ("The NIP was stored as a number and lost digits; format the "
                             "NIP column as text.")


# --- Through the page ---------------------------------------------------------------------

def test_import_page_all_or_nothing_shows_the_report(client, as_admin):
    data = csv_bytes([record(), record(nip=NIP_BUDI, nama="Budi", golongan="V/a"),
                      record(nip="x", nama="Salah")])
    response = upload(client, data)
    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing was imported: 2 rows have errors." in text
    assert "3 rows read: 1 valid, 2 rejected, 0 imported." in text
    rows = report_rows(response)
    assert [(row, column) for row, column, _ in rows] == [("3", "golongan"), ("4", "nip")]
    assert count(Staff) == 0


def test_import_page_valid_mode(client, as_admin):
    data = csv_bytes([record(), record(nip="x", nama="Salah")])
    response = upload(client, data, mode="valid")
    text = page_text(response)
    assert "1 staff records imported." in text
    assert "2 rows read: 1 valid, 1 rejected, 1 imported." in text
    assert [row for row, _, _ in report_rows(response)] == ["3"]
    assert count(Staff) == 1


def test_import_page_needs_a_file(client, as_admin):
    response = client.post("/pegawai/impor", data={"mode": "all"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'id="import-report"' not in page_text(response)
    assert "is-invalid" in page_text(response)


# --- Files that cannot be read ------------------------------------------------------------

@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "pegawai.csv", "The file is empty."),
    (b"\r\n  \r\n", "pegawai.csv", "The file is empty."),
    (",".join(HEADER).encode() + b"\r\n", "pegawai.csv", "The file has a header but no rows."),
    (",".join(HEADER).encode() + b"\r\n,,,\r\n\r\n", "pegawai.csv",
     "The file has a header but no rows."),
    (b"nip,jenis_pegawai\r\n1,PNS\r\n", "pegawai.csv", "missing columns: nama"),
    (b"nip,nama\r\n1,Siti\r\n", "pegawai.csv", "missing columns: jenis_pegawai"),
    (b"nama,jenis_pegawai,alamat\r\nSiti,PNS,Solo\r\n", "pegawai.csv",
     "unknown columns: alamat"),
    (b"nama,jenis_pegawai,nip,NIP\r\nSiti,PNS,1,1\r\n", "pegawai.csv", "repeated columns: nip"),
    (b"Nama Lengkap;NIP Baru\r\nSiti;1\r\n", "pegawai.csv", "Wrong columns"),
    (b"\x00\x01\x02garbage\x00" * 50, "pegawai.csv", "The file is neither CSV nor XLSX."),
    (bytes(range(0x80, 0x100)) * 20, "pegawai.csv", "not text"),
    (b"nip,nama,jenis_pegawai\r\n1,Siti,PNS\r\n", "pegawai.xlsx",
     "The file is not a valid XLSX workbook."),
    (b"PK\x03\x04 this is not really a zip", "pegawai.xlsx",
     "The file is not a valid XLSX workbook."),
])
def test_unreadable_files_are_refused_with_a_clear_message(client, as_admin, data, filename,
                                                          message):
    response = upload(client, data, filename)
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    assert 'id="import-report"' not in text
    assert count(Staff) == 0


def test_wrong_columns_message_lists_the_expected_ones(app):
    message = file_error(b"name,type\r\nSiti,PNS\r\n")
    assert "unknown columns: name, type" in message
    assert ", ".join(HEADER) in message


def test_zip_that_is_not_a_workbook(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("surat.txt", "bukan workbook")
    assert file_error(buffer.getvalue(), "pegawai.xlsx") == \
        "The file is not a valid XLSX workbook."


def test_empty_workbook(app):
    workbook = openpyxl.Workbook()
    out = io.BytesIO()
    workbook.save(out)
    assert file_error(out.getvalue(), "pegawai.xlsx") in ("The file is empty.",
                                                          "The file has no header row.")


def test_too_many_rows(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_ROWS", 2)
    rows = [record(), record(nip=NIP_BUDI, nama="Budi"), record(nip="", nama="Joko",
                                                               jenis_pegawai="non-asn",
                                                               jenis_kelamin="L", golongan="")]
    assert file_error(csv_bytes(rows)) == "The file has more than 2 rows; split it."
    assert count(Staff) == 0


# --- A large file -------------------------------------------------------------------------

def many_rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        birth = dt.date(1970 + i % 30, 1 + (i // 30) % 12, 1 + (i // 360) % 28)
        gender = "LP"[i % 2]
        nip = make_nip(birth, birth.year + 20 + i % 5, 1 + i % 12, gender, 1 + i % 999)
        rows.append(record(nip=nip, nama=f"Pegawai {i:05d}", golongan="II/c"))
    return rows


def test_5000_rows_are_imported_in_one_commit(client, as_admin):
    rows = many_rows(5000)
    assert len({row["nip"] for row in rows}) == 5000
    commits = []
    listener = lambda session: commits.append(session)  # noqa: E731
    sa.event.listen(sa.orm.Session, "after_commit", listener)
    try:
        response = upload(client, csv_bytes(rows))
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", listener)
    assert "5000 staff records imported." in page_text(response)
    assert count(Staff) == 5000
    assert len(commits) == 1
    assert count(audit.AuditEvent, audit.AuditEvent.action == "staff.imported") == 1
