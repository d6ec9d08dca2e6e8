"""The organisation tree: units, positions (jabatan), heads and holders."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eoffice import audit
from eoffice.extensions import db
from eoffice.org import services
from eoffice.org.models import Position, Unit
from tests.helpers import count, page_text

NIP_SITI = "198502152010122001"


@pytest.fixture
def tree(create_unit):
    """PEMDA > DISKOMINFO > APTIKA, and DINKES at the top level."""
    pemda = create_unit(code="PEMDA", name="Pemerintah Daerah", kind="pemda")
    kominfo = create_unit(code="DISKOMINFO", name="Dinas Kominfo", parent=pemda)
    aptika = create_unit(code="APTIKA", name="Bidang Aptika", kind="bidang", parent=kominfo)
    dinkes = create_unit(code="DINKES", name="Dinas Kesehatan")
    return {"pemda": pemda, "kominfo": kominfo, "aptika": aptika, "dinkes": dinkes}


def org_error(call, **kwargs) -> services.OrgError:
    with pytest.raises(services.OrgError) as caught:
        call(**kwargs)
    return caught.value


def unit_values(unit: Unit, **changes) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent_id": unit.parent_id} | changes


def position_values(position: Position, **changes) -> dict:
    return {"name": position.name, "unit_id": position.unit_id, "parent_id": position.parent_id,
            "jabatan_type": position.jabatan_type, "is_head": position.is_head,
            "holder_id": position.holder_id} | changes


# --- Units --------------------------------------------------------------------------------

def test_unit_tree_nests_units_with_depths(app, tree):
    forest = services.unit_tree()
    assert [node.unit.code for node in forest] == ["DINKES", "PEMDA"]  # by name
    flat = services.flatten(forest)
    assert [(node.unit.code, node.depth) for node in flat] == [
        ("DINKES", 0), ("PEMDA", 0), ("DISKOMINFO", 1), ("APTIKA", 2)]
    pemda = forest[1]
    assert [child.unit.code for child in pemda.children] == ["DISKOMINFO"]


def test_unit_tree_follows_sort_order_and_hides_inactive_units(app, tree):
    services.save_unit(tree["dinkes"], **unit_values(tree["dinkes"]), sort_order=9)
    services.save_unit(tree["aptika"], **unit_values(tree["aptika"]), active=False)
    assert [n.unit.code for n in services.flatten(services.unit_tree())] == [
        "PEMDA", "DISKOMINFO", "DINKES"]
    assert "APTIKA" in [n.unit.code for n in
                        services.flatten(services.unit_tree(include_inactive=True))]


def test_unit_tree_loads_positions_and_holders_in_three_queries(app, tree, create_position,
                                                                create_staff, count_queries):
    for unit in tree.values():
        create_position(unit, holder=create_staff(employment_type="non_asn"))
        create_position(unit)
    db.session.flush()
    db.session.expire_all()
    with count_queries() as counter:
        names = [(p.name, p.holder.name if p.holder else None)
                 for node in services.flatten(services.unit_tree()) for p in node.unit.positions]
    assert len(names) == 8
    assert counter.count <= 3, counter.statements


def test_unit_choices_show_the_depth(app, tree):
    labels = dict(services.unit_choices())
    assert labels[tree["aptika"].id] == "\u2014 \u2014 Bidang Aptika (APTIKA)"


def test_descendant_unit_ids(app, tree):
    assert services.descendant_unit_ids(tree["pemda"].id) == {
        tree["pemda"].id, tree["kominfo"].id, tree["aptika"].id}
    assert services.descendant_unit_ids(tree["dinkes"].id) == {tree["dinkes"].id}


def test_unit_code_is_unique(app, tree):
    error = org_error(services.save_unit, unit=None, code="DINKES", name="Lain", kind="opd",
                      parent_id=None)
    assert error.field == "code"
    assert str(error) == "The unit code DINKES is already used by Dinas Kesehatan."
    # Saving a unit with its own code is fine.
    services.save_unit(tree["dinkes"], **unit_values(tree["dinkes"], name="Dinkes Baru"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": " "}, "code"), ({"code": "X" * 33}, "code"), ({"name": ""}, "name"),
    ({"kind": "kementerian"}, "kind"), ({"parent_id": 999999}, "parent_id"),
])
def test_unit_fields_are_checked(app, changes, field):
    values = {"code": "BARU", "name": "Unit Baru", "kind": "opd", "parent_id": None} | changes
    assert org_error(services.save_unit, unit=None, **values).field == field


@pytest.mark.parametrize("new_parent", ["pemda", "kominfo", "aptika"])
def test_unit_cannot_move_under_itself_or_its_sub_units(app, tree, new_parent):
    pemda = tree["pemda"]
    error = org_error(services.save_unit, unit=pemda,
                      **unit_values(pemda, parent_id=tree[new_parent].id))
    assert error.field == "parent_id"
    assert str(error) == "A unit cannot be placed under itself or its own sub-unit."


def test_unit_can_move_elsewhere(app, tree):
    aptika = tree["aptika"]
    services.save_unit(aptika, **unit_values(aptika, parent_id=tree["dinkes"].id))
    assert aptika.id in services.descendant_unit_ids(tree["dinkes"].id)
    assert aptika.id not in services.descendant_unit_ids(tree["pemda"].id)


def test_create_unit_through_the_form(client, tree, as_admin):
    response = client.post("/organisasi/unit/baru", data={
        "code": "BAPPEDA", "name": "Bappeda", "kind": "opd",
        "parent_id": str(tree["pemda"].id), "sort_order": "1", "active": "y"})
    assert response.status_code == 302
    unit = services.unit_by_code("BAPPEDA")
    assert unit.parent_id == tree["pemda"].id
    assert response.headers["Location"] == f"/organisasi/#unit-{unit.id}"
    assert audit.events_for("units", unit.id)[0].action == "unit.created"


def test_unit_form_shows_duplicate_code_and_saves_nothing(client, tree, as_admin):
    before = count(Unit)
    response = client.post("/organisasi/unit/baru", data={
        "code": "DINKES", "name": "Dinas Kesehatan Dua", "kind": "opd", "parent_id": "None"})
    assert response.status_code == 200
    assert "The unit code DINKES is already used by Dinas Kesehatan." in page_text(response)
    assert count(Unit) == before


def test_unit_form_refuses_a_cycle(client, tree, as_admin):
    pemda = tree["pemda"]
    response = client.post(f"/organisasi/unit/{pemda.id}/ubah", data={
        "code": "PEMDA", "name": "Pemerintah Daerah", "kind": "pemda",
        "parent_id": str(tree["aptika"].id), "active": "y"})
    assert "A unit cannot be placed under itself or its own sub-unit." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Unit, pemda.id).parent_id is None


def test_unit_form_offers_sub_units_but_not_itself_as_parent(client, tree, as_admin):
    text = page_text(client.get(f"/organisasi/unit/{tree['kominfo'].id}/ubah"))
    options = re.findall(r'<option[^>]*value="(\d+)"', text.split('name="parent_id"')[1]
                         .split("</select>")[0])
    assert str(tree["kominfo"].id) not in options
    assert str(tree["pemda"].id) in options


def test_missing_unit_or_position_is_404(client, as_admin):
    assert client.get("/organisasi/unit/999999/ubah").status_code == 404
    assert client.get("/organisasi/jabatan/999999/ubah").status_code == 404


# --- Positions ----------------------------------------------------------------------------

def test_position_cannot_report_to_itself_or_below_it(app, tree, create_position):
    kepala = create_position(tree["kominfo"], "Kepala Dinas", is_head=True)
    kabid = create_position(tree["aptika"], "Kepala Bidang", parent=kepala, is_head=True)
    staf = create_position(tree["aptika"], "Pranata Komputer", parent=kabid)
    for new_parent in (kepala, kabid, staf):
        error = org_error(services.save_position, position=kepala,
                          **position_values(kepala, parent_id=new_parent.id))
        assert error.field == "parent_id"
        assert str(error) == "A position cannot report to itself or to a position below it."
    # Reporting upwards or sideways is fine.
    services.save_position(staf, **position_values(staf, parent_id=kepala.id))


def test_one_head_per_unit(app, tree, create_position):
    create_position(tree["kominfo"], "Kepala Dinas", is_head=True)
    error = org_error(services.save_position, position=None, name="Kepala Kedua",
                      unit_id=tree["kominfo"].id, parent_id=None, jabatan_type="jpt",
                      is_head=True, holder_id=None)
    assert error.field == "is_head"
    assert str(error) == "The unit already has a head position: Kepala Dinas."
    # Another unit may have its own head.
    create_position(tree["dinkes"], "Kepala Dinas Kesehatan", is_head=True)


def test_an_inactive_head_does_not_block_a_new_one(app, tree, create_position):
    old = create_position(tree["kominfo"], "Kepala Lama", is_head=True)
    services.save_position(old, **position_values(old), active=False)
    create_position(tree["kominfo"], "Kepala Baru", is_head=True)


def test_a_staff_member_holds_one_position(app, tree, create_position, create_staff):
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI)
    first = create_position(tree["kominfo"], "Sekretaris", holder=siti)
    error = org_error(services.save_position, position=None, name="Kepala Seksi",
                      unit_id=tree["aptika"].id, parent_id=None, jabatan_type="pengawas",
                      is_head=False, holder_id=siti.id)
    assert error.field == "holder_id"
    assert str(error) == "Siti Aminah already holds the position Sekretaris."
    services.save_position(first, **position_values(first, name="Sekretaris Dinas"))
    assert siti.position is first


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"), ({"unit_id": 999999}, "unit_id"),
    ({"jabatan_type": "direktur"}, "jabatan_type"), ({"parent_id": 999999}, "parent_id"),
    ({"holder_id": 999999}, "holder_id"),
])
def test_position_fields_are_checked(app, tree, changes, field):
    values = {"name": "Staf", "unit_id": tree["dinkes"].id, "parent_id": None,
              "jabatan_type": "pelaksana", "is_head": False, "holder_id": None} | changes
    assert org_error(services.save_position, position=None, **values).field == field


def test_holder_change_is_audited(app, tree, create_position, create_staff):
    siti = create_staff(name="Siti", nip=NIP_SITI)
    position = create_position(tree["dinkes"], "Staf")
    services.save_position(position, **position_values(position, holder_id=siti.id))
    events = audit.events_for("positions", position.id)
    assert [e.action for e in events] == ["position.created", "position.updated",
                                          "position.holder_changed"]
    assert events[-1].data == {"from": None, "to": siti.id}


def position_form(unit: Unit, **values) -> dict:
    return {"name": "Kepala Seksi", "unit_id": str(unit.id), "parent_id": "None",
            "jabatan_type": "pengawas", "holder": "", "sort_order": "0", "active": "y"} | values


def test_position_holder_is_given_by_nip(client, tree, create_staff, as_admin):
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI)
    db.session.commit()
    response = client.post("/organisasi/jabatan/baru", data=position_form(
        tree["aptika"], holder="19850215 201012 2 001", is_head="y"))
    assert response.status_code == 302
    position = db.session.scalar(sa.select(Position).where(Position.name == "Kepala Seksi"))
    assert (position.holder_id, position.is_head) == (siti.id, True)
    # The form shows the holder's NIP as people read it.
    text = page_text(client.get(f"/organisasi/jabatan/{position.id}/ubah"))
    assert 'value="19850215 201012 2 001"' in text


def test_position_holder_by_pppk_number(client, tree, create_staff, as_admin):
    rina = create_staff(name="Rina", employment_type="pppk", pppk_number="198702012022212001")
    db.session.commit()
    client.post("/organisasi/jabatan/baru", data=position_form(
        tree["aptika"], holder="198702012022212001"))
    assert rina.position is not None


def test_position_form_with_an_unknown_holder_saves_nothing(client, tree, as_admin):
    response = client.post("/organisasi/jabatan/baru", data=position_form(
        tree["aptika"], holder="19850215 201012 2 001"))
    assert response.status_code == 200
    assert "No staff member has that NIP or PPPK number." in page_text(response)
    assert count(Position) == 0


def test_position_form_refuses_a_second_head(client, tree, create_position, as_admin):
    create_position(tree["aptika"], "Kepala Bidang", is_head=True)
    db.session.commit()
    response = client.post("/organisasi/jabatan/baru", data=position_form(
        tree["aptika"], is_head="y"))
    assert "The unit already has a head position: Kepala Bidang." in page_text(response)
    assert count(Position) == 1


def test_org_page_shows_holders_and_vacant_positions(client, tree, create_position,
                                                     create_staff, as_admin):
    siti = create_staff(name="Siti Aminah", nip=NIP_SITI)
    create_position(tree["kominfo"], "Sekretaris", holder=siti)
    create_position(tree["kominfo"], "Analis Data")
    create_position(tree["dinkes"], "Perawat")
    db.session.commit()
    text = page_text(client.get("/organisasi/"))
    assert re.search(r"Sekretaris:\s*<span>Siti Aminah</span>", text)
    assert re.search(r"Analis Data:\s*<span class=\"text-danger\">vacant</span>", text)
    assert text.index("Pemerintah Daerah") < text.index("Dinas Kominfo") < \
        text.index("Bidang Aptika")


def test_dashboard_counts_vacant_positions(client, tree, create_position, create_staff,
                                           as_admin):
    create_position(tree["kominfo"], "Sekretaris", holder=create_staff())
    create_position(tree["kominfo"], "Analis Data")
    create_position(tree["dinkes"], "Perawat")
    db.session.commit()
    text = page_text(client.get("/"))
    match = re.search(r"Vacant positions</div>\s*<div class=\"eo-card-value\">(\d+)</div>", text)
    assert match and int(match.group(1)) == 2
