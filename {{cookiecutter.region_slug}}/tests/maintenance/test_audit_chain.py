"""``flask eoffice audit verify | anchor | guard | redact`` on databases that really commit,
the migration that seals the events written before it, and restores with the guards."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

KINDS = ["sqlite", "postgresql"]


def invoke(site, *args: str, input: str | None = None):
    with site.context():
        return site.app.test_cli_runner().invoke(args=["eoffice", *args], input=input)


def add_events(site, count: int = 5) -> None:
    from eoffice import audit
    from eoffice.extensions import db

    with site.context():
        for n in range(count):
            audit.record("test.event", ("tests", n), data={"n": n})
            db.session.commit()
        db.session.remove()


def tamper(site, statement: str, **params) -> None:
    """As the database's owner could: the guards dropped, the change, the guards back."""
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    with site.context():
        with chain.guards_lifted(db.session.connection()):
            db.session.execute(sa.text(statement), params)
        db.session.commit()
        db.session.remove()


def event_row(site, event_id: int):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db

    with site.context():
        row = db.session.execute(sa.select(AuditEvent.id, AuditEvent.occurred_at,
                                           AuditEvent.action).where(AuditEvent.id == event_id)
                                 ).one()
        db.session.remove()
    return row


def make_admin(site, username: str = "admin", roles=("admin",)):
    from eoffice.auth.services import create_user
    from eoffice.extensions import db

    with site.context():
        create_user(username, "rahasia-uji-123456", full_name=f"Admin {username}",
                    roles=list(roles))
        db.session.commit()
        db.session.remove()


def rewrite_chain(site, event_id: int, actor_name: str) -> None:
    """Change one event and compute every later hash and the head again (guards dropped)."""
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    with site.context():
        with chain.guards_lifted(db.session.connection()):
            prev = audit.GENESIS
            for event in db.session.scalars(sa.select(audit.AuditEvent)
                                            .order_by(audit.AuditEvent.id)).all():
                if event.id == event_id:
                    event.actor_name = actor_name
                event.prev_hash = prev
                event.hash = event.compute_hash()
                prev = event.hash
                db.session.flush()
            db.session.get(audit.AuditHead, 1).hash = prev
            db.session.flush()
        db.session.commit()
        db.session.remove()


