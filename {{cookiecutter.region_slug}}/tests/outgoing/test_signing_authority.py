"""The signing-authority table (eoffice.naskah): who may sign which naskah type, checked
when the draft is made and again when it is signed; acting officials sign with the
authority of the position they act for.

The office (tests/letters/conftest.py): the Kepala Dinas (head of the OPD) above the
Sekretaris (no head) and two Kabid (heads of a bidang); the Pranata Komputer drafts.
The migration seeds one rule: a Keputusan is signed by the head of an OPD (or of the
region), in person.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.outgoing.conftest import PASSPHRASE, draft_form, log_in


def rule(office, code: str, *, level=None, position=None, opd=None, delegable=False):
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType
    from eoffice.naskah.services import add_rule

    item = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == code))
    added = add_rule(item, actor=office.users["admin"], unit_id=opd.id if opd else None,
                     level=level, position_id=position.id if position else None,
                     delegable=delegable)
    db.session.commit()
    return added


def test_levels_of_positions(office, create_unit, create_position):
    from eoffice.naskah.services import position_level

    region = create_unit(name="Pemerintah Kabupaten", kind="pemda")
    bupati = create_position(region, "Bupati", is_head=True)
    assert [position_level(p) for p in (bupati, office.kadis, office.kabid_a,
                                        office.sekretaris, office.staf_a)] == [0, 1, 2, 3, 3]


# --- At drafting ---------------------------------------------------------------------------

def test_a_keputusan_is_signed_only_by_the_head_of_the_opd(office, make_draft):
    from eoffice.outgoing import services

    with pytest.raises(services.OutgoingError) as refused:
        make_draft(letter_type="keputusan", signer=office.kabid_a, chain=[])
    message = refused.value.errors["signer_position_id"]
    assert "Kabid Aptika may not sign a Keputusan" in message
    assert "Head of an OPD (or above)" in message
    assert make_draft(letter_type="keputusan", chain=[]).signer_position_id == office.kadis.id


def test_a_keputusan_is_not_signed_on_behalf(office, make_draft):
    from eoffice.outgoing import services

    with pytest.raises(services.OutgoingError) as refused:
        make_draft(letter_type="keputusan", signer=office.sekretaris, chain=[],
                   signing_as="an", on_behalf_position_id=office.kadis.id)
    assert "signed by Kepala Dinas in person" in refused.value.errors["signing_as"]


def test_a_delegable_rule_lets_a_position_below_sign_on_behalf(office, make_draft):
    from eoffice.outgoing import services

    rule(office, "nota_dinas", level="kepala_unit", delegable=True)
    with pytest.raises(services.OutgoingError) as refused:  # not a head, in its own name
        make_draft(signer=office.sekretaris, chain=[])
    assert "Sekretaris may not sign a Nota Dinas" in refused.value.errors["signer_position_id"]
    letter = make_draft(signer=office.sekretaris, chain=[], signing_as="an",
                        on_behalf_position_id=office.kadis.id)
    assert letter.signing_as == "an"
    assert make_draft(signer=office.kabid_a, chain=[]).id  # a head of a bidang


def test_an_opds_own_rules_replace_the_regions_for_it(office, make_draft):
    from eoffice.outgoing import services

    rule(office, "edaran", level="kepala_opd")
    rule(office, "edaran", position=office.sekretaris, opd=office.dinas)
    assert make_draft(letter_type="edaran", signer=office.sekretaris, chain=[]).id
    with pytest.raises(services.OutgoingError) as refused:  # the region's rule: not here
        make_draft(letter_type="edaran", chain=[])
    assert "Kepala Dinas may not sign a Surat Edaran" in \
        refused.value.errors["signer_position_id"]


def test_the_draft_form_shows_the_refusal_in_the_field(client, office):
    log_in(client, office.users["staf_a"])
    response = client.post("/surat-keluar/baru", data=draft_form(
        office, letter_type="keputusan", signer_position_id=str(office.kabid_a.id),
        verifier_1="", verifier_2=""))
    assert response.status_code == 200
    assert "Kabid Aptika may not sign a Keputusan" in page_text(response)


# --- At signing ----------------------------------------------------------------------------

def test_signing_is_refused_when_the_table_changed_since_the_draft(client, office, make_draft,
                                                                  advance):
    """A draft made while anyone could sign it, then a rule: the sign action refuses with
    the rule's message (never a 500), takes no number and leaves the letter approved."""
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter

    letter = advance(make_draft(signer=office.sekretaris, chain=[office.kabid_a]), "approved")
    rule(office, "nota_dinas", level="kepala_unit")
    with pytest.raises(services.OutgoingError) as refused:
        services.sign(letter, actor=office.users["sekretaris"], passphrase=PASSPHRASE)
    assert "Sekretaris may not sign a Nota Dinas" in refused.value.errors["passphrase"]
    db.session.rollback()
    log_in(client, office.users["sekretaris"])
    response = client.post(f"/surat-keluar/{letter.id}/tandatangani",
                           data={"passphrase": PASSPHRASE}, follow_redirects=True)
    assert response.status_code == 200
    assert "Sekretaris may not sign a Nota Dinas" in page_text(response)
    db.session.expire_all()
    stored = db.session.get(OutgoingLetter, letter.id)
    assert (stored.status, stored.number) == ("approved", None)


