"""The audit log is hash-chained, guarded by the database and anchored outside it: an
edited, deleted or rewritten event is found by verify_chain, which names the first
broken one."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from eoffice import audit
from eoffice.audit import AuditEvent, AuditHead, verify_chain
from eoffice.extensions import db
from eoffice.maintenance import chain
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


@contextlib.contextmanager
def unguarded():
    """Tampering as someone with the database owner's rights could: the guards dropped
    inside the test's transaction (the rollback after the test brings them back)."""
    with chain.guards_lifted(db.session.connection()):
        yield
    db.session.expire_all()


def tamper(statement, **params):
    with unguarded():
        db.session.execute(statement, params)


def test_chain_verifies_after_real_actions(history):
    report = verify_chain()
    assert report.ok and report.problem is None and report.broken_at is None
    assert report.checked == len(history)
    head = db.session.get(AuditHead, 1)
    assert head.hash == history[-1].hash and head.count == len(history)
    for previous, event in zip(history, history[1:], strict=False):
        assert event.prev_hash == previous.hash
    assert {e.hash_version for e in history} == {audit.HASH_VERSION}


def test_each_event_names_actor_action_and_object(history, admin):
    staff_created = [e for e in history if e.action == "staff.created"]
    assert staff_created[-1].actor_id == admin.id
    assert staff_created[-1].actor_name == admin.full_name
    assert staff_created[-1].object_type == "staff"
    assert {"unit.created", "position.created", "auth.login", "auth.login_failed"} <= \
        {e.action for e in history}


EDITS = {
    "data": {"dihapus": True},
    "action": "staff.viewed",
    "actor_id": None,
    "actor_name": "Orang Lain",
    "object_type": "units",
    "object_id": "999",
    "occurred_at": dt.datetime(2001, 1, 2, 3, 4, 5),
}


@pytest.mark.parametrize("field", sorted(EDITS))
def test_an_edited_row_breaks_the_chain(history, field):
    """Every field a timeline shows is inside the hash: the name shown as "who" too."""
    victim = history[-1]  # staff.created by the admin
    victim_id, occurred, action = victim.id, victim.occurred_at, victim.action
    tamper(sa.update(AuditEvent).where(AuditEvent.id == victim_id).values({field: EDITS[field]}))
    report = verify_chain()
    assert not report.ok and report.problem == "altered"
    assert report.broken_at == victim_id
    assert report.event.occurred_at == (EDITS[field] if field == "occurred_at" else occurred)
    assert report.event.action == (EDITS[field] if field == "action" else action)
    assert f"event {victim_id} (" in report.message()


def test_the_name_shown_as_who_is_in_the_hash(history):
    """The tester's case: only actor_name changed, everything else as it was."""
    victim = history[-1]
    tamper(sa.text("UPDATE audit_events SET actor_name = 'Bukan Admin' WHERE id = :id"),
           id=victim.id)
    assert verify_chain().broken_at == victim.id


def test_an_edit_with_raw_sql_is_found(history):
    victim = history[1]
    tamper(sa.text("UPDATE audit_events SET object_id = '999' WHERE id = :id"), id=victim.id)
    assert verify_chain().broken_at == victim.id


def test_an_event_moved_back_to_the_old_hash_version_is_found(history):
    victim = history[-2]
    tamper(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(hash_version=1))
    report = verify_chain()
    assert report.problem == "version" and report.broken_at == victim.id


def test_a_rehashed_row_still_breaks_the_link_to_the_next(history):
    """Recomputing the edited row's own hash is not enough: the next row points to the old one."""
    victim = history[2]
    with unguarded():
        victim.data = {"disunting": True}
        victim.hash = victim.compute_hash()
        db.session.flush()
    report = verify_chain()
    assert report.problem == "unlinked" and report.broken_at == history[3].id


def test_a_deleted_row_breaks_the_chain_and_the_next_event_is_named(history):
    victim, named = history[3], history[4]
    tamper(sa.delete(AuditEvent).where(AuditEvent.id == victim.id))
    report = verify_chain()
    assert report.problem == "unlinked" and report.broken_at == named.id
    assert (report.event.occurred_at, report.event.action) == (named.occurred_at, named.action)
    time = named.occurred_at.isoformat(sep=" ", timespec="seconds")
    assert f"event {named.id} ({time} UTC, {named.action})" in report.message()


