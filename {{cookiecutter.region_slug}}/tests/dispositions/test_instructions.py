"""The standard disposition instructions and their administration (admin only)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.letters.test_pdf import pdf_text

STANDARD = ["Tanggapan dan saran", "Proses lebih lanjut", "Koordinasikan/konfirmasikan",
            "Hadiri/wakili", "Siapkan bahan/laporan", "Arsipkan/untuk diketahui"]


def form_instructions(client, letter_id: int) -> list[str]:
    """The instructions offered on the disposition form, in order."""
    page = page_text(client.get(f"/disposisi/surat/{letter_id}/baru"))
    return re.findall(r'name="instruction_ids"[^>]*>\s*<label[^>]*>([^<]+)</label>', page)


def all_items() -> dict:
    from eoffice.dispositions.models import DispositionInstruction
    from eoffice.extensions import db

    return {i.text: i for i in db.session.scalars(sa.select(DispositionInstruction))}


def test_the_standard_instructions_are_seeded(client, login, office, register):
    assert sorted(all_items()) == sorted(STANDARD)
    letter = register(office)
    login(office.users["kadis"])
    assert form_instructions(client, letter.id) == STANDARD


@pytest.mark.parametrize("who", ["clerk", "kadis", "staf_a"])
def test_only_the_admin_edits_instructions(client, login, office, who):
    login(office.users[who])
    item = all_items()["Hadiri/wakili"]
    assert client.get("/disposisi/instruksi").status_code == 403
    assert client.get(f"/disposisi/instruksi/{item.id}").status_code == 403
    assert client.post("/disposisi/instruksi", data={"text": "Baru", "active": "y"}
                       ).status_code == 403
    assert "Baru" not in all_items()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/disposisi/instruksi")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_add_edit_and_deactivate(client, login, office, register):
    from eoffice.extensions import db

    letter = register(office)
    login(office.users["admin"])
    page = page_text(client.get("/disposisi/instruksi"))
    for text in STANDARD:
        assert text in page
    response = client.post("/disposisi/instruksi", data={
        "text": "Pelajari dan telaah", "sort_order": "0", "active": "y"})
    assert response.status_code == 302
    item = all_items()["Pelajari dan telaah"]
    assert item.active and item.sort_order == 0
    response = client.post("/disposisi/instruksi", data={"text": "pelajari DAN telaah",
                                                         "active": "y"})
    assert "This instruction already exists." in page_text(response)
    response = client.post("/disposisi/instruksi", data={"text": "", "active": "y"})
    assert response.status_code == 200 and len(all_items()) == 7
    response = client.post(f"/disposisi/instruksi/{item.id}", data={
        "text": "Pelajari dan buat telaahan", "sort_order": "9", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.text, item.sort_order) == ("Pelajari dan buat telaahan", 9)
    login(office.users["kadis"])
    assert form_instructions(client, letter.id)[-1] == "Pelajari dan buat telaahan"
    hadir = all_items()["Hadiri/wakili"]
    login(office.users["admin"])
    response = client.post(f"/disposisi/instruksi/{hadir.id}", data={
        "text": "Hadiri/wakili", "sort_order": str(hadir.sort_order)})  # "active" not ticked
    assert response.status_code == 302
    db.session.expire_all()
    assert hadir.active is False
    assert "inactive" in page_text(client.get("/disposisi/instruksi"))
    login(office.users["kadis"])
    offered = form_instructions(client, letter.id)
    assert "Hadiri/wakili" not in offered and "Proses lebih lanjut" in offered
    assert client.get("/disposisi/instruksi/999999").status_code == 403  # not even a 404


def test_a_deactivated_instruction_stays_on_old_dispositions(client, login, office, register,
                                                             instructions):
    from eoffice.dispositions.services import DispositionInput, dispose, save_instruction
    from eoffice.extensions import db

    letter = register(office)
    hadir = instructions["Hadiri/wakili"]
    dispose(letter, DispositionInput(to_positions=[office.kabid_a.id],
                                     instruction_ids=[hadir.id]), actor=office.users["kadis"])
    save_instruction(hadir, hadir.text, False, hadir.sort_order, actor=office.users["admin"])
    db.session.commit()
    login(office.users["kadis"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "Hadiri/wakili" in page  # on the tree of the letter
    text = pdf_text(client.get(f"/surat-masuk/{letter.id}/lembar-disposisi.pdf").data)
    assert "Hadiri/wakili" in text.replace("✓ ", "✓") and "✓Hadiri/wakili" in text.replace(
        "✓ ", "✓")


def test_the_admin_gets_404_for_an_unknown_instruction(client, as_admin):
    assert client.get("/disposisi/instruksi/999999").status_code == 404
