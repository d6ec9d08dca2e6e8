"""Staff import from a SIASN export: its columns mapped onto the same checks and report."""

from __future__ import annotations

import io

import pytest

from tests.helpers import page_text

HEADER = ("PNS_ID,NIP_BARU,NIP_LAMA,NAMA,GELAR_DEPAN,GELAR_BLKG,TEMPAT_LAHIR_NAMA,TGL_LAHIR,"
          "JENIS_KELAMIN,AGAMA_NAMA,JENIS_PEGAWAI_NAMA,KEDUDUKAN_HUKUM_NAMA,GOL_AKHIR_NAMA,"
          "JENIS_JABATAN_NAMA,ESELON_NAMA,JABATAN_NAMA,UNOR_ID,UNOR_NAMA,NOMOR_HP,EMAIL\n")


def row(nip, name="Rina Marlina", *, birth="", gender="2", kind="PNS Daerah Kab/Kota",
        status="Aktif", gol="III/c - Penata", jenis="Jabatan Struktural", eselon="IV.a",
        jabatan="Kepala Seksi", unor_id="8ae48287", unor_name="", phone="081234567", email=""):
    return (f"A1,{nip},,{name},Dr.,M.Si.,Kendari,{birth},{gender},Islam,{kind},{status},{gol},"
            f"{jenis},{eselon},{jabatan},{unor_id},{unor_name},{phone},{email}\n")


@pytest.fixture
def unit(app, create_unit, monkeypatch):
    unit = create_unit(code="DISKOMINFO", name="Dinas Komunikasi dan Informatika")
    monkeypatch.setitem(app.config, "SIASN_UNOR_MAP", {"8ae48287": "DISKOMINFO"})
    return unit


def run(data: str, mode: str = "all"):
    from eoffice.staff import transfer

    return transfer.import_staff("siasn.csv", data.encode(), mode=mode, format="siasn")


def test_a_siasn_export_is_mapped(app, unit, make_nip):
    from eoffice.staff.models import Staff
    from eoffice.staff.services import staff_by_number

    nip = make_nip("P")
    pppk = "198903152023212001"
    report = run(HEADER + row(nip) + row(pppk, "Andi Saputra", gender="M", kind="PPPK",
                                         gol="IX", jenis="Jabatan Fungsional Tertentu",
                                         eselon="", jabatan="Guru Ahli Pertama", unor_id="",
                                         unor_name="dinas komunikasi  dan informatika"))
    assert (report.total, report.created, report.errors) == (2, 2, [])
    rina = staff_by_number(nip)
    assert (rina.front_title, rina.back_title, rina.gender, rina.golongan_code) == (
        "Dr.", "M.Si.", "P", "III/c")
    assert (rina.jabatan_type, rina.unit_id, rina.status) == ("pengawas", unit.id, "aktif")
    andi = staff_by_number(pppk)
    assert andi.employment_type == "pppk" and andi.pppk_number == pppk and andi.nip is None
    assert (andi.jabatan_type, andi.golongan_code, andi.unit_id) == ("fungsional", None, unit.id)
    assert isinstance(andi, Staff)


def test_row_errors_name_the_siasn_columns(app, unit, make_nip):
    nip = make_nip("P")
    report = run(HEADER + row(nip) + row(nip, "Kembar") + row("123", "Salah NIP")
                 + row(make_nip("P"), "Unit Hilang", unor_id="zz-unknown")
                 + row(make_nip("P"), "Status Aneh", status="Dipekerjakan di bulan"))
    assert report.committed is False and report.rejected_rows == 4
    columns = {(e.row, e.column) for e in report.errors}
    assert (3, "NIP_BARU") in columns and (4, "NIP_BARU") in columns
    assert (5, "UNOR_ID") in columns and (6, "KEDUDUKAN_HUKUM_NAMA") in columns


def test_not_a_siasn_file(app):
    from eoffice.staff import transfer

    with pytest.raises(transfer.ImportFileError, match="SIASN"):
        run("nama,jenis_pegawai\nBudi,PNS\n")


@pytest.mark.parametrize(("jenis", "eselon", "expected"), [
    ("Jabatan Struktural", "II.b", "jpt"), ("Struktural", "III.a", "administrator"),
    ("Jabatan Struktural", "IV/b", "pengawas"), ("Jabatan Fungsional Umum", "", "pelaksana"),
    ("Pelaksana", "", "pelaksana"), ("Jabatan Fungsional Tertentu", "", "fungsional"),
    ("", "", None)])
def test_jabatan_types(jenis, eselon, expected):
    from eoffice.staff.siasn import RowMapper

    assert RowMapper.jabatan_type(jenis, eselon) == expected


def test_import_page_offers_the_siasn_format(app, client, as_admin, unit, make_nip):
    page = page_text(client.get("/pegawai/impor"))
    assert "KEDUDUKAN_HUKUM_NAMA" in page and 'value="siasn"' in page
    data = (HEADER + row(make_nip("P"))).encode()
    response = client.post("/pegawai/impor", data={
        "file": (io.BytesIO(data), "siasn.csv"), "format": "siasn", "mode": "all"},
        content_type="multipart/form-data")
    assert "1 rows read: 1 valid, 0 rejected, 1 imported" in page_text(response)