def test_deleting_the_newest_events_is_found_through_the_head(history):
    """No link breaks when the newest events go: the head record still counts them."""
    tamper(sa.delete(AuditEvent).where(AuditEvent.id >= history[-2].id))
    report = verify_chain()
    assert not report.ok and report.problem == "truncated"
    assert report.checked == len(history) - 2 and report.expected == len(history)
    assert f"counts {len(history)} events, the log holds {len(history) - 2}" in report.message()


def test_deleting_the_head_is_found(history):
    tamper(sa.delete(AuditHead))
    assert verify_chain().problem == "head_missing"


def test_a_replaced_newest_event_is_found_through_the_head(history):
    """The newest event deleted and a forged one linked in its place: the head names
    another hash for that number."""
    last = history[-1]
    tamper(sa.delete(AuditEvent).where(AuditEvent.id == last.id))
    forged = AuditEvent(occurred_at=last.occurred_at, action="auth.logout",
                        object_type="system", actor_name="Siapa", data={},
                        prev_hash=history[-2].hash, hash_version=audit.HASH_VERSION)
    forged.hash = forged.compute_hash()
    db.session.add(forged)
    db.session.flush()
    report = verify_chain()
    assert report.problem == "head_mismatch" and report.broken_at == forged.id


GUARDED = {
    "update an event": "UPDATE audit_events SET actor_name = 'Bukan Admin'",
    "delete an event": "DELETE FROM audit_events",
    "rewind the head": "UPDATE audit_head SET count = count - 1",
    "swap the head's hash": "UPDATE audit_head SET hash = 'x'",
    "delete the head": "DELETE FROM audit_head",
}


@pytest.mark.parametrize("statement", list(GUARDED.values()), ids=list(GUARDED))
def test_the_database_refuses_changes_to_the_log(history, statement):
    with pytest.raises(sa.exc.DBAPIError, match="audit_"), db.session.begin_nested():
        db.session.execute(sa.text(statement))
    db.session.expire_all()
    assert count(AuditEvent) == len(history)
    assert verify_chain().ok


def test_the_database_refuses_truncate_on_postgresql(history):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    for table in ("audit_events", "audit_head"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    assert verify_chain().ok


def test_the_head_still_moves_forward(history):
    audit.record("test.more", ("tests", 1))
    db.session.flush()
    assert db.session.get(AuditHead, 1).count == len(history) + 1
    assert verify_chain().ok


def test_a_user_with_events_cannot_be_deleted(history, admin):
    """The actor's id is hashed: no ON DELETE SET NULL; accounts are deactivated."""
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.text("DELETE FROM user_roles WHERE user_id = :id"), {"id": admin.id})
        db.session.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": admin.id})
    assert verify_chain().ok


def test_the_guards_are_the_migrations(app):
    """Migration 0009_audit created the guards with the statements the code recreates."""
    connection = db.session.connection()
    assert chain.missing_guards(connection) == []

    def definitions() -> set[str]:
        if connection.dialect.name == "sqlite":
            return set(connection.scalars(sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger'")))
        return set(connection.scalars(sa.text(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid "
            "IN ('audit_events'::regclass, 'audit_head'::regclass)"))) | set(connection.scalars(
                sa.text("SELECT prosrc FROM pg_proc WHERE proname LIKE 'audit_%'")))

    migrated = definitions()
    with chain.guards_lifted(connection):
        assert chain.missing_guards(connection) == sorted(
            chain.guard_statements(connection.dialect.name))
    assert definitions() == migrated


# --- anchors ----------------------------------------------------------------------------------


def rewrite_whole_chain(events, index: int, actor_name: str) -> None:
    """What someone able to drop the guards could do: change one event and compute every
    hash after it again, head included. Only an anchor kept elsewhere finds it."""
    with unguarded():
        events[index].actor_name = actor_name
        prev = audit.GENESIS
        for event in events:
            event.prev_hash = prev
            event.hash = event.compute_hash()
            prev = event.hash
            db.session.flush()
        db.session.get(AuditHead, 1).hash = prev
        db.session.flush()


def test_an_anchor_finds_a_rewritten_chain(history):
    anchor = audit.current_anchor()
    assert anchor == audit.Anchor(history[-1].hash, len(history))
    older = audit.Anchor(history[3].hash, 4)
    rewrite_whole_chain(history, 1, "Bukan Admin")
    assert verify_chain().ok  # consistent again: the chain alone cannot tell
    report = verify_chain([anchor])
    assert report.problem == "anchor" and report.broken_at == history[-1].id
    assert report.expected == len(history)
    report = verify_chain([older])
    assert report.problem == "anchor" and report.broken_at == history[3].id


def test_anchors_that_match(history):
    report = verify_chain([audit.Anchor(history[0].hash, 1),
                           audit.Anchor(history[-1].hash, len(history))])
    assert report.ok and report.anchors == 2


def test_an_anchor_beyond_the_log_is_found(history):
    """Events deleted and the head rewound (guards dropped): the anchor still counts them."""
    anchor = audit.current_anchor()
    with unguarded():
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == history[-1].id))
        db.session.execute(sa.update(AuditHead).values(hash=history[-2].hash,
                                                       count=len(history) - 1))
    assert verify_chain().ok
    report = verify_chain([anchor])
    assert report.problem == "anchor_short" and report.expected == len(history)


