"""The full classification list and the retention schedule (JRA) as data: seeded,
imported from CSV/XLSX with a row report, searched, and the example schedule flagged."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from eoffice.reference import DATA_DIR
from tests.helpers import page_text
from tests.letters.conftest import letter_form

EXAMPLE_BANNER = "Example retention schedule (Pergub No. 30 of one province) in force"


def codes() -> dict:
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return {c.code: c for c in db.session.scalars(sa.select(Classification))}


def csv_bytes(header: str, *lines: str) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def shipped(name: str) -> bytes:
    return (DATA_DIR / name).read_bytes()


# --- Seeded with the schema ---------------------------------------------------------------

def test_the_full_permendagri_list_and_the_example_schedule_are_seeded(app):
    from eoffice.archive import services

    seeded = codes()
    assert len(seeded) == 2988
    with (DATA_DIR / "klasifikasi_arsip.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        item = seeded[row["kode"]]
        assert item.active and item.level == row["kode"].count(".") + 1
        assert (item.parent.code if item.parent else "") == row["induk"]
    assert seeded["400.7.6.3"].name.lower() == seeded["400.7.6.5"].name.lower() \
        == "etikolegal dan asesmen"
    assert len([c for c in seeded.values() if c.final_disposition]) == 2439
    item = seeded["000.1.2.1"]
    assert (item.retention_active_years, item.retention_inactive_years,
            item.final_disposition) == (5, 3, "musnah")
    assert item.retention_note == "series: Perjalanan Dinas Kepala Daerah"
    assert item.retention_source.startswith("Pergub No. 30")
    schedule = services.current_schedule()
    assert schedule.is_example and schedule.codes == 2439


def test_a_seeded_name_is_checked_against_the_regulation(app):
    # the short name the first seed carried gives way to the regulation's text
    assert codes()["000.1.1"].name == "Telekomunikasi (Fasilitasi Telekomunikasi)"


# --- Import: the shipped files ---------------------------------------------------------

def test_importing_the_shipped_files_gives_every_code_and_schedule(app):
    from eoffice.archive import services, transfer

    report = transfer.import_classifications("klasifikasi_arsip.csv",
                                             shipped("klasifikasi_arsip.csv"))
    assert report.committed and not report.errors
    assert (report.total, report.created) == (2988, 0)
    report = transfer.import_schedule("jra_contoh.csv", shipped("jra_contoh.csv"))
    assert report.committed and not report.errors and report.total == 2439
    assert len(codes()) == 2988
    assert len([c for c in codes().values() if c.final_disposition]) == 2439
    assert services.current_schedule().is_example is False  # the region imported it


def test_a_region_adds_and_renames_codes(app):
    from eoffice.archive import transfer

    report = transfer.import_classifications("k.csv", csv_bytes(
        "kode,nama,induk", "000.1.99,Layanan Digital,000.1", "000.1.99.1,Aplikasi,000.1.99",
        "000.5,Kearsipan dan Dokumentasi,000"))
    assert report.committed, report.errors
    assert (report.created, report.updated) == (2, 1)
    seeded = codes()
    assert seeded["000.1.99.1"].parent is seeded["000.1.99"]
    assert seeded["000.1.99.1"].level == 4
    assert seeded["000.5"].name == "Kearsipan dan Dokumentasi"


# --- Import: bad rows --------------------------------------------------------------------

def test_bad_classification_rows_are_reported_and_nothing_is_saved(app):
    from eoffice.archive import transfer

    before = {c.code: c.name for c in codes().values()}
    report = transfer.import_classifications("k.csv", csv_bytes(
        "kode,nama,induk",
        "000.1.90,Baru Benar,000.1",        # 2: fine on its own
        "000.77.1,Tanpa Induk,000.77",      # 3: unknown parent
        "000.1.91,Dua Kali,000.1",          # 4
        "000.1.91,Dua Kali Lagi,000.1",     # 5: duplicate code
        "0001.x,Format Salah,",             # 6: bad code
        "000.1.92,,000.1",                  # 7: empty name
        "000.1.93,Induk Lain,000.2"))       # 8: induk does not match the code
    assert not report.committed
    assert sorted({e.row for e in report.errors}) == [3, 5, 6, 7, 8]
    messages = {e.row: e.message for e in report.errors}
    assert "000.77" in messages[3] and "parent" in messages[3]
    assert "row 4" in messages[5]
    assert "000, 000.1" in messages[6]
    assert "name" in messages[7]
    assert {c.code: c.name for c in codes().values()} == before


def test_bad_schedule_rows_are_reported_and_nothing_is_saved(app):
    from eoffice.archive import services, transfer

    report = transfer.import_schedule("jra.xlsx", xlsx_bytes([
        ["kode", "retensi_aktif", "retensi_inaktif", "nasib_akhir", "keterangan", "source"],
        ["000.1.1", 2, 3, "dinilai kembali", "", "Perbup 1/2026"],   # 2: fine
        ["999.9", 1, 1, "musnah", "", ""],                         # 3: unknown code
        ["000.1.2.1", "dua", 1, "musnah", "", ""],                 # 4: not a whole number
        ["000.1.2.2", 1, 1.5, "musnah", "", ""],                   # 5: not a whole number
        ["000.1.2.3", 1, 1, "dibakar", "", ""],                    # 6: unknown disposition
        ["000.1.1", 1, 1, "musnah", "", ""],                       # 7: repeated code
    ]))
    assert not report.committed
    assert sorted({e.row for e in report.errors}) == [3, 4, 5, 6, 7]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "999.9" in messages[(3, "kode")]
    assert "whole number" in messages[(4, "retensi_aktif")]
    assert "whole number" in messages[(5, "retensi_inaktif")]
    assert "musnah, permanen, dinilai kembali" in messages[(6, "nasib_akhir")]
    assert "row 2" in messages[(7, "kode")]
    item = codes()["000.1.1"]
    assert (item.retention_active_years, item.final_disposition) == (1, "musnah")
    assert services.current_schedule().is_example


def test_a_region_schedule_replaces_the_example_whole(app):
    from eoffice.archive import services, transfer

    report = transfer.import_schedule("jra.csv", csv_bytes(
        "kode,retensi_aktif,retensi_inaktif,nasib_akhir,keterangan,source",
        "000.1.1,2,3,dinilai kembali,Dinilai oleh ANRI,Perbup Contoh No. 7/2026"))
    assert report.committed, report.errors
    seeded = codes()
    assert (seeded["000.1.1"].retention_active_years, seeded["000.1.1"].final_disposition) == (
        2, "dinilai_kembali")
    assert seeded["000.1.2.1"].final_disposition is None  # not in the region's schedule
    schedule = services.current_schedule()
    assert (schedule.is_example, schedule.codes, schedule.file_name) == (False, 1, "jra.csv")


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"kode,nama\n", "The file has a header but no rows."),
    (b"kode,judul\n000,Umum\n", "Wrong columns"),
])
def test_an_unreadable_file_is_refused_whole(app, data, message):
    from eoffice.archive import transfer

    with pytest.raises(transfer.ImportFileError) as raised:
        transfer.import_classifications("k.csv", data)
    assert message in str(raised.value)


# --- Pages and CLI ------------------------------------------------------------------------

def test_the_import_page_shows_the_row_report(client, as_admin):
    response = client.post("/admin/klasifikasi/impor", data={
        "kind": "klasifikasi",
        "file": (io.BytesIO(csv_bytes("kode,nama,induk", "000.1.90,X,000.1", "000.77.1,Y,000.77")),
                 "k.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing was imported: 1 rows have errors." in text
    assert re.search(r"<td>3</td><td>induk</td>", text)
    assert "000.1.90" not in codes()


def test_the_example_banner_shows_until_the_region_imports_its_schedule(client, as_admin):
    assert EXAMPLE_BANNER in page_text(client.get("/admin/klasifikasi/"))
    response = client.post("/admin/klasifikasi/impor", data={
        "kind": "jra", "file": (io.BytesIO(csv_bytes(
            "kode,retensi_aktif,retensi_inaktif,nasib_akhir,keterangan,source",
            "000.1.1,2,3,musnah,,Perbup 7/2026")), "jra-daerah.xlsx.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Retention schedule imported: 1 codes." in page_text(response)
    text = page_text(client.get("/admin/klasifikasi/"))
    assert EXAMPLE_BANNER not in text
    assert "jra-daerah.xlsx.csv" in text


def test_the_cli_imports_both_files(app, tmp_path):
    from eoffice.archive import services

    good = tmp_path / "jra.csv"
    good.write_bytes(csv_bytes("kode,retensi_aktif,retensi_inaktif,nasib_akhir,keterangan,source",
                               "000.1.1,2,3,permanen,,Perbup"))
    bad = tmp_path / "k.csv"
    bad.write_bytes(csv_bytes("kode,nama,induk", "000.77.1,Y,000.77"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["eoffice", "klasifikasi", "import", str(bad)])
    assert result.exit_code == 1
    assert "baris 2" in result.output and "000.77" in result.output
    result = runner.invoke(args=["eoffice", "jra", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert services.current_schedule().is_example is False


# --- Admin list and search -----------------------------------------------------------------

def test_the_admin_list_is_paged_and_searched(client, as_admin):
    text = page_text(client.get("/admin/klasifikasi/"))
    assert text.count("<code>") == 50  # one page, not 2,988 rows
    assert "<code>000</code>" in text and "<code>000.1</code>" in text
    text = page_text(client.get("/admin/klasifikasi/?q=400.7.6"))
    assert "<code>400.7.6.5</code>" in text and "<code>000</code>" not in text
    text = page_text(client.get("/admin/klasifikasi/?q=etikolegal"))
    assert text.count("<code>") == 2  # the regulation's duplicate name, both codes
    nxt = re.search(r'rel="next" href="([^"]+)"', text)
    assert nxt is None
    first = page_text(client.get("/admin/klasifikasi/"))
    url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = page_text(client.get(url))
    assert second.count("<code>") == 50 and "<code>000</code>" not in second


def test_the_admin_list_statements_do_not_grow_with_the_page(client, as_admin, count_queries):
    from eoffice.extensions import db

    client.get("/admin/klasifikasi/")
    counts = []
    for size in (5, 100):
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(f"/admin/klasifikasi/?per_page={size}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[1] <= 12, counts


def test_the_picker_search_finds_by_code_prefix_and_by_words(client, login, office):
    login(office.users["clerk"])
    found = client.get("/klasifikasi/cari?q=000.1.2").get_json()
    assert [r["code"] for r in found["results"]][:4] == ["000.1.2", "000.1.2.1", "000.1.2.2",
                                                         "000.1.2.3"]
    found = client.get("/klasifikasi/cari?q=perjalanan dinas kepala").get_json()
    assert "000.1.2.1" in [r["code"] for r in found["results"]]
    assert all("Perjalanan Dinas" in r["name"] for r in found["results"])
    found = client.get("/klasifikasi/cari?q=a").get_json()
    assert len(found["results"]) <= 20


def test_the_picker_search_needs_a_login(client):
    response = client.get("/klasifikasi/cari?q=000")
    assert response.status_code in (302, 401)
    assert b"Umum" not in response.data


def test_a_deactivated_code_leaves_the_picker_but_stays_on_old_letters(client, login, office,
                                                                       register):
    from eoffice.archive import services

    item = codes()["000.1.2.1"]
    letter = register(office, classification_id=item.id)
    services.save(item, code=item.code, name=item.name, active=False)
    login(office.users["clerk"])
    found = client.get("/klasifikasi/cari?q=000.1.2").get_json()
    assert "000.1.2.1" not in [r["code"] for r in found["results"]]
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "000.1.2.1 Perjalanan Dinas Kepala Daerah" in page


def test_the_registration_form_takes_a_typed_code(client, login, office):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    login(office.users["clerk"])
    page = page_text(client.get("/surat-masuk/baru"))
    assert 'name="classification_code"' in page and "data-eo-classification" in page
    assert "<select" not in re.search(r'name="classification_code".{0,400}', page, re.S).group(0)
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, classification_code="000.1.2.1", sender_number="kode/1"))
    assert response.status_code == 302
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == "kode/1"))
    assert letter.classification.code == "000.1.2.1"
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, classification_code="000.77.1", sender_number="kode/2"))
    assert response.status_code == 200
    assert "Unknown classification code 000.77.1." in page_text(response)
