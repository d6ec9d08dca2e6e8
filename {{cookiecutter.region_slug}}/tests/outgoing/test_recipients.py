"""The address book (eoffice.recipients): recipient groups and external contacts kept by
administrators, found with positions and units by the draft form's picker."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.outgoing.conftest import draft_form, log_in


def make_group(office, name, positions, active=True):
    from eoffice.extensions import db
    from eoffice.recipients.services import save_group

    group = save_group(None, actor=office.users["admin"], name=name,
                       position_ids=[p.id for p in positions], active=active)
    db.session.commit()
    return group


def make_contact(office, name, agency="", address="", active=True):
    from eoffice.extensions import db
    from eoffice.recipients.services import save_contact

    contact = save_contact(None, actor=office.users["admin"], name=name, agency=agency,
                           address=address, active=active)
    db.session.commit()
    return contact


def test_the_search_finds_positions_units_groups_and_contacts(office):
    from eoffice.recipients.services import search

    make_group(office, "Para Kepala Bidang Kominfo", [office.kabid_a, office.kabid_b])
    make_group(office, "Kepala Bidang Lama", [office.kabid_a], active=False)
    make_contact(office, "Kepala Kantor Wilayah", "Kementerian Hukum", "Jl. Merdeka 1")
    found = search("kabid")
    assert {(r["kind"], r["label"].split(" (")[0]) for r in found} >= {
        ("position", "Kabid Aptika"), ("position", "Kabid IKP")}
    by_unit = search(office.bidang_a.name.lower())
    assert {"kind": "unit", "label": f"Bidang Aptika ({office.bidang_a.code})",
            "detail": "Kabid Aptika", "positions": [office.kabid_a.id]} in by_unit
    groups = [r for r in search("kepala bidang") if r["kind"] == "group"]
    assert groups == [{"kind": "group", "label": "Para Kepala Bidang Kominfo",
                       "detail": "2 positions",
                       "positions": [office.kabid_a.id, office.kabid_b.id]}]  # by name
    contact = [r for r in search("kementerian") if r["kind"] == "external"]
    assert contact == [{"kind": "external", "label": "Kepala Kantor Wilayah",
                        "detail": "Kementerian Hukum",
                        "line": "Kepala Kantor Wilayah | Kementerian Hukum | Jl. Merdeka 1"}]


def test_the_search_finds_a_position_by_its_holders_name(office):
    from eoffice.extensions import db
    from eoffice.recipients.services import search

    office.kabid_b.holder.name = "Siti Rahmawati"
    db.session.commit()
    assert [r["positions"] for r in search("rahmawati") if r["kind"] == "position"] == [
        [office.kabid_b.id]]


@pytest.mark.parametrize("text", ["", "   ", "%", "_", "\\"])
def test_an_empty_or_wildcard_search_finds_nothing(office, text):
    from eoffice.recipients.services import search

    assert search(text) == []


def test_the_search_endpoint_answers_drafters_only(client, office):
    log_in(client, office.users["staf_a"])
    response = client.get("/surat-keluar/penerima/cari?q=kabid")
    assert response.status_code == 200
    assert {r["kind"] for r in response.get_json()["results"]} >= {"position"}
    assert client.get("/surat-keluar/penerima/cari?q=a%00b").get_json() == {"results": []}
    log_in(client, office.users["admin"])  # no outgoing.draft
    assert client.get("/surat-keluar/penerima/cari?q=kabid").status_code == 403
    client.post("/keluar")
    assert client.get("/surat-keluar/penerima/cari?q=kabid").status_code == 302


def test_the_draft_form_carries_the_picker_and_keeps_the_select(client, office):
    log_in(client, office.users["staf_a"])
    page = page_text(client.get("/surat-keluar/baru"))
    assert 'data-eo-recipients="/surat-keluar/penerima/cari"' in page
    assert 'data-eo-select="to_positions"' in page and 'data-eo-select="cc_positions"' in page
    assert 'name="to_positions"' in page  # without JavaScript the list still works
    response = client.post("/surat-keluar/baru", data=draft_form(office))
    assert response.status_code == 302


def test_admin_keeps_groups_and_contacts_audited(client, office):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.recipients.models import ExternalContact, RecipientGroup

    log_in(client, office.users["admin"])
    response = client.post("/admin/penerima/grup/baru", data={
        "name": "Para Kabid", "position_ids": [str(office.kabid_a.id), str(office.kabid_b.id)],
        "active": "y"})
    assert response.status_code == 302
    group = db.session.scalar(sa.select(RecipientGroup).where(RecipientGroup.name == "Para Kabid"))
    assert {p.id for p in group.positions} == {office.kabid_a.id, office.kabid_b.id}
    response = client.post("/admin/penerima/kontak/baru", data={
        "name": "Kepala Kantor Wilayah", "agency": "Kementerian Hukum",
        "address": "Jl. Merdeka 1", "active": "y"})
    assert response.status_code == 302
    page = page_text(client.get("/admin/penerima/"))
    assert "Para Kabid" in page and "Kementerian Hukum" in page
    for bad in ("99999999999999999999999", "-1", "x"):  # the contacts' page: never a 500
        assert client.get(f"/admin/penerima/?page={bad}").status_code == 200
    contact = db.session.scalar(sa.select(ExternalContact))
    actions = {(e.action, e.object_type, e.object_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("recipients.%")))}
    assert actions == {("recipients.group_saved", "recipient_groups", str(group.id)),
                       ("recipients.contact_saved", "external_contacts", str(contact.id))}


@pytest.mark.parametrize("url, data, message", [
    ("/admin/penerima/grup/baru", {"name": "Kosong"}, "Choose the group's positions"),
    ("/admin/penerima/grup/baru", {"name": "Para Kabid", "position_ids": ["KABID"]},
     "A group named Para Kabid exists"),
    ("/admin/penerima/grup/baru", {"name": "Salah", "position_ids": ["999999"]},
     "is not a valid choice"),
    ("/admin/penerima/kontak/baru", {"name": "A | B"}, "The character | is not allowed"),
    ("/admin/penerima/kontak/baru", {"name": ""}, "This field is required"),
])
def test_bad_address_book_input_says_what_is_wrong(client, office, url, data, message):
    from eoffice.extensions import db
    from eoffice.recipients.models import ExternalContact, RecipientGroup

    make_group(office, "Para Kabid", [office.kabid_a])
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in (RecipientGroup, ExternalContact)]
    log_in(client, office.users["admin"])
    data = {k: ([str(office.kabid_a.id) if i == "KABID" else i for i in v]
                if isinstance(v, list) else v) for k, v in data.items()}
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (RecipientGroup, ExternalContact)] == counts


@pytest.mark.parametrize("user", ["clerk", "kadis", "staf_a"])
def test_only_administrators_keep_the_address_book(client, office, user):
    log_in(client, office.users[user])
    for url in ("/admin/penerima/", "/admin/penerima/grup/baru", "/admin/penerima/kontak/baru"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"name": "x"}).status_code in (403, 405)
