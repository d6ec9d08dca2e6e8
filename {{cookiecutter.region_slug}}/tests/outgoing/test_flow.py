"""The outgoing flow over HTTP: draft, return, revise, paraf, sign, verify, send."""

import re
import subprocess

import sqlalchemy as sa

from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE


def _draft_form(office, **extra):
    data = {
        "letter_type": "nota_dinas", "subject": "Permohonan data aplikasi daerah",
        "classification_id": "", "security": "B", "speed": "biasa",
        "to_positions": [str(office.kabid_b.id)], "body_html":
            "<p>Dengan hormat, <strong>mohon</strong> data aplikasi.</p><script>x()</script>",
        "signer_position_id": str(office.kadis.id),
        "verifier_1": str(office.kabid_a.id), "verifier_2": str(office.sekretaris.id),
    }
    data.update(extra)
    return data


def test_nota_dinas_from_draft_to_disposition(app, client, login, office, tmp_path):
    from eoffice.archive.models import Classification
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.models import OutgoingLetter

    code = db.session.scalar(sa.select(Classification).where(Classification.code == "000.1"))
    login(office.users["staf_a"])
    response = client.post("/surat-keluar/baru",
                           data=_draft_form(office, classification_id=str(code.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    letter = db.session.scalar(sa.select(OutgoingLetter).order_by(OutgoingLetter.id.desc()))
    assert "<script>" not in letter.body_html and "<strong>mohon</strong>" in letter.body_html
    assert client.post(f"/surat-keluar/{letter.id}/ajukan").status_code == 302

    login(office.users["kabid_a"])
    client.post(f"/surat-keluar/{letter.id}/kembalikan", data={"note": "Lengkapi dasar hukum"})
    db.session.expire_all()
    assert db.session.get(OutgoingLetter, letter.id).status == "returned"

    login(office.users["staf_a"])
    response = client.post(f"/surat-keluar/{letter.id}/ubah", data=_draft_form(
        office, classification_id=str(code.id), revision_note="Dasar hukum ditambahkan",
        body_html="<p>Berdasarkan Perpres 95/2018, mohon data aplikasi.</p>"))
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post(f"/surat-keluar/{letter.id}/ajukan")
    diff = client.get(f"/surat-keluar/{letter.id}/revisi?a=1&b=2").get_data(as_text=True)
    assert "Perpres 95/2018" in diff

    login(office.users["kabid_a"])
    client.post(f"/surat-keluar/{letter.id}/setujui", data={"note": ""})
    login(office.users["sekretaris"])
    client.post(f"/surat-keluar/{letter.id}/setujui", data={"note": "OK"})
    login(office.users["kadis"])
    preview = client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    wrong = client.post(f"/surat-keluar/{letter.id}/tandatangani",
                        data={"passphrase": "salah-sekali"})
    assert wrong.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutgoingLetter, letter.id).status == "approved"
    client.post(f"/surat-keluar/{letter.id}/tandatangani",
                data={"passphrase": TEST_SIGNING_PASSPHRASE})
    db.session.expire_all()
    letter = db.session.get(OutgoingLetter, letter.id)
    assert letter.status == "signed"
    unit = office.kadis.unit.code
    assert re.fullmatch(rf"000\.1/\d+/{re.escape(unit)}/\d{{4}}", letter.number)

    pdf = client.get(f"/surat-keluar/{letter.id}/surat.pdf").data
    path = tmp_path / "surat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "NOTA DINAS" in text and letter.number in text
    assert f"/verifikasi/{letter.verify_token}" in text.replace("\n", "").replace(" ", "")

    client.post("/keluar")
    page = client.get(f"/verifikasi/{letter.verify_token}")
    assert page.status_code == 200 and letter.number in page.get_data(as_text=True)
    ok = client.post(f"/verifikasi/{letter.verify_token}",
                     data={"file": (__import__("io").BytesIO(pdf), "surat.pdf")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="verify-result"' in ok and "alert-success" in ok
    bad = client.post(f"/verifikasi/{letter.verify_token}",
                      data={"file": (__import__("io").BytesIO(pdf + b"\n"), "surat.pdf")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "alert-danger" in bad

    login(office.users["staf_a"])
    client.post(f"/surat-keluar/{letter.id}/kirim")
    db.session.expire_all()
    letter = db.session.get(OutgoingLetter, letter.id)
    assert letter.status == "sent"
    incoming = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == letter.number))
    assert incoming is not None

    login(office.users["kabid_b"])
    listing = client.get("/surat-masuk/?antrian=to_read").get_data(as_text=True)
    assert incoming.agenda_number in listing
    form = client.get(f"/disposisi/surat/{incoming.id}/baru")
    assert form.status_code == 200