# --- audit verify -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_verify_an_intact_chain(make_site, kind):
    site = make_site(kind)
    empty = invoke(site, "audit", "verify")
    assert empty.exit_code == 0 and "0 events checked" in empty.output
    add_events(site)
    result = invoke(site, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "OK: the audit chain is intact: 5 events checked, 0 anchors compared." \
        in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_verify_names_the_first_broken_event(make_site, kind):
    site = make_site(kind)
    add_events(site)
    tamper(site, "UPDATE audit_events SET actor_name = 'Bukan Siapa-siapa' WHERE id = 3")
    row = event_row(site, 3)
    result = invoke(site, "audit", "verify")
    assert result.exit_code == 1
    time = row.occurred_at.isoformat(sep=" ", timespec="seconds")
    assert f"PROBLEM: The chain is broken at event 3 ({time} UTC, test.event): its content " \
           "does not match its hash" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_verify_finds_deleted_newest_events(make_site, kind):
    site = make_site(kind)
    add_events(site)
    tamper(site, "DELETE FROM audit_events WHERE id >= 4")
    result = invoke(site, "audit", "verify")
    assert result.exit_code == 1
    assert "the newest events were deleted. The head record counts 5 events, the log holds 3" \
        in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_verify_finds_a_deleted_event_in_the_middle(make_site, kind):
    site = make_site(kind)
    add_events(site)
    tamper(site, "DELETE FROM audit_events WHERE id = 2")
    result = invoke(site, "audit", "verify")
    assert result.exit_code == 1
    assert "broken at event 3 (" in result.output and "does not follow the event before it" \
        in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_anchors_find_a_rewritten_chain(make_site, tmp_path, kind):
    """A backup's anchor (in its manifest and the anchor log) outlives a rewrite of the
    whole chain that the chain alone cannot show."""
    site = make_site(kind)
    add_events(site)
    backup = invoke(site, "backup", "--output", str(tmp_path))
    assert backup.exit_code == 0, backup.output
    archive = next(tmp_path.glob("eoffice-*.tar.gz"))
    anchor = backup.output.split("Audit anchor: ", 1)[1].split()[0]
    assert anchor.endswith(":5")
    add_events(site, 2)
    assert invoke(site, "audit", "verify").exit_code == 0

    rewrite_chain(site, 2, "Orang Lain")
    alone = invoke(site, "audit", "verify", "--anchor", f"{'0' * 64}:0")
    assert alone.exit_code == 0, alone.output  # consistent again without the anchors
    for args in ([], ["--anchor", anchor], ["--backup", str(archive)]):
        result = invoke(site, "audit", "verify", *args)
        assert result.exit_code == 1, args
        assert "broken at event 5 (" in result.output
        assert "its hash differs from the anchor's (the chain was rewritten)" in result.output


def test_verify_refuses_a_malformed_anchor(make_site):
    result = invoke(make_site("sqlite"), "audit", "verify", "--anchor", "abc")
    assert result.exit_code == 1 and "HASH:COUNT" in result.output
    assert "Traceback" not in result.output


def test_anchor_command_and_daily_maintenance_write_the_anchor(make_site):
    from eoffice.maintenance import chain

    site = make_site("sqlite")
    result = invoke(site, "audit", "anchor")
    assert result.exit_code == 0 and "empty" in result.output
    add_events(site, 3)
    result = invoke(site, "audit", "anchor")
    assert result.exit_code == 0 and result.output.strip().endswith(":3")
    add_events(site, 1)
    result = invoke(site, "maintain")
    assert result.exit_code == 0, result.output
    assert "Audit anchor: " in result.output and result.output.strip().endswith(":4")
    with site.context():
        assert [a.count for a in chain.read_anchors()] == [3, 4]
    lines = (site.instance / "audit-anchors.log").read_text().splitlines()
    assert lines[0].split()[2] == "command" and lines[1].split()[2] == "maintain"


# --- guards -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_guards_refuse_and_come_back(make_site, kind):
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    site = make_site(kind)
    add_events(site)
    with site.context():
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events",
                          "DELETE FROM audit_head", "UPDATE audit_head SET count = 1"):
            with pytest.raises(sa.exc.DBAPIError, match="audit_"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        chain.drop_guards(db.session.connection())
        db.session.commit()
        assert len(chain.missing_guards(db.session.connection())) >= 3
        db.session.remove()
    result = invoke(site, "audit", "guard")
    assert result.exit_code == 0, result.output
    with site.context():
        assert chain.missing_guards(db.session.connection()) == []
        newest = db.session.scalar(sa.select(audit.AuditEvent)
                                   .order_by(audit.AuditEvent.id.desc()).limit(1))
        assert newest.action == "audit.guards_restored"
        assert sorted(newest.data["missing"]) == sorted(chain.guard_statements(kind))
        db.session.remove()
    assert "6 events checked" in invoke(site, "audit", "verify").output


# --- redaction --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_redact_command(make_site, kind):
    from eoffice import audit
    from eoffice.extensions import db

    site = make_site(kind)
    add_events(site)
    make_admin(site)
    make_admin(site, "pegawai1", roles=("pegawai",))
    refused = invoke(site, "audit", "redact", "2", "--reason", "Putusan", "--by", "pegawai1",
                     "--yes")
    assert refused.exit_code == 1 and "not an active administrator" in refused.output
    asked = invoke(site, "audit", "redact", "2", "--reason", "Putusan", "--by", "admin",
                   input="n\n")
    assert asked.exit_code == 1  # aborted at the question
    result = invoke(site, "audit", "redact", "2", "--reason", "Putusan PN 12/2026", "--by",
                    "admin", "--yes")
    assert result.exit_code == 0, result.output
    with site.context():
        event = db.session.get(audit.AuditEvent, 2)
        redaction = db.session.scalar(sa.select(audit.AuditEvent).where(
            audit.AuditEvent.action == audit.REDACT_ACTION))
        assert event.data == {"redacted": redaction.id}
        assert redaction.actor_name == "Admin admin"
        assert redaction.data["reason"] == "Putusan PN 12/2026"
        db.session.remove()
    assert f"Event 2 redacted; the redaction is event {redaction.id}." in result.output
    verify = invoke(site, "audit", "verify")
    assert verify.exit_code == 0, verify.output
    again = invoke(site, "audit", "redact", "2", "--reason", "x", "--by", "admin", "--yes")
    assert again.exit_code == 1 and "already redacted" in again.output


# --- the migration ----------------------------------------------------------------------------


def write_v1_events(site, names: list[str | None]) -> None:
    """Events as the code before 0009_audit wrote them: the version-1 payload."""
    from types import SimpleNamespace

    from eoffice import audit
    from eoffice.extensions import db

    with site.context():
        prev = audit.GENESIS
        for n, name in enumerate(names, start=1):
            event = SimpleNamespace(
                occurred_at=dt.datetime(2026, 1, n, 8, 30, 0, 123456), actor_id=None,
                actor_name=name, action="staff.created", object_type="staff",
                object_id=str(n), data={"nama": f"Pegawai {n}"}, prev_hash=prev)
            event.hash = audit.sha256(audit.payload(event, 1))
            db.session.execute(sa.text(
                "INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, "
                "object_type, object_id, data, prev_hash, hash) VALUES (:id, :at, NULL, "
                ":name, :action, :type, :oid, :data, :prev, :hash)"),
                {"id": n, "at": event.occurred_at, "name": name, "action": event.action,
                 "type": event.object_type, "oid": event.object_id,
                 "data": json.dumps(event.data), "prev": prev, "hash": event.hash})
            prev = event.hash
        db.session.execute(sa.text("INSERT INTO audit_head (id, hash, count) VALUES "
                                   "(1, :hash, :count)"), {"hash": prev, "count": len(names)})
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SELECT setval('audit_events_id_seq', :n)"),
                               {"n": len(names)})
        db.session.commit()
        db.session.remove()


