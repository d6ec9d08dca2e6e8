"""The letter PDF of every type, read back with pdftotext (and its QR code with zbarimg):
letterhead, number, date, subject, recipients, tembusan, signature block, verification
URL; and the preview, marked as a draft (watermark, no number, no QR code)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.dates import format_date

from eoffice.staff.nip import format_nip
from tests.outgoing.conftest import BASE_URL, log_in, pdf_text


def tanggal(value: dt.date, fmt: str = "long") -> str:
    return format_date(value, fmt, locale="id")


def signed_pdf(client, letter) -> bytes:
    response = client.get(f"/surat-keluar/{letter.id}/surat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def place(app) -> str:
    """The place line of a letter: the region's name without Kabupaten/Kota/Provinsi."""
    name = app.config["REGION_NAME"]
    for prefix in ("Kabupaten ", "Kota ", "Provinsi "):
        name = name.replace(prefix, "")
    return name


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_common(text: str, letter, office, app, *, kop_unit: str | None) -> None:
    """What every letter shows: letterhead, number, date, subject, signature block, URL."""
    assert app.config["AGENCY_NAME"].upper() in text
    for line in app.config["LETTERHEAD_LINES"]:
        assert " ".join(line.split()) in text, line
    assert app.config["LETTERHEAD_LINES"], "the baked region.toml has address lines"
    if kop_unit:
        assert kop_unit.upper() in text
    assert letter.number in text
    assert tanggal(letter.signed_date) in text
    assert letter.subject in text or letter.subject.upper() in text
    kadis = office.kadis.holder
    assert kadis.full_name in text
    assert f"NIP {format_nip(kadis.nip)}" in text and len(format_nip(kadis.nip)) == 21
    assert "Kepala Dinas," in text
    assert f"{kadis.golongan.pangkat} ({kadis.golongan.code})" in text
    assert "Ditandatangani secara elektronik" in text
    assert f"{BASE_URL}/verifikasi/{letter.verify_token}" in squeezed(text)


def qr_codes(pdf: bytes, folder: Path) -> list[str]:
    """Every QR code on every page (pdftoppm renders, zbarimg decodes)."""
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(folder / "page")],  # noqa: S603,S607
                   check=True, timeout=120)
    found = []
    for image in sorted(folder.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)],  # noqa: S603,S607
                             capture_output=True, text=True, timeout=60)
        found += [line for line in out.stdout.splitlines() if line.strip()]
    return found


@pytest.fixture
def tugas_staff(office, create_staff):
    from eoffice.extensions import db

    people = [create_staff(name="Dewi Lestari", unit=office.bidang_a, gender="P",
                           golongan_code="III/c"),
              create_staff(name="Agus Salim", unit=office.bidang_a, golongan_code="II/d")]
    db.session.commit()
    return people


def test_surat_biasa(app, client, office, make_draft, advance):
    letter = advance(make_draft(
        letter_type="biasa", subject="Permohonan narasumber SPBE", to=[],
        external=[("Kepala Dinas Kesehatan", "Pemerintah Kabupaten Tetangga",
                   "Jl. Merdeka No. 2, Kota Tetangga")],
        cc=[office.sekretaris],
        body="<p>Dengan hormat, kami mohon kesediaan Bapak menjadi narasumber.</p>"),
        "signed")
    log_in(client, office.users["staf_a"])
    text = pdf_text(signed_pdf(client, letter), layout=True)
    assert_common(text, letter, office, app, kop_unit=office.dinas.name)
    assert f"{place(app)}, {tanggal(letter.signed_date)}" in text  # the place: the region's name
    assert "Sifat : Biasa" in text and re.search(r"Lampiran : ?-", text)
    assert f"Hal : {letter.subject}" in text
    assert "Yth. Kepala Dinas Kesehatan, Pemerintah Kabupaten Tetangga Jl. Merdeka No. 2, " \
           "Kota Tetangga" in text
    assert "kami mohon kesediaan Bapak menjadi narasumber" in text
    assert "Tembusan: 1. Sekretaris" in text


def test_nota_dinas(app, client, office, make_draft, advance):
    letter = advance(make_draft(subject="Permohonan data aplikasi", cc=[office.kabid_a]),
                     "signed")
    log_in(client, office.users["staf_a"])
    text = pdf_text(signed_pdf(client, letter), layout=True)
    assert_common(text, letter, office, app, kop_unit=office.dinas.name)
    assert "NOTA DINAS" in text and f"Nomor {letter.number}" in text
    assert "Yth. : Kabid IKP" in text and "Dari : Kepala Dinas" in text
    assert "Tembusan : Kabid Aptika" in text
    assert f"Tanggal : {tanggal(letter.signed_date)}" in text


