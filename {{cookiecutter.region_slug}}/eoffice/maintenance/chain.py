"""The audit log's guards in the database, its anchors, and the one way to change it.

- **Guards**: triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE)
  of ``audit_events``, and any step back of ``audit_head`` (its count may only
  grow, and the row may not be deleted). Migration ``0009_audit`` creates them
  with the same statements as ``create_guards`` (a test compares them).
- **Lifting them** (``guards_lifted``) happens inside the caller's transaction:
  DDL is transactional on SQLite and PostgreSQL, so no other session ever sees
  the log unguarded, and a failure rolls the drop back too. Only two paths do it:
  a restore (which replaces every row with the archive's) and ``redact``.
- **Anchors**: the head's ``HASH:COUNT``, written into each backup's manifest,
  appended to ``instance/audit-anchors.log`` and printed (so it reaches the
  journal or the cron mail) at each backup and by the daily ``flask eoffice
  maintain``. ``flask eoffice audit verify`` compares the chain with them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from eoffice import audit
from eoffice.extensions import db

log = logging.getLogger("eoffice.audit")

ANCHOR_LOG = "audit-anchors.log"

SQLITE_GUARDS = {
    "audit_events_no_update": (
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an event cannot be "
        "changed'); END"),
    "audit_events_no_delete": (
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an event cannot be "
        "deleted'); END"),
    "audit_head_forward": (
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
        "WHEN NEW.id <> OLD.id OR NEW.count < OLD.count "
        "OR (NEW.count = OLD.count AND NEW.hash <> OLD.hash) "
        "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END"),
    "audit_head_no_delete": (
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END"),
}

POSTGRESQL_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP; "
    "END $$",
    "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'UPDATE' THEN "
    "RAISE EXCEPTION 'audit_head cannot be deleted: % refused', TG_OP; END IF; "
    "IF NEW.id <> OLD.id OR NEW.count < OLD.count "
    "OR (NEW.count = OLD.count AND NEW.hash <> OLD.hash) THEN "
    "RAISE EXCEPTION 'audit_head only moves forward'; END IF; "
    "RETURN NEW; END $$",
)
POSTGRESQL_GUARDS = {
    "audit_events_append_only": (
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"),
    "audit_head_forward": (
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()"),
    "audit_head_no_truncate": (
        "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"),
}
GUARD_TABLES = {"audit_events_no_update": "audit_events", "audit_events_no_delete": "audit_events",
                "audit_events_append_only": "audit_events", "audit_head_forward": "audit_head",
                "audit_head_no_delete": "audit_head", "audit_head_no_truncate": "audit_head"}


class AuditMaintenanceError(Exception):
    """A change to the audit log is refused; the message says why."""


# --- guards -----------------------------------------------------------------------------------


def guard_statements(dialect: str) -> dict[str, str]:
    return {"sqlite": SQLITE_GUARDS, "postgresql": POSTGRESQL_GUARDS}.get(dialect, {})


def create_guards(connection) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        for statement in POSTGRESQL_FUNCTIONS:
            connection.execute(sa.text(statement))
    for statement in guard_statements(dialect).values():
        connection.execute(sa.text(statement))


def drop_guards(connection) -> None:
    dialect = connection.dialect.name
    for name in guard_statements(dialect):
        if dialect == "postgresql":
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON {GUARD_TABLES[name]}"))
        else:
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))


def installed_guards(connection) -> set[str]:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return set(connection.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    if dialect == "postgresql":
        return set(connection.scalars(sa.text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "('audit_events'::regclass, 'audit_head'::regclass)")))
    return set()


def missing_guards(connection) -> list[str]:
    return sorted(set(guard_statements(connection.dialect.name)) - installed_guards(connection))


@contextlib.contextmanager
def guards_lifted(connection) -> Iterator[None]:
    """Inside the caller's transaction: the guards dropped, then created again.

    Never commits: the caller's commit makes the change and the guards' return
    visible together, and a rollback undoes both. A database without guards (a
    restore at a revision before 0009_audit, whose migration creates them) is
    left without.
    """
    present = installed_guards(connection) & set(guard_statements(connection.dialect.name))
    drop_guards(connection)
    yield
    if present:
        create_guards(connection)


# --- redaction --------------------------------------------------------------------------------


def redact(event_id: int, reason: str, actor) -> audit.AuditEvent:
    """Replace one event's data with ``{"redacted": <id of the redaction event>}``.

    The purpose is a legal order to remove personal data from the log (UU PDP, a
    court). The redaction event keeps the old hash, a digest of the other fields
    and of the removed data, the reason and who did it, so the chain still
    verifies and shows what was done. Refused while the chain is broken (a
    redaction must not hide an earlier change). Not committed here.
    """
    from eoffice import numbering

    reason = (reason or "").strip()
    if not reason:
        raise AuditMaintenanceError(_("Give the reason for the redaction (for example the "
                                      "number of the court order)."))
    numbering.begin_write()  # SQLite: the write lock first, so the chain cannot move
    audit.lock_head()  # PostgreSQL: no event is added while the chain is checked
    report = audit.verify_chain()
    if not report.ok:
        raise AuditMaintenanceError(_("Redaction refused: %(problem)s",
                                      problem=report.message()))
    target = db.session.get(audit.AuditEvent, event_id)
    if target is None:
        raise AuditMaintenanceError(_("There is no audit event %(id)d.", id=event_id))
    if target.action in (audit.REDACT_ACTION, audit.SEAL_ACTION):
        raise AuditMaintenanceError(_("Event %(id)d is a %(action)s event and cannot be "
                                      "redacted.", id=event_id, action=target.action))
    if event_id in audit._redactions(db.session.connection()):
        raise AuditMaintenanceError(_("Event %(id)d is already redacted.", id=event_id))
    redaction = audit.record(audit.REDACT_ACTION, ("audit_events", target.id), actor=actor,
                             data={"event": target.id, "hash": target.hash,
                                   "fields_sha256": audit.sha256(audit.payload(
                                       target, target.hash_version, with_data=False)),
                                   "data_sha256": audit.data_digest(target.data),
                                   "reason": reason})
    db.session.flush()
    connection = db.session.connection()
    table = audit.AuditEvent.__table__
    with guards_lifted(connection):
        connection.execute(table.update().where(table.c.id == target.id)
                           .values(data={"redacted": redaction.id}))
    db.session.expire(target)
    return redaction


# --- anchors ----------------------------------------------------------------------------------


def anchor_log_path() -> Path:
    return Path(current_app.instance_path) / ANCHOR_LOG


def write_anchor(anchor: audit.Anchor | None, source: str) -> str | None:
    """Append the anchor to the anchor log and the app's log; the line written (None when
    the log cannot be written: the callers print the anchor anyway)."""
    if anchor is None:
        return None
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    line = f"{stamp} {anchor} {source}"
    log.info("audit anchor %s (%s)", anchor, source)
    path = anchor_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        log.warning("audit anchor not written to %s: %s", path, exc)
        return None
    return line


def read_anchors(path: Path | None = None) -> list[audit.Anchor]:
    """The anchors of the anchor log (lines that do not parse are skipped)."""
    path = path or anchor_log_path()
    anchors = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split()
        if len(parts) >= 2:
            with contextlib.suppress(ValueError):
                anchors.append(audit.Anchor.parse(parts[1]))
    return anchors


def restart_anchor_log(anchor: audit.Anchor | None) -> None:
    """After a restore the chain is the archive's: older anchors may lie beyond it, so
    the log is kept aside (``audit-anchors.log.<time>``) and begins again."""
    path = anchor_log_path()
    if path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path.rename(path.with_name(f"{ANCHOR_LOG}.{stamp}"))
    write_anchor(anchor, "restore")
