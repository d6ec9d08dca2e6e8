"""Naskah types as data (eoffice.naskah): the types of Permendagri 1/2023, each with its
code in the number, its numbering series and the OPDs that write it.

The office (tests/letters/conftest.py): the Dinas Kominfo (the drafter's OPD) and the
Dinas Lain.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.outgoing.conftest import draft_form, log_in, pdf_text

PERMENDAGRI = {"biasa", "nota_dinas", "memo", "undangan", "edaran", "keputusan", "tugas",
               "perintah", "keterangan", "pengantar", "pengumuman", "berita_acara", "laporan",
               "telaahan", "kuasa", "notula"}


def make_type(office, code: str, *, opds=None, layout: str = "edaran", number_code=None,
              series_id=None, **extra):
    from eoffice.extensions import db
    from eoffice.naskah.services import save_type

    item = save_type(None, actor=office.users["admin"], code=code,
                     name=extra.pop("name", code.title()), number_code=number_code or
                     code[:3].upper(), layout=layout, all_opds=opds is None,
                     opds=[u.id for u in opds or []], series_id=series_id,
                     active=extra.pop("active", True), **extra)
    db.session.commit()
    return item


def series(name, kinds, pattern, scope="region", unit=None):
    from eoffice.extensions import db
    from eoffice.series.services import save_series

    item = save_series(None, actor=None, name=name, scope=scope,
                       unit_id=unit.id if unit else None, kinds=kinds,
                       classification_codes=[], pattern=pattern, yearly_reset=True,
                       per_code=False, active=True)
    db.session.commit()
    return item


# --- The seeded types ------------------------------------------------------------------------

def test_the_migration_seeds_the_types_of_permendagri_and_numbers_them_all(app):
    from eoffice.naskah.services import all_types, layout_of, number_code
    from eoffice.series.services import series_for

    items = {t.code: t for t in all_types()}
    assert PERMENDAGRI <= set(items)
    assert (items["keputusan"].name, number_code("keputusan"), layout_of("keputusan")) == (
        "Keputusan", "KEP", "edaran")
    assert items["memo"].internal_only and items["nota_dinas"].internal_only
    assert not items["biasa"].internal_only
    for code in PERMENDAGRI:  # the region's default series numbers every seeded type
        assert series_for(f"outgoing:{code}", None).default_for == "outgoing"


# --- Per OPD -------------------------------------------------------------------------------

def test_the_draft_form_offers_only_the_types_of_the_drafters_opd(client, office):
    make_type(office, "izin_lain", name="Surat Izin Dinas Lain", opds=[office.other])
    make_type(office, "izin_kominfo", name="Surat Izin Kominfo", opds=[office.dinas])
    make_type(office, "lama", name="Jenis Lama", active=False)
    log_in(client, office.users["staf_a"])
    page = page_text(client.get("/surat-keluar/baru"))
    assert 'value="keputusan"' in page and 'value="izin_kominfo"' in page
    assert 'value="izin_lain"' not in page and 'value="lama"' not in page
    log_in(client, office.users["other_clerk"])
    page = page_text(client.get("/surat-keluar/baru"))
    assert 'value="izin_lain"' in page and 'value="izin_kominfo"' not in page


def test_a_type_of_another_opd_is_refused_with_a_message(client, office):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    make_type(office, "izin_lain", name="Surat Izin Dinas Lain", opds=[office.other])
    log_in(client, office.users["staf_a"])
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingLetter))
    response = client.post("/surat-keluar/baru", data=draft_form(
        office, letter_type="izin_lain", verifier_1="", verifier_2=""))
    assert response.status_code == 200
    assert "does not write Surat Izin Dinas Lain" in page_text(response)
    response = client.post("/surat-keluar/baru", data=draft_form(office, letter_type="nope"))
    assert response.status_code == 200  # not a choice: a form error, never a 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingLetter)) == before


def test_a_draft_keeps_its_type_when_the_opd_stops_writing_it(office, make_draft):
    from eoffice.extensions import db
    from eoffice.naskah.services import save_type
    from eoffice.outgoing import services

    item = make_type(office, "izin", name="Surat Izin", layout="biasa")
    letter = make_draft(letter_type="izin", chain=[])
    save_type(item, actor=office.users["admin"], name=item.name, number_code="IZN",
              layout="biasa", all_opds=False, opds=[office.other.id], active=True)
    db.session.commit()
    data = services.DraftInput(
        letter_type="izin", subject="Izin diperbarui", signer_position_id=office.kadis.id,
        body_html="<p>Isi baru.</p>", classification_id=letter.classification_id,
        to_positions=[office.kabid_b.id])
    services.update_draft(letter, data, actor=office.users["staf_a"])
    assert letter.revision == 2
    with pytest.raises(services.OutgoingError) as refused:
        make_draft(letter_type="izin", chain=[])
    assert "does not write Surat Izin" in refused.value.errors["letter_type"]


def test_an_internal_type_goes_to_internal_positions_only(office, make_draft):
    from eoffice.outgoing import services

    with pytest.raises(services.OutgoingError) as refused:
        make_draft(letter_type="memo", chain=[], external=[("Bapak Ahmad", "PT Maju", "")])
    assert "A Memo goes to internal positions only" in refused.value.errors["external"]


# --- Numbers and PDF -----------------------------------------------------------------------

def test_a_type_is_numbered_by_its_series_with_its_code(office, make_draft, advance):
    from eoffice.letters.services import today_local

    year = today_local().year
    own = series("Keputusan Kominfo", ["outgoing:keputusan"], "{type}/{seq:03d}/{opd}/{year}",
                 "opd", office.dinas)
    decision = advance(make_draft(letter_type="keputusan", to=[office.kabid_b]), "signed")
    assert decision.number == f"KEP/001/{office.dinas.code}/{year}"
    assert decision.number_series == f"series:{own.id}"
    memo = advance(make_draft(letter_type="nota_dinas"), "signed")
    assert memo.number_series == "surat"  # the region's default numbers the nota dinas


def test_a_new_type_joins_the_series_chosen_for_it(office, make_draft, advance):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    own = series("Rekomendasi", ["outgoing:edaran"], "REK/{seq}/{opd}/{year}", "opd",
                 office.dinas)
    make_type(office, "rekomendasi", name="Surat Rekomendasi", number_code="REK",
              series_id=own.id)
    assert "outgoing:rekomendasi" in own.kinds
    changed = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "numbering.series_changed",
        AuditEvent.object_id == str(own.id))).all()
    assert changed and "outgoing:rekomendasi" in changed[-1].data["changes"]["kinds"][1]
    letter = advance(make_draft(letter_type="rekomendasi"), "signed")
    assert letter.number == f"REK/1/{office.dinas.code}/{today_local().year}"


def test_a_new_type_without_a_series_is_numbered_by_the_regions_default(office, make_draft,
                                                                       advance):
    make_type(office, "izin", name="Surat Izin", layout="biasa")
    letter = advance(make_draft(letter_type="izin"), "signed")
    assert letter.number and letter.number_series == "surat"


def test_the_pdf_of_a_new_type_carries_its_title(office, make_draft, advance):
    from eoffice import files

    letter = advance(make_draft(letter_type="keputusan", subject="Penetapan Tim Aplikasi",
                                body="<p>MEMUTUSKAN: Menetapkan tim aplikasi daerah.</p>"),
                     "signed")
    text = pdf_text(files.read(letter.pdf_file))
    assert "KEPUTUSAN" in text and "SURAT EDARAN" not in text
    assert letter.number in text and "MEMUTUSKAN" in text


# --- Administration ------------------------------------------------------------------------

def test_admin_creates_a_type_for_one_opd_and_sees_its_history(client, office):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType

    log_in(client, office.users["admin"])
    assert "Keputusan" in page_text(client.get("/admin/naskah/"))
    response = client.post("/admin/naskah/baru", data={
        "code": "rekomendasi", "name": "Surat Rekomendasi", "number_code": "REK",
        "layout": "biasa", "opds": [str(office.dinas.id)], "sort_order": "5", "active": "y"})
    assert response.status_code == 302
    item = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == "rekomendasi"))
    assert [u.id for u in item.opds] == [office.dinas.id] and not item.all_opds
    response = client.post(f"/admin/naskah/{item.id}", data={
        "name": "Surat Rekomendasi", "number_code": "RKM", "layout": "biasa",
        "all_opds": "y", "sort_order": "5", "active": "y"})
    assert response.status_code == 302
    page = page_text(client.get(f"/admin/naskah/{item.id}"))
    assert "number_code" in page and "RKM" in page and "Nomor surat keluar" in page
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "naskah_types", AuditEvent.object_id == str(item.id)))]
    assert actions == ["naskah.type_created", "naskah.type_changed"]
    assert item.code == "rekomendasi"  # the code never changes


@pytest.mark.parametrize("data, message", [
    ({"code": "Surat Baru!"}, "The code is 2 to 12 lower-case letters"),
    ({"code": "keputusan"}, "A naskah type with the code keputusan exists"),
    ({"number_code": "K/P"}, "The number code is 1 to 16 letters"),
    ({"all_opds": ""}, "Choose the OPDs that write this type"),
])
def test_bad_input_says_what_is_wrong_and_saves_nothing(client, office, data, message):
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType

    log_in(client, office.users["admin"])
    before = db.session.scalar(sa.select(sa.func.count()).select_from(NaskahType))
    form = {"code": "rekomendasi", "name": "Surat Rekomendasi", "number_code": "REK",
            "layout": "biasa", "all_opds": "y", "active": "y"} | data
    response = client.post("/admin/naskah/baru", data={k: v for k, v in form.items() if v})
    assert response.status_code == 200
    assert message in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NaskahType)) == before


@pytest.mark.parametrize("user", ["clerk", "kadis", "staf_a"])
def test_only_administrators_manage_types(client, office, user):
    log_in(client, office.users[user])
    assert client.get("/admin/naskah/").status_code == 403
    assert client.post("/admin/naskah/baru", data={"code": "x1"}).status_code == 403
