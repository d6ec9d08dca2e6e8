"""The lembar disposisi PDF holds the letter's and the dispositions' fields (via pdftotext)."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from babel.dates import format_date


def pdf_text(data: bytes) -> str:
    """The text of a PDF, whitespace collapsed, as poppler's pdftotext reads it."""
    assert data.startswith(b"%PDF-")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603,S607
                             capture_output=True, check=True, timeout=60)
    return " ".join(out.stdout.decode("utf-8").split())


def tanggal(value: dt.date) -> str:
    return format_date(value, "long", locale="id")


def test_the_lembar_disposisi_holds_its_fields(client, login, office, register, instructions):
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db

    letter = register(office, sender="Kementerian PANRB", sender_number="B/45/M.SM/2026",
                      subject="Percepatan SPBE daerah", security="T", speed="segera",
                      letter_date=dt.date.today() - dt.timedelta(days=6),
                      received_date=dt.date.today() - dt.timedelta(days=2))
    ticked = [instructions["Tanggapan dan saran"], instructions["Hadiri/wakili"]]
    dispose(letter, DispositionInput(to_positions=[office.kabid_a.id, office.sekretaris.id],
                                     instruction_ids=[i.id for i in ticked],
                                     note="Mohon dikoordinasikan dengan Bappeda"),
            actor=office.users["kadis"])
    db.session.commit()
    login(office.users["kadis"])
    response = client.get(f"/surat-masuk/{letter.id}/lembar-disposisi.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "lembar-disposisi-00001.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (
        "LEMBAR DISPOSISI",
        "Surat dari Kementerian PANRB",
        "Nomor surat B/45/M.SM/2026",
        f"Tanggal surat {tanggal(letter.letter_date)}",
        f"Diterima tanggal {tanggal(letter.received_date)}",
        "Nomor agenda 00001",
        "Sifat Terbatas", "Kecepatan Segera",
        "Hal Percepatan SPBE daerah",
        "Diteruskan kepada:", "Kabid Aptika", "Sekretaris",
        "Catatan: Mohon dikoordinasikan dengan Bappeda",
        "Disposisi dari Kepala Dinas",
        office.users["kadis"].full_name,
    ):
        assert expected in text, expected
    # every active instruction is listed; only the chosen ones carry the tick
    for item in instructions.values():
        assert item.text in text
    for item in ticked:
        assert f"✓{item.text}" in text.replace("✓ ", "✓"), item.text
    assert text.count("✓") == len(ticked)
    assert office.users["kadis"].full_name in text.split("Catatan:")[1]  # signed under the note


def test_a_forward_has_its_own_block(client, login, office, register, instructions):
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db

    letter = register(office, security="SR", speed="amat_segera", subject="Rahasia negara")
    top = dispose(letter, DispositionInput(to_positions=[office.kabid_a.id], note="Tangani"),
                  actor=office.users["kadis"])
    dispose(letter, DispositionInput(to_positions=[office.staf_a.id], note="Siapkan telaahan",
                                     instruction_ids=[instructions["Siapkan bahan/laporan"].id]),
            actor=office.users["kabid_a"], from_recipient=top.recipients[0])
    db.session.commit()
    login(office.users["staf_a"])
    text = pdf_text(client.get(f"/surat-masuk/{letter.id}/lembar-disposisi.pdf").data)
    assert "Sifat Sangat Rahasia" in text and "Kecepatan Amat Segera" in text
    first, second = text.split("Disposisi dari ")[1:]
    assert first.startswith("Kepala Dinas") and "Catatan: Tangani" in first
    assert second.startswith("Kabid Aptika") and "Pranata Komputer" in second
    assert "Catatan: Siapkan telaahan" in second and "✓" in second and "✓" not in first
    assert office.users["kabid_a"].full_name in second


def test_an_undisposed_letter_gives_an_empty_sheet_to_fill_by_hand(client, login, office,
                                                                   register, instructions):
    letter = register(office, subject="Belum didisposisi")
    login(office.users["kadis"])
    text = pdf_text(client.get(f"/surat-masuk/{letter.id}/lembar-disposisi.pdf").data)
    assert "LEMBAR DISPOSISI" in text and "Hal Belum didisposisi" in text
    assert "Diteruskan kepada:" in text and "Catatan:" in text
    assert "Disposisi dari" not in text and "✓" not in text
    for item in instructions.values():
        assert item.text in text