def test_surat_undangan(app, client, office, make_draft, advance):
    event = dt.date.today() + dt.timedelta(days=10)
    letter = advance(make_draft(
        letter_type="undangan", subject="Undangan rapat koordinasi SPBE",
        to=[office.kabid_a, office.kabid_b], cc=[office.sekretaris],
        details={"event_date": event.isoformat(), "event_time": "09.00 WIB - selesai",
                 "place": "Ruang Rapat Lantai 2", "agenda": "Evaluasi SPBE 2026"},
        body="<p>Dengan hormat, kami mengundang Saudara pada:</p>"), "signed")
    log_in(client, office.users["staf_a"])
    text = pdf_text(signed_pdf(client, letter), layout=True)
    assert_common(text, letter, office, app, kop_unit=office.dinas.name)
    assert "Yth. Kabid Aptika Kabid IKP di tempat" in text
    assert f"Hari/tanggal : {tanggal(event, 'full')}" in text
    assert "Waktu : 09.00 WIB - selesai" in text and "Tempat : Ruang Rapat Lantai 2" in text
    assert "Acara : Evaluasi SPBE 2026" in text
    assert "Tembusan: 1. Sekretaris" in text


def test_surat_tugas(app, client, office, make_draft, advance, tugas_staff):
    start = dt.date.today() + dt.timedelta(days=3)
    letter = advance(make_draft(
        letter_type="tugas", subject="Bimbingan teknis SPBE", to=[office.kabid_a],
        details={"assigned_staff": [s.id for s in tugas_staff], "start_date": start.isoformat(),
                 "end_date": (start + dt.timedelta(days=2)).isoformat(),
                 "destination": "Kementerian PANRB, Jakarta", "purpose": "Mengikuti bimtek"},
        body="<p>Surat Menteri PANRB Nomor B/45/M.SM/2026.</p>"), "signed")
    log_in(client, office.users["staf_a"])
    text = pdf_text(signed_pdf(client, letter), layout=True)
    assert_common(text, letter, office, app, kop_unit=office.dinas.name)
    assert "SURAT TUGAS" in text and "MEMERINTAHKAN:" in text
    assert "Dasar : Surat Menteri PANRB Nomor B/45/M.SM/2026." in text
    for person in tugas_staff:
        assert f"{person.full_name} NIP {format_nip(person.nip)}" in text
        assert f"{person.golongan.pangkat} ({person.golongan.code})" in text
    assert text.index("Dewi Lestari") < text.index("Agus Salim")  # in the order given
    assert "Tujuan: Kementerian PANRB, Jakarta" in text
    assert f"Waktu: {tanggal(start)} s.d. {tanggal(start + dt.timedelta(days=2))}" in text
    assert "Bimbingan teknis SPBE. Mengikuti bimtek" in text


def test_surat_edaran(app, client, office, make_draft, advance):
    letter = advance(make_draft(
        letter_type="edaran", subject="Penggunaan surat elektronik",
        to=[office.kabid_a, office.kabid_b], cc=[office.sekretaris],
        body="<p>Seluruh surat dinas dibuat melalui e-office.</p>"), "signed")
    log_in(client, office.users["staf_a"])
    text = pdf_text(signed_pdf(client, letter), layout=True)
    assert_common(text, letter, office, app, kop_unit=None)
    assert office.dinas.name.upper() not in text.split("SURAT EDARAN")[0]  # the region's kop
    assert f"SURAT EDARAN NOMOR {letter.number} TENTANG PENGGUNAAN SURAT ELEKTRONIK" in text
    assert "Yth. Kabid Aptika Kabid IKP di tempat" in text
    assert f"Ditetapkan di {place(app)} pada tanggal {tanggal(letter.signed_date)}" in text
    assert "Tembusan: 1. Sekretaris" in text


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                    reason="zbarimg (apt zbar-tools) or pdftoppm (poppler-utils) missing")
def test_the_qr_code_is_the_verification_url(client, office, make_draft, advance, tmp_path):
    letter = advance(make_draft(), "signed")
    log_in(client, office.users["staf_a"])
    codes = qr_codes(signed_pdf(client, letter), tmp_path)
    assert codes == [f"{BASE_URL}/verifikasi/{letter.verify_token}"]


