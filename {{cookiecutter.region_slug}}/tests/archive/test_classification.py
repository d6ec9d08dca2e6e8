"""Classification codes (klasifikasi arsip): the seeded list and its administration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.letters.conftest import letter_form

TOP_CODES = {"000": "Umum", "100": "Pemerintahan", "200": "Politik",
             "300": "Keamanan dan Ketertiban", "400": "Kesejahteraan Rakyat",
             "500": "Perekonomian", "600": "Pekerjaan Umum dan Ketenagaan", "700": "Pengawasan",
             "800": "Kepegawaian", "900": "Keuangan"}


def form(**values) -> dict:
    """The code form as a browser sends it (a select always sends a value)."""
    return {"final_disposition": "", "retention_active_years": "",
            "retention_inactive_years": ""} | values


def picker_codes(client, q: str) -> list[str]:
    """The codes the registration form's picker offers for ``q``."""
    return [r["code"] for r in client.get(f"/klasifikasi/cari?q={q}").get_json()["results"]]


def codes() -> dict:
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return {c.code: c for c in db.session.scalars(sa.select(Classification))}


def test_the_permendagri_codes_are_seeded(app):
    seeded = codes()
    assert len(seeded) == 2988
    assert {code: seeded[code].name for code in TOP_CODES} == TOP_CODES
    for code, item in seeded.items():
        assert item.active
        if "." in code:
            assert item.parent is not None and item.parent.code == code.rsplit(".", 1)[0]
        else:
            assert item.parent is None
    for top in TOP_CODES:  # every top code has its second level
        assert any(c.startswith(top + ".") and c.count(".") == 1 for c in seeded)
    assert seeded["000.1"].name == "Ketatausahaan dan Kerumahtanggaan"
    assert seeded["000.1.2.3"].parent.code == "000.1.2"


def test_the_tree_is_in_the_regulation_order(app):
    from eoffice.archive.services import tree_page

    labels = [c.label for c in tree_page("", None, 3000)]
    assert labels[:2] == ["000 Umum", "000.1 Ketatausahaan dan Kerumahtanggaan"]
    assert labels.index("100 Pemerintahan") > labels.index(
        "000.1.3.3 Perjalanan Dinas Pegawai")
    # numeric order of the parts: 400.2 before 400.10, 000.1.9 before 000.1.10
    assert labels.index("400.2 Pemberdayaan Perempuan dan Perlindungan Anak") < \
        labels.index("400.10 Pemberdayaan Masyarakat Desa")
    codes_ = [label.split(" ", 1)[0] for label in labels]
    assert codes_.index("000.1.9") < codes_.index("000.1.10")


@pytest.mark.parametrize("who, status", [("clerk", 403), ("kadis", 403), ("staf_a", 403),
                                         ("admin", 200)])
def test_only_the_admin_manages_codes(client, login, office, who, status):
    login(office.users[who])
    for url in ("/admin/klasifikasi/", "/admin/klasifikasi/baru",
                f"/admin/klasifikasi/{codes()['000'].id}/ubah"):
        assert client.get(url).status_code == status
    response = client.post("/admin/klasifikasi/baru", data=form(**{"code": "000.1.99", "name": "X",
                                                            "active": "y"}))
    assert response.status_code == (302 if who == "admin" else 403)
    assert ("000.1.99" in codes()) is (who == "admin")


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/klasifikasi/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_the_index_finds_a_code(client, as_admin):
    page = page_text(client.get("/admin/klasifikasi/?q=900.1"))
    assert "<code>900.1</code>" in page and "Keuangan Daerah" in page


def test_add_a_code_under_an_existing_parent(client, as_admin):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db

    response = client.post("/admin/klasifikasi/baru", data=form(**{
        "code": "000.1.99", "name": "Layanan Digital", "retention_active_years": "2",
        "retention_inactive_years": "3", "final_disposition": "musnah", "active": "y"}))
    assert response.status_code == 302
    item = codes()["000.1.99"]
    assert response.headers["Location"].endswith(f"/admin/klasifikasi/?q=000.1.99#k-{item.id}")
    assert (item.name, item.parent.code, item.active) == ("Layanan Digital", "000.1", True)
    assert (item.retention_active_years, item.retention_inactive_years,
            item.final_disposition) == (2, 3, "musnah")
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "classifications", AuditEvent.object_id == str(item.id))
    ) == "classification.created"