@pytest.mark.parametrize("text", ["", "abc:1", "0" * 64, "0" * 64 + ":x", "g" * 64 + ":3"])
def test_a_malformed_anchor_is_refused(text):
    with pytest.raises(ValueError, match="HASH:COUNT"):
        audit.Anchor.parse(text)


def test_an_anchor_reads_back(history):
    anchor = audit.current_anchor()
    assert audit.Anchor.parse(str(anchor).upper()) == anchor


# --- redaction --------------------------------------------------------------------------------


def test_a_redaction_keeps_the_chain_verifiable(history, admin):
    victim = history[2]  # staff.created with the staff's details
    old_hash, old_data = victim.hash, dict(victim.data)
    redaction = chain.redact(victim.id, "Putusan PN 12/Pdt/2026", admin)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(AuditEvent, victim.id).data == {"redacted": redaction.id}
    assert db.session.get(AuditEvent, victim.id).hash == old_hash
    assert redaction.action == "audit.redacted" and redaction.actor_id == admin.id
    assert redaction.data["event"] == victim.id and redaction.data["hash"] == old_hash
    assert redaction.data["data_sha256"] == audit.data_digest(old_data)
    assert redaction.data["reason"] == "Putusan PN 12/Pdt/2026"
    report = verify_chain()
    assert report.ok and report.checked == len(history) + 1
    assert chain.missing_guards(db.session.connection()) == []

    tamper(sa.update(AuditEvent).where(AuditEvent.id == victim.id)
           .values(actor_name="Orang Lain"))
    report = verify_chain()
    assert report.problem == "redaction" and report.broken_at == victim.id


def test_data_marked_redacted_without_a_record_is_found(history):
    victim = history[2]
    tamper(sa.update(AuditEvent).where(AuditEvent.id == victim.id)
           .values(data={"redacted": 999}))
    assert verify_chain().broken_at == victim.id


@pytest.mark.parametrize(("case", "message"), [
    ("no reason", "reason"),
    ("unknown", "no audit event"),
    ("twice", "already redacted"),
    ("a redaction", "cannot be redacted"),
    ("broken chain", "Redaction refused: The chain is broken"),
])
def test_a_redaction_is_refused(history, admin, case, message):
    target, reason = history[1].id, "Putusan"
    if case == "no reason":
        reason = "  "
    elif case == "unknown":
        target = 10**6
    elif case in ("twice", "a redaction"):
        first = chain.redact(target, reason, admin)
        db.session.flush()
        target = first.id if case == "a redaction" else target
    else:
        tamper(sa.update(AuditEvent).where(AuditEvent.id == history[0].id)
               .values(action="x"))
    with pytest.raises(chain.AuditMaintenanceError, match=message):
        chain.redact(target, reason, admin)


# --- the audit page ---------------------------------------------------------------------------


def test_audit_page_verifies_the_chain(client, history):
    text = page_text(client.get("/admin/audit?verify=1"))
    assert f"The chain is intact: {count(AuditEvent)} events checked." in text
    victim = history[-2]
    tamper(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(data={"x": 1}))
    db.session.commit()
    text = page_text(client.get("/admin/audit?verify=1"))
    assert f"The chain is broken at event {victim.id} (" in text
    assert "its content does not match its hash" in text


def test_audit_page_filters_by_action(client, history):
    text = page_text(client.get("/admin/audit?action=auth.login_failed&per_page=100"))
    rows = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == sum(e.action == "auth.login_failed" for e in history) == 1


def test_events_for_an_object(app, create_staff):
    staff = create_staff()
    assert [e.action for e in audit.events_for("staff", staff.id)] == ["staff.created"]
    assert audit.events_for("staff", staff.id + 1000) == []