# The watermark, whitespace removed: pdftotext scatters rotated text in its reading order,
# so the pages are read in the content stream's order (-raw) and compared squeezed.
WATERMARK = squeezed("KONSEP – BELUM DITANDATANGANI")


def raw_pages(pdf: bytes, folder: Path) -> list[str]:
    """Each page's text apart (a form feed separates them), in stream order, squeezed."""
    path = folder / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],  # noqa: S603,S607
                         capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    return [squeezed(page) for page in out.split("\f") if page.strip()]


def test_the_preview_is_a_draft_not_a_signed_letter(client, office, make_draft, advance,
                                                    tmp_path):
    """The preview must not pass for the signed letter: the watermark on every page, no
    number, no QR code, no verification address, no e-signature sentence; the issued
    PDF keeps all of them and has no watermark."""
    from eoffice.extensions import db

    paragraphs = "".join(f"<p>Paragraf {i}: kami mengundang Saudara pada rapat koordinasi "
                         "penerapan SPBE di lingkungan pemerintah daerah.</p>"
                         for i in range(60))
    letter = advance(make_draft(letter_type="undangan", cc=[office.sekretaris], details={
        "event_date": "2026-12-04", "event_time": "09.00", "place": "Aula",
        "agenda": "Rapat"}, body=paragraphs), "approved")
    log_in(client, office.users["kadis"])
    preview = client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert preview.headers["Cache-Control"] == "private, no-store"
    client.post(f"/surat-keluar/{letter.id}/tandatangani", data={"passphrase": "frasa-tte-uji-456"})
    db.session.expire_all()
    assert letter.status == "signed"
    issued = signed_pdf(client, letter)

    pages = raw_pages(preview.data, tmp_path)
    assert len(pages) >= 2
    for page in pages:
        assert WATERMARK in page, page[:200]
    before = "".join(page.replace(WATERMARK, "") for page in pages)
    assert "Nomor:(diberikansaatditandatangani)" in before
    assert squeezed(letter.number) not in before
    assert "Ditandatanganisecaraelektronik" not in before
    assert "/verifikasi/" not in before and "Verifikasi" not in before
    # What the signatory must check is all there.
    kadis = office.kadis.holder
    for expected in ("Kepala Dinas,", kadis.full_name, f"NIP {format_nip(kadis.nip)}",
                     letter.subject, "Yth.", "Paragraf 59", "Tembusan:", "Sekretaris"):
        assert squeezed(expected) in before, expected

    after = pdf_text(issued, layout=True)
    assert not any("KONSEP" in page or "BELUMDITANDATANGANI" in page
                   for page in raw_pages(issued, tmp_path))
    assert f"Nomor : {letter.number}" in after and "Ditandatangani secara elektronik" in after
    assert f"{BASE_URL}/verifikasi/{letter.verify_token}" in squeezed(after)
    if shutil.which("zbarimg") and shutil.which("pdftoppm"):
        for name in ("preview", "issued"):
            (tmp_path / name).mkdir()
        assert qr_codes(preview.data, tmp_path / "preview") == []
        assert qr_codes(issued, tmp_path / "issued") == [
            f"{BASE_URL}/verifikasi/{letter.verify_token}"]


@pytest.mark.parametrize("letter_type", ["biasa", "nota_dinas", "tugas", "edaran"])
def test_every_type_of_preview_is_a_draft(client, office, make_draft, tugas_staff,
                                          letter_type, tmp_path):
    details = {}
    if letter_type == "tugas":
        details = {"assigned_staff": [s.id for s in tugas_staff], "start_date": "2026-12-07",
                   "end_date": "2026-12-08", "destination": "Jakarta", "purpose": "Bimtek"}
    letter = make_draft(letter_type=letter_type, details=details,
                        subject="Penggunaan surat elektronik")
    log_in(client, office.users["staf_a"])
    response = client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf")
    assert response.status_code == 200
    assert all(WATERMARK in page for page in raw_pages(response.data, tmp_path))
    text = pdf_text(response.data)
    assert "(diberikan saat ditandatangani)" in text
    assert not re.search(r"000\.1/\d+", text)  # no number of the letter's series
    assert "Ditandatangani secara elektronik" not in text and "/verifikasi/" not in text
    assert "Kepala Dinas" in text and office.kadis.holder.full_name in text