@pytest.mark.parametrize("code, message", [
    ("000.99.1", "Add the parent code 000.99 first."),
    ("1000", "A code looks like 000, 000.1 or 000.1.2."),
    ("00", "A code looks like 000, 000.1 or 000.1.2."),
    ("000.", "A code looks like 000, 000.1 or 000.1.2."),
    ("000..1", "A code looks like 000, 000.1 or 000.1.2."),
    ("000.1234", "A code looks like 000, 000.1 or 000.1.2."),
    ("A00.1", "A code looks like 000, 000.1 or 000.1.2."),
    ("000.1.2", "The code 000.1.2 already exists."),
])
def test_a_wrong_code_is_refused(client, as_admin, code, message):
    response = client.post("/admin/klasifikasi/baru", data=form(**{"code": code, "name": "Baru",
                                                            "active": "y"}))
    assert response.status_code == 200
    assert message in page_text(response)
    assert len(codes()) == 2988


def test_the_service_checks_retention_and_names(app):
    from eoffice.archive.services import ClassificationError, save

    for kwargs, field in (({"name": " "}, "name"),
                          ({"name": "X", "retention_active_years": 101},
                           "retention_active_years"),
                          ({"name": "X", "final_disposition": "bakar"}, "final_disposition")):
        with pytest.raises(ClassificationError) as raised:
            save(None, code="000.1.20", **kwargs)
        assert raised.value.field == field


def test_edit_a_code(client, as_admin):
    item = codes()["000.5"]
    response = client.post(f"/admin/klasifikasi/{item.id}/ubah", data=form(**{
        "code": "000.5", "name": "Kearsipan dan Dokumentasi", "retention_active_years": "5",
        "active": "y"}))
    assert response.status_code == 302
    item = codes()["000.5"]
    assert (item.name, item.retention_active_years) == ("Kearsipan dan Dokumentasi", 5)
    assert client.get("/admin/klasifikasi/999999/ubah").status_code == 404


def test_a_code_with_sub_codes_is_not_renumbered(client, as_admin):
    item = codes()["000.1"]
    response = client.post(f"/admin/klasifikasi/{item.id}/ubah", data=form(**{
        "code": "000.10", "name": item.name, "active": "y"}))
    assert "A code with sub-codes cannot be renumbered." in page_text(response)
    assert "000.1" in codes() and "000.10" not in codes()


def test_a_deactivated_code_leaves_the_choices_but_stays_on_letters(client, login, office,
                                                                    register):
    from eoffice.extensions import db

    item = codes()["000.1.2"]
    letter = register(office, classification_id=item.id)
    login(office.users["clerk"])
    assert "000.1.2" in picker_codes(client, "000.1")
    login(office.users["admin"])
    response = client.post(f"/admin/klasifikasi/{item.id}/ubah", data=form(**{
        "code": "000.1.2", "name": item.name}))  # "active" not ticked
    assert response.status_code == 302
    db.session.expire_all()
    assert codes()["000.1.2"].active is False
    assert 'inactive' in page_text(client.get("/admin/klasifikasi/"))
    login(office.users["clerk"])
    offered = picker_codes(client, "000.1")
    assert "000.1.2" not in offered and "000.1.3" in offered
    assert "000.1.2" not in picker_codes(client, "Perjalanan Dinas Dalam Negeri")
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, classification_id=str(item.id), sender_number="baru/1"))
    assert response.status_code == 200  # no new letter under the inactive code
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "000.1.2 Perjalanan Dinas Dalam Negeri" in page  # the old letter keeps it
    db.session.expire_all()
    assert letter.classification_id == item.id