def test_an_acting_official_signs_with_the_authority_of_the_position(office, make_draft,
                                                                    advance):
    """The Kabid Aptika, Plt of the Kepala Dinas, signs a Keputusan of the Kepala Dinas's
    position; in their own position they may not."""
    from eoffice.extensions import db
    from eoffice.letters import services as letter_services
    from eoffice.org.acting import create_assignment
    from eoffice.outgoing import services

    today = letter_services.today_local()
    office.kadis.holder_id = None  # the head is away: a Plt acts for the position
    db.session.commit()
    create_assignment(position_id=office.kadis.id, user_id=office.users["kabid_a"].id,
                      kind="plt", start_date=today, end_date=today + dt.timedelta(days=30),
                      decree="800/1/2026", actor=office.users["admin"])
    db.session.commit()
    letter = advance(make_draft(letter_type="keputusan", chain=[office.sekretaris]),
                     "approved")
    services.sign(letter, actor=office.users["kabid_a"], passphrase=PASSPHRASE)
    db.session.commit()
    assert letter.status == "signed" and letter.signatory["position"].startswith("Plt. ")
    with pytest.raises(services.OutgoingError) as refused:
        make_draft(letter_type="keputusan", signer=office.kabid_a, chain=[])
    assert "Kabid Aptika may not sign a Keputusan" in refused.value.errors["signer_position_id"]


# --- Administration ------------------------------------------------------------------------

def test_admin_adds_and_removes_a_rule_audited(client, office):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType, SigningAuthority

    item = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == "nota_dinas"))
    log_in(client, office.users["admin"])
    response = client.post(f"/admin/naskah/{item.id}/kewenangan", data={
        "rule-unit_id": str(office.dinas.id), "rule-level": "kepala_unit",
        "rule-delegable": "y"})
    assert response.status_code == 302
    page = page_text(client.get(f"/admin/naskah/{item.id}"))
    assert "Head of any unit (or above) (also a.n./u.b.)" in page
    added = db.session.scalar(sa.select(SigningAuthority).where(
        SigningAuthority.naskah_type_id == item.id))
    assert (added.unit_id, added.level, added.delegable) == (office.dinas.id, "kepala_unit",
                                                            True)
    response = client.post(f"/admin/naskah/{item.id}/kewenangan/{added.id}/hapus")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(SigningAuthority).where(
        SigningAuthority.naskah_type_id == item.id)) is None
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "naskah_types", AuditEvent.object_id == str(item.id)))]
    assert actions == ["naskah.authority_added", "naskah.authority_removed"]


@pytest.mark.parametrize("data, message", [
    ({"rule-level": "kepala_unit", "rule-position_id": "POS"},
     "Choose either a level or one position"),
    ({}, "Choose either a level or one position"),
    ({"rule-level": "camat"}, "Not a valid choice"),
    ({"rule-level": "semua", "rule-unit_id": "BIDANG"}, "Not a valid choice"),  # not an OPD
])
def test_a_bad_rule_says_what_is_wrong_and_saves_nothing(client, office, data, message):
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType, SigningAuthority

    item = db.session.scalar(sa.select(NaskahType).where(NaskahType.code == "memo"))
    ids = {"POS": str(office.kabid_a.id), "BIDANG": str(office.bidang_a.id)}
    log_in(client, office.users["admin"])
    response = client.post(f"/admin/naskah/{item.id}/kewenangan",
                           data={k: ids.get(v, v) for k, v in data.items()})
    assert response.status_code in (200, 400)
    assert message in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningAuthority).where(
        SigningAuthority.naskah_type_id == item.id)) == 0


def test_a_rule_of_another_type_is_not_found(client, office):
    from eoffice.extensions import db
    from eoffice.naskah.models import NaskahType, SigningAuthority

    keputusan = db.session.scalar(sa.select(SigningAuthority).join(NaskahType).where(
        NaskahType.code == "keputusan"))
    memo = db.session.scalar(sa.select(NaskahType.id).where(NaskahType.code == "memo"))
    log_in(client, office.users["admin"])
    assert client.post(f"/admin/naskah/{memo}/kewenangan/{keputusan.id}/hapus"
                       ).status_code == 404
    assert client.post(f"/admin/naskah/{memo}/kewenangan/999999/hapus").status_code == 404
