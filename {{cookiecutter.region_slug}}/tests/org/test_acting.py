"""The administrator appoints acting officials (Plt / Plh): the page, the rules with their
messages, ending early, deleting what has not started, the audit trail, and nobody else
may touch them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.letters import conftest as letters
from tests.outgoing.conftest import log_in

office = letters.office
DAY = dt.date.today() + dt.timedelta(days=5)


@pytest.fixture
def frozen(monkeypatch):
    from eoffice.letters import services

    def _freeze(day: dt.date) -> None:
        monkeypatch.setattr(services, "today_local", lambda: day)

    _freeze(DAY)
    return _freeze


def form(office, **extra) -> dict:
    return {"position_id": str(office.kabid_a.id),
            "official": office.users["sekretaris"].staff.nip, "kind": "plh",
            "start_date": DAY.isoformat(), "end_date": (DAY + dt.timedelta(days=4)).isoformat(),
            "decree": "800.1.11.1/25/2026"} | extra


def assignments():
    from eoffice.extensions import db
    from eoffice.org.models import ActingAssignment

    db.session.expire_all()
    return list(db.session.scalars(sa.select(ActingAssignment).order_by(ActingAssignment.id)))


def test_admin_appoints_and_the_page_lists_it(client, office, frozen):
    from eoffice import audit

    log_in(client, office.users["admin"])
    response = client.post("/organisasi/plt", data=form(office))
    assert response.status_code == 302
    (item,) = assignments()
    assert (item.position_id, item.user_id, item.kind) == (
        office.kabid_a.id, office.users["sekretaris"].id, "plh")
    assert item.created_by_id == office.users["admin"].id
    page = page_text(client.get(f"/organisasi/plt?jabatan={office.kabid_a.id}"))
    assert "Pegawai sekretaris" in page and "800.1.11.1/25/2026" in page
    assert "in progress" in page
    page = page_text(client.get(f"/organisasi/plt?unit={office.bidang_a.id}"))
    assert "Pegawai sekretaris" in page
    assert "Pegawai sekretaris" not in page_text(
        client.get(f"/organisasi/plt?unit={office.bidang_b.id}")).split("acting-table")[1] \
        .split("</table>")[0]
    events = [e for e in audit.events_for("positions", office.kabid_a.id)
              if e.action == "acting.assigned"]
    assert events and events[0].data["kind"] == "plh"
    assert events[0].data["user"] == "Pegawai sekretaris"


@pytest.mark.parametrize(("change", "field_message"), [
    ({"end_date": (DAY - dt.timedelta(days=1)).isoformat()},
     "The last day is before the first day."),
    ({"start_date": (DAY - dt.timedelta(days=9)).isoformat(),
      "end_date": (DAY - dt.timedelta(days=1)).isoformat()}, "The last day has passed already."),
    ({"official": "199001012020121001"}, "No staff member has that NIP or PPPK number."),
    ({"end_date": "bukan-tanggal"}, "Not a valid date value."),
    ({"kind": "pj"}, "Not a valid choice."),
])
def test_bad_input_is_refused_with_a_message(client, office, frozen, change, field_message):
    log_in(client, office.users["admin"])
    response = client.post("/organisasi/plt", data=form(office, **change))
    assert response.status_code == 200
    assert field_message in page_text(response)
    assert assignments() == []


def test_overlap_own_holder_and_inactive_user_are_refused(client, office, frozen, create_staff,
                                                         create_user):
    from eoffice.extensions import db

    log_in(client, office.users["admin"])
    assert client.post("/organisasi/plt", data=form(office)).status_code == 302
    overlapping = form(office, official=office.users["staf_a"].staff.nip, kind="plt",
                       start_date=(DAY + dt.timedelta(days=4)).isoformat(),
                       end_date=(DAY + dt.timedelta(days=10)).isoformat())
    page = page_text(client.post("/organisasi/plt", data=overlapping))
    assert "Kabid Aptika already has an acting official from" in page
    assert "the ranges overlap" in page
    page = page_text(client.post("/organisasi/plt", data=form(
        office, official=office.users["kabid_a"].staff.nip,
        start_date=(DAY + dt.timedelta(days=20)).isoformat(),
        end_date=(DAY + dt.timedelta(days=21)).isoformat())))
    assert "a holder cannot act for their own position" in page
    idle = office.users["kabid_b"]
    idle.active = False
    db.session.commit()
    page = page_text(client.post("/organisasi/plt", data=form(
        office, position_id=str(office.staf_a.id), official=idle.staff.nip)))
    assert "an inactive user cannot act for a position" in page
    without_account = create_staff(name="Tanpa Akun", unit=office.dinas)
    page = page_text(client.post("/organisasi/plt", data=form(
        office, position_id=str(office.staf_a.id), official=without_account.nip)))
    assert "Tanpa Akun has no user account." in page
    assert len(assignments()) == 1
    # The next range, right after the first, is fine.
    assert client.post("/organisasi/plt", data=form(
        office, start_date=(DAY + dt.timedelta(days=5)).isoformat(),
        end_date=(DAY + dt.timedelta(days=6)).isoformat())).status_code == 302
    assert len(assignments()) == 2


def test_end_early_and_delete_only_what_has_not_started(client, office, frozen):
    from eoffice import audit

    log_in(client, office.users["admin"])
    client.post("/organisasi/plt", data=form(office))
    client.post("/organisasi/plt", data=form(
        office, start_date=(DAY + dt.timedelta(days=10)).isoformat(),
        end_date=(DAY + dt.timedelta(days=12)).isoformat()))
    current, future = assignments()
    page = page_text(client.post(f"/organisasi/plt/{current.id}/hapus", follow_redirects=True))
    assert "Only an assignment that has not started can be deleted; end it instead." in page
    page = page_text(client.post(f"/organisasi/plt/{future.id}/akhiri", follow_redirects=True))
    assert "Only an assignment in progress can be ended early." in page
    assert client.post(f"/organisasi/plt/{future.id}/hapus").status_code == 302
    assert client.post(f"/organisasi/plt/{current.id}/akhiri").status_code == 302
    (item,) = assignments()
    assert item.id == current.id and item.ended_at is not None
    # Ended: the range is free again from today on.
    assert client.post("/organisasi/plt", data=form(office)).status_code == 302
    actions = [e.action for e in audit.events_for("positions", office.kabid_a.id)]
    assert {"acting.assigned", "acting.deleted", "acting.ended"} <= set(actions)
    assert client.post("/organisasi/plt/999999/akhiri").status_code == 404


@pytest.mark.parametrize("key", ["kadis", "clerk", "staf_a"])
def test_only_the_administrator_manages_acting_officials(client, office, frozen, key):
    from eoffice.extensions import db
    from eoffice.org.acting import create_assignment

    item = create_assignment(position_id=office.kabid_a.id,
                             user_id=office.users["sekretaris"].id, kind="plh", start_date=DAY,
                             end_date=DAY + dt.timedelta(days=1), actor=office.users["admin"])
    db.session.commit()
    log_in(client, office.users[key])
    assert client.get("/organisasi/plt").status_code == 403
    assert client.post("/organisasi/plt", data=form(office)).status_code == 403
    assert client.post(f"/organisasi/plt/{item.id}/akhiri").status_code == 403
    assert client.post(f"/organisasi/plt/{item.id}/hapus").status_code == 403
    assert len(assignments()) == 1 and assignments()[0].ended_at is None
