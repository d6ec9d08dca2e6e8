"""The audit log is hash-chained: any edited or deleted row is found by verify_chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eoffice import audit
from eoffice.audit import AuditEvent, AuditHead, verify_chain
from eoffice.extensions import db
from tests.helpers import count, page_text


@pytest.fixture
def history(client, create_unit, create_staff, create_position, admin, login):
    """Some real actions: org changes, staff records, logins, a failed login."""
    unit = create_unit()
    staff = create_staff(unit=unit)
    create_position(unit, holder=staff)
    client.post("/masuk", data={"username": admin.username, "password": "salah-123456"})
    login(admin)
    created = client.post("/pegawai/baru", data={
        "employment_type": "non_asn", "name": "Baru", "gender": "L", "status": "aktif",
        "golongan_code": "", "jabatan_type": "", "unit_id": ""})
    assert created.status_code == 302
    db.session.commit()
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "user.created", "unit.created", "staff.created", "position.created",
        "position.holder_changed", "auth.login_failed", "auth.login", "staff.created"]
    return events


def test_chain_verifies_after_real_actions(history):
    report = verify_chain()
    assert report.ok
    assert report.checked == len(history)
    head = db.session.get(AuditHead, 1)
    assert head.hash == history[-1].hash
    for previous, event in zip(history, history[1:], strict=False):
        assert event.prev_hash == previous.hash


def test_each_event_names_actor_action_and_object(history, admin):
    staff_created = [e for e in history if e.action == "staff.created"]
    assert staff_created[-1].actor_id == admin.id
    assert staff_created[-1].actor_name == admin.full_name
    assert staff_created[-1].object_type == "staff"
    assert {"unit.created", "position.created", "auth.login", "auth.login_failed"} <= \
        {e.action for e in history}


@pytest.mark.parametrize("field", ["data", "action", "actor_id", "occurred_at"])
def test_an_edited_row_breaks_the_chain(history, field):
    victim = history[-1]  # staff.created by the admin
    new_value = {"data": {"dihapus": True}, "action": "staff.viewed", "actor_id": None,
                 "occurred_at": victim.occurred_at.replace(year=2001)}[field]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id)
                       .values({field: new_value}))
    db.session.expire_all()
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == victim.id


def test_an_edit_with_raw_sql_is_found(history):
    victim = history[1]
    db.session.execute(sa.text("UPDATE audit_events SET object_id = '999' WHERE id = :id"),
                       {"id": victim.id})
    db.session.expire_all()
    assert verify_chain().broken_at == victim.id


def test_a_rehashed_row_still_breaks_the_link_to_the_next(history):
    """Recomputing the edited row's own hash is not enough: the next row points to the old one."""
    victim = history[2]
    victim.data = {"disunting": True}
    victim.hash = victim.compute_hash()
    db.session.flush()
    assert verify_chain().broken_at == history[3].id


def test_a_deleted_row_breaks_the_chain(history):
    victim = history[3]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == victim.id))
    db.session.expire_all()
    assert verify_chain().broken_at == history[4].id


def test_audit_page_verifies_the_chain(client, history):
    text = page_text(client.get("/admin/audit?verify=1"))
    assert f"The chain is intact: {count(AuditEvent)} events checked." in text
    victim = history[-2]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id)
                       .values(data={"x": 1}))
    db.session.commit()
    text = page_text(client.get("/admin/audit?verify=1"))
    assert f"The chain is broken at event {victim.id}: the log was altered." in text


def test_audit_page_filters_by_action(client, history):
    text = page_text(client.get("/admin/audit?action=auth.login_failed&per_page=100"))
    rows = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == sum(e.action == "auth.login_failed" for e in history) == 1


def test_events_for_an_object(app, create_staff):
    staff = create_staff()
    assert [e.action for e in audit.events_for("staff", staff.id)] == ["staff.created"]
    assert audit.events_for("staff", staff.id + 1000) == []