def upgrade(site) -> None:
    from flask_migrate import upgrade as run

    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db

    with site.context():
        run(directory=str(REGION_ROOT / "migrations"), revision="heads")
        db.session.remove()


@pytest.mark.parametrize("kind", KINDS)
def test_the_upgrade_keeps_old_chains_verifiable_and_seals_their_names(make_site, kind):
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    site = make_site(kind, revision="0007_unread_index")
    write_v1_events(site, ["Budi", None, "Siti Aminah"])
    upgrade(site)
    with site.context():
        events = db.session.scalars(sa.select(audit.AuditEvent)
                                    .order_by(audit.AuditEvent.id)).all()
        assert [e.hash_version for e in events] == [1, 1, 1, 2]
        seal = events[-1]
        assert seal.action == audit.SEAL_ACTION and seal.data["v1_events"] == 3
        assert db.session.get(audit.AuditHead, 1).count == 4
        assert chain.missing_guards(db.session.connection()) == []
        audit.record("test.after", ("tests", 1))
        db.session.commit()
        assert audit.verify_chain().ok and audit.verify_chain().checked == 5
        db.session.remove()
    assert invoke(site, "audit", "verify").exit_code == 0

    tamper(site, "UPDATE audit_events SET actor_name = 'Orang Lain' WHERE id = 1")
    result = invoke(site, "audit", "verify")
    assert result.exit_code == 1
    assert "broken at event 4 (" in result.output and "no longer match their seal" \
        in result.output


def test_the_upgrade_of_an_empty_log_writes_no_seal(make_site):
    from eoffice import audit
    from eoffice.extensions import db

    site = make_site("sqlite", revision="0007_unread_index")
    upgrade(site)
    with site.context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEvent)) == 0
        db.session.remove()


# --- restore ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("source_kind", "target_kind"), [("sqlite", "sqlite"),
                                                          ("sqlite", "postgresql")])
def test_restore_keeps_the_guards_and_starts_a_new_anchor_log(make_site, tmp_path,
                                                               source_kind, target_kind):
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    source = make_site(source_kind)
    add_events(source)
    backup = invoke(source, "backup", "--output", str(tmp_path / "cadangan.tar.gz"))
    assert backup.exit_code == 0, backup.output

    target = make_site(target_kind)
    add_events(target, 2)
    invoke(target, "audit", "anchor")
    result = invoke(target, "restore", "--yes", str(tmp_path / "cadangan.tar.gz"))
    assert result.exit_code == 0, result.output
    assert "The chain is intact: 5 events checked." in result.output
    with target.context():
        assert chain.missing_guards(db.session.connection()) == []
        with pytest.raises(sa.exc.DBAPIError, match="audit_"):
            db.session.execute(sa.text("DELETE FROM audit_events"))
        db.session.rollback()
        assert [a.count for a in chain.read_anchors()] == [5]
        db.session.remove()
    kept = list(target.instance.glob("audit-anchors.log.*"))
    assert len(kept) == 1 and kept[0].read_text().split()[1].endswith(":2")
    assert invoke(target, "audit", "verify").exit_code == 0


def test_restore_warns_about_a_broken_chain_in_the_archive(make_site, tmp_path):
    source = make_site("sqlite")
    add_events(source)
    tamper(source, "UPDATE audit_events SET data = '{}' WHERE id = 2")
    assert invoke(source, "backup", "--output", str(tmp_path / "c.tar.gz")).exit_code == 0
    result = invoke(make_site("sqlite"), "restore", str(tmp_path / "c.tar.gz"))
    assert result.exit_code == 0, result.output
    assert "WARNING: The chain is broken at event 2 (" in result.output
