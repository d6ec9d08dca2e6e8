"""Acting officials (Plt / Plh): a position's work for exactly the days of the assignment,
signing as "Plt. <position>", and letters signed a.n. / u.b. (Permendagri 1/2023).

The office: the Kepala Dinas above the Sekretaris and two Kabid; the Pranata Komputer
under the Kabid Aptika. "Today" is frozen by patching ``letters.services.today_local``
(the acting rule looks it up at each call).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.outgoing.conftest import log_in, pdf_text, sign

# Some days ahead, so that letters registered "yesterday" (the fixtures' real dates) are
# in the past on every frozen day.
DAY = dt.date.today() + dt.timedelta(days=5)


@pytest.fixture
def frozen(monkeypatch):
    """frozen(day): today_local() answers ``day`` from now on."""
    from eoffice.letters import services

    def _freeze(day: dt.date) -> None:
        monkeypatch.setattr(services, "today_local", lambda: day)

    _freeze(DAY)
    return _freeze


def appoint(office, position, user_key: str, *, kind="plh", start=DAY, end=None):
    from eoffice.extensions import db
    from eoffice.org.acting import create_assignment

    item = create_assignment(position_id=position.id, user_id=office.users[user_key].id,
                             kind=kind, start_date=start, end_date=end or start + dt.timedelta(
                                 days=2), decree="800/12/2026", actor=office.users["admin"])
    db.session.commit()
    return item


def listed(client, url: str, href: str) -> bool:
    response = client.get(url)
    assert response.status_code == 200, url
    return href in response.get_data(as_text=True)


def counters(client) -> dict[str, int]:
    import re

    page = client.get("/").get_data(as_text=True)
    return {url: int(value) for value, url in re.findall(
        r'eo-card-value">\s*(\d+)\s*</div>\s*<a class="stretched-link" href="([^"]+)"', page)}


# --- The position's work, inside the range only ----------------------------------------------

def test_acting_official_gets_the_positions_queues_inside_the_range_only(
        client, people, register, make_draft, advance, frozen):
    """The Pegawai IKP (no position of their own) is Plh of the Kabid Aptika for three
    days: the Kabid's letter to read, the disposition the Kepala Dinas sent down and the
    draft waiting for the Kabid's paraf are theirs, counted on the dashboard; the day
    after the last day they are gone, and the letter is not theirs to open either."""
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db

    office = people
    to_read = register(office, to=[office.kabid_a], subject="Surat untuk Kabid Aptika")
    disposed = register(office, to=[office.kadis], subject="Surat untuk Kadis")
    dispose(disposed, DispositionInput(to_positions=[office.kabid_a.id], note="Tindak lanjuti"),
            actor=office.users["kadis"])
    db.session.commit()
    draft = advance(make_draft(chain=[office.kabid_a]), "in_review")
    appoint(office, office.kabid_a, "pegawai_b", start=DAY, end=DAY + dt.timedelta(days=2))

    log_in(client, office.users["pegawai_b"])
    frozen(DAY - dt.timedelta(days=1))  # not yet
    assert not listed(client, "/surat-masuk/?antrian=to_read", f'href="/surat-masuk/{to_read.id}"')
    assert client.get(f"/surat-masuk/{to_read.id}").status_code == 404
    for day in (DAY, DAY + dt.timedelta(days=2)):  # the first and the last day
        frozen(day)
        assert listed(client, "/surat-masuk/?antrian=to_read",
                      f'href="/surat-masuk/{to_read.id}"')
        assert listed(client, "/disposisi/?antrian=open", f'href="/surat-masuk/{disposed.id}"')
        assert listed(client, "/surat-keluar/?antrian=to_verify",
                      f'href="/surat-keluar/{draft.id}"')
        shown = counters(client)
        assert "You act as Plh. Kabid Aptika until" in page_text(client.get("/"))
        assert shown["/surat-masuk/?antrian=to_read"] == 1
        assert shown["/disposisi/?antrian=open"] == 1
    frozen(DAY + dt.timedelta(days=3))  # the day after
    assert not listed(client, "/surat-masuk/?antrian=to_read",
                      f'href="/surat-masuk/{to_read.id}"')
    assert not listed(client, "/disposisi/?antrian=open", f'href="/surat-masuk/{disposed.id}"')
    assert not listed(client, "/surat-keluar/?antrian=to_verify",
                      f'href="/surat-keluar/{draft.id}"')
    assert client.get(f"/surat-masuk/{to_read.id}").status_code == 404
    assert client.get(f"/surat-keluar/{draft.id}").status_code == 404
    shown = counters(client)
    assert "You act as" not in page_text(client.get("/"))
    assert shown.get("/surat-masuk/?antrian=to_read", 0) == 0
    assert shown.get("/disposisi/?antrian=open", 0) == 0


def test_acting_official_acts_and_the_timeline_says_in_which_capacity(
        client, people, register, make_draft, advance, frozen):
    """Inside the range the Plh reads the letter for the position (the read event says
    "plh" for the Kabid Aptika), disposes it down from the Kabid's position and gives
    the Kabid's paraf."""
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    office = people
    letter = register(office, to=[office.kabid_a], subject="Surat untuk Plh")
    draft = advance(make_draft(chain=[office.kabid_a]), "in_review")
    appoint(office, office.kabid_a, "pegawai_b")
    log_in(client, office.users["pegawai_b"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "(Plh. Kabid Aptika)" in page
    response = client.post(f"/disposisi/surat/{letter.id}/baru",
                           data={"to_positions": [str(office.staf_a.id)], "note": "Kerjakan"})
    assert response.status_code == 302
    events = {e.action: e for e in audit.events_for("incoming_letters", letter.id)}
    assert events["letter.read"].data["capacity"] == "plh"
    assert events["letter.read"].data["for_position"] == "Kabid Aptika"
    created = events["disposition.created"]
    assert created.data["from"] == "Kabid Aptika" and created.data["capacity"] == "plh"
    assert created.actor_id == office.users["pegawai_b"].id
    response = client.post(f"/surat-keluar/{draft.id}/setujui", data={"note": "paraf Plh"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutgoingLetter, draft.id).status == "approved"
    approved = [e for e in audit.events_for("outgoing_letters", draft.id)
                if e.action == "outgoing.approved"]
    assert approved[-1].data["capacity"] == "plh"


def test_ending_early_takes_the_position_away_at_once(client, people, register, frozen):
    from eoffice.extensions import db
    from eoffice.org.acting import end_assignment

    office = people
    letter = register(office, to=[office.kabid_a])
    item = appoint(office, office.kabid_a, "pegawai_b", end=DAY + dt.timedelta(days=30))
    log_in(client, office.users["pegawai_b"])
    assert client.get(f"/surat-masuk/{letter.id}").status_code == 200
    end_assignment(item, actor=office.users["admin"])
    db.session.commit()
    assert client.get(f"/surat-masuk/{letter.id}").status_code == 404


# --- Signing as Plt ----------------------------------------------------------------------------

def test_plt_signs_and_the_letter_says_plt_with_their_own_name(
        client, people, make_draft, advance, frozen):
    """The Kepala Dinas position is vacant; the Sekretaris is its Plt. The draft waits
    in the Sekretaris's sign queue, they sign it, and the letter reads "Plt. Kepala
    Dinas" above the Sekretaris's own name, rank and NIP; the signing event and the
    timeline say who acted, and as what."""
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.staff.nip import format_nip

    office = people
    plt = office.users["sekretaris"]
    appoint(office, office.kadis, "sekretaris", kind="plt")
    office.kadis.holder_id = None
    db.session.commit()
    letter = advance(make_draft(chain=[office.kabid_a]), "approved")
    log_in(client, plt)
    assert listed(client, "/surat-keluar/?antrian=to_sign", f'href="/surat-keluar/{letter.id}"')
    preview = pdf_text(client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf").data)
    assert "Plt. Kepala Dinas," in preview and plt.staff.name in preview
    sign(letter, plt)
    db.session.refresh(letter)
    assert letter.status == "signed" and letter.signed_by_id == plt.id
    assert letter.signatory["position"] == "Plt. Kepala Dinas"
    assert letter.signatory["name"] == plt.staff.name
    text = pdf_text(client.get(f"/surat-keluar/{letter.id}/surat.pdf").data)
    assert "Plt. Kepala Dinas," in text and plt.staff.name in text
    assert f"NIP {format_nip(plt.staff.nip)}" in text
    signed = [e for e in audit.events_for("outgoing_letters", letter.id)
              if e.action == "outgoing.signed"][0]
    assert signed.actor_id == plt.id
    assert signed.data["capacity"] == "plt" and signed.data["for_position"] == "Kepala Dinas"
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "(Plt. Kepala Dinas)" in page
    assert services.signing_capacity(letter, plt).acting == "plt"


def test_a_vacant_signing_position_needs_an_acting_official(people, make_draft, frozen):
    from eoffice.extensions import db
    from eoffice.outgoing.services import OutgoingError

    office = people
    office.kadis.holder_id = None
    db.session.commit()
    with pytest.raises(OutgoingError) as caught:
        make_draft()
    assert "vacant" in caught.value.errors["signer_position_id"]
    db.session.rollback()
    appoint(office, office.kadis, "sekretaris", kind="plt")
    assert make_draft().status == "draft"


def test_after_the_range_the_plt_can_no_longer_sign(people, make_draft, advance, frozen):
    from eoffice.outgoing.services import OutgoingError

    office = people
    appoint(office, office.kadis, "sekretaris", kind="plt")
    letter = advance(make_draft(chain=[office.kabid_a]), "approved")
    frozen(DAY + dt.timedelta(days=3))
    with pytest.raises(OutgoingError):
        sign(letter, office.users["sekretaris"])


# --- a.n. / u.b. -------------------------------------------------------------------------------

def test_an_letter_shows_the_superior_above_the_signer(client, people, make_draft, advance,
                                                       frozen):
    from eoffice import audit

    office = people
    letter = make_draft(drafter="staf_a", signer=office.sekretaris, chain=[],
                        signing_as="an", on_behalf_position_id=office.kadis.id)
    log_in(client, office.users["staf_a"])
    text = pdf_text(client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf").data)
    assert "a.n. Kepala Dinas Sekretaris," in text
    assert "u.b." not in text
    advance(letter, "signed", signer="sekretaris")
    assert letter.signatory["on_behalf"] == "Kepala Dinas"
    text = pdf_text(client.get(f"/surat-keluar/{letter.id}/surat.pdf").data)
    assert "a.n. Kepala Dinas Sekretaris," in text
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "a.n. Kepala Dinas" in page
    signed = [e for e in audit.events_for("outgoing_letters", letter.id)
              if e.action == "outgoing.signed"][0]
    assert (signed.data["signing_as"], signed.data["on_behalf"]) == ("an", "Kepala Dinas")


def test_ub_letter_shows_an_the_subordinate_and_ub(client, people, make_draft, frozen):
    """The Pranata Komputer signs a.n. the Kepala Dinas, u.b. the Kabid Aptika."""
    office = people
    letter = make_draft(drafter="kabid_b", signer=office.staf_a, chain=[],
                        signing_as="ub", on_behalf_position_id=office.kadis.id)
    log_in(client, office.users["kabid_b"])
    text = pdf_text(client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf").data)
    assert "a.n. Kepala Dinas Kabid Aptika u.b. Pranata Komputer," in text


@pytest.mark.parametrize(("signing_as", "signer", "on_behalf", "field", "message"), [
    ("an", "kabid_a", "other_head", "on_behalf_position_id",
     "a.n. is only on behalf of a position above the signing position"),
    ("an", "kabid_a", "staf_a", "on_behalf_position_id",
     "a.n. is only on behalf of a position above the signing position"),
    ("an", "kabid_a", None, "on_behalf_position_id", "Choose the position signed for (a.n.)."),
    ("ub", "kabid_a", "kadis", "signing_as", "u.b. needs a position between"),
    ("atas", "kabid_a", "kadis", "signing_as", "Unknown signing capacity."),
])
def test_the_signing_capacity_rule_refuses_with_a_message(people, make_draft, frozen,
                                                          signing_as, signer, on_behalf, field,
                                                          message):
    from eoffice.outgoing.services import OutgoingError

    office = people
    with pytest.raises(OutgoingError) as caught:
        make_draft(drafter="staf_a", signer=getattr(office, signer), chain=[],
                   signing_as=signing_as,
                   on_behalf_position_id=getattr(office, on_behalf).id if on_behalf else None)
    assert message in caught.value.errors[field]


def test_the_draft_form_keeps_the_signing_capacity(client, people, frozen):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter
    from tests.outgoing.conftest import draft_form

    office = people
    log_in(client, office.users["staf_a"])
    response = client.post("/surat-keluar/baru", data=draft_form(
        office, signer_position_id=str(office.sekretaris.id), verifier_1="", verifier_2="",
        signing_as="an", on_behalf_position_id=str(office.other_head.id)))
    assert response.status_code == 200
    assert "a.n. is only on behalf of a position above the signing position" in page_text(
        response)
    response = client.post("/surat-keluar/baru", data=draft_form(
        office, signer_position_id=str(office.sekretaris.id), verifier_1="", verifier_2="",
        signing_as="an", on_behalf_position_id=str(office.kadis.id)))
    assert response.status_code == 302
    letter = db.session.scalars(sa.select(OutgoingLetter).order_by(
        OutgoingLetter.id.desc())).first()
    assert (letter.signing_as, letter.on_behalf_position_id) == ("an", office.kadis.id)
