"""The whole incoming-letter flow over HTTP: register, dispose, forward, report, done."""

import io
import re

import sqlalchemy as sa

from tests.letters.conftest import PDF_BYTES


def test_register_dispose_forward_report(client, login, office):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    login(office.users["clerk"])
    response = client.post("/surat-masuk/baru", data={
        "sender": "Kementerian PANRB", "sender_number": "B/123/M.SM.01/2026",
        "letter_date": "2026-01-05", "received_date": "2026-01-06",
        "subject": "Percepatan SPBE", "summary": "Ringkasan", "security": "B",
        "speed": "segera", "to_positions": [str(office.kadis.id)],
        "cc_positions": [str(office.sekretaris.id)], "physical_attachments": "1",
        "files": [(io.BytesIO(PDF_BYTES), "surat.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == "B/123/M.SM.01/2026"))
    assert letter.agenda_number == "00001"
    assert len(letter.attachments) == 1

    login(office.users["kadis"])
    page = client.get(f"/surat-masuk/{letter.id}").get_data(as_text=True)
    assert "Percepatan SPBE" in page
    response = client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.kabid_a.id), str(office.kabid_b.id)],
        "instruction_ids": ["1", "2"], "note": "Segera tindak lanjuti",
        "due_date": "2099-01-10"})
    assert response.status_code == 302, response.get_data(as_text=True)

    login(office.users["kabid_a"])
    page = client.get(f"/surat-masuk/{letter.id}").get_data(as_text=True)
    forward_url = re.search(r'href="(/disposisi/\d+/teruskan)"', page).group(1)
    response = client.post(forward_url, data={
        "to_positions": [str(office.staf_a.id)], "note": "Siapkan bahan",
        "due_date": "2099-01-09"})
    assert response.status_code == 302, response.get_data(as_text=True)

    login(office.users["staf_a"])
    page = client.get(f"/surat-masuk/{letter.id}").get_data(as_text=True)
    report_url = re.search(r'href="(/disposisi/\d+/laporan)"', page).group(1)
    response = client.post(report_url, data={"report": "Bahan sudah disiapkan", "done": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get(f"/surat-masuk/{letter.id}").get_data(as_text=True)
    actions = re.findall(r'data-action="([\w.]+)"', page)
    for expected in ("letter.registered", "letter.read", "disposition.created",
                     "disposition.forwarded", "disposition.done"):
        assert expected in actions
    pdf = client.get(f"/surat-masuk/{letter.id}/lembar-disposisi.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
