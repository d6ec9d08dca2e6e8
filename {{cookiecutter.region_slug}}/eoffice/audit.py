"""Append-only, hash-chained event log.

Every state change records an event; timelines (of a letter, a staff record) are
read from these events. Four things keep the log honest (docs/it/audit.md):

- **The chain.** Each event stores the SHA-256 of its own content and the previous
  event's hash. The content is every field a timeline or the audit page shows:
  time, who (id and name), action, object and data. An edited row no longer
  matches its hash; a deleted or inserted row breaks the link of the next one.
- **The head row** (``audit_head``) holds the number of events and the newest
  hash, so deleting the newest events (which leaves no broken link) is found.
- **The database** refuses UPDATE and DELETE on the log and any step back of the
  head (triggers created by migration ``0009_audit``, see
  ``eoffice.maintenance.chain``), so the application's own SQL cannot change it.
- **Anchors**: the head's ``HASH:COUNT`` copied out of the database (each backup's
  manifest, the log of ``flask eoffice maintain``). Someone who can drop the
  triggers and rewrite the whole chain consistently still cannot change the
  anchors already copied elsewhere; ``verify_chain(anchors)`` compares them.

Payload versions. Events written before migration ``0009_audit`` carry
``hash_version`` 1, whose hash leaves out the actor's name; newer events carry 2.
Each row is checked with the payload of its own version, so existing chains keep
verifying without rewriting a single hash (rewriting would bless whatever was
changed before the upgrade, and void anchors held elsewhere). The migration
closed the gap of the old rows by writing one **seal** event (``audit.sealed``)
whose data is a digest of every version-1 event's id and actor name: from then on
a changed name of an old event breaks the seal.

A court-ordered redaction (``flask eoffice audit redact``) replaces one event's
data with a marker and records, as a new event, the old hash and a digest of the
other fields, so the chain still verifies and shows that and why it was redacted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import utcnow
from eoffice.extensions import db

GENESIS = "0" * 64
HASH_VERSION = 2  # the payload new events are hashed with
SEAL_ACTION = "audit.sealed"  # written once by migration 0009_audit
REDACT_ACTION = "audit.redacted"
VERIFY_BATCH = 2000  # rows fetched at a time while verifying (memory stays flat)


class AuditEvent(db.Model):
    """One thing that happened: who (actor), what (action), to what (object)."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # No ON DELETE action: the id is hashed, so a user with events is never deleted
    # (accounts are deactivated), and the database refuses it.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash_version: Mapped[int] = mapped_column(default=HASH_VERSION, server_default="1")

    def payload(self) -> str:
        return payload(self, self.hash_version or HASH_VERSION)

    def compute_hash(self) -> str:
        return sha256(self.payload())

    @property
    def redacted(self) -> bool:
        return set(self.data or {}) == {"redacted"}


class AuditHead(db.Model):
    """The single row holding the number of events and the newest event's hash.

    Writers lock this row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one
    writer at a time), so two transactions never chain onto the same event.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int] = mapped_column(default=0)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def payload(event: Any, version: int, *, with_data: bool = True) -> str:
    """The text an event's hash is computed from, for its payload version.

    ``with_data=False`` leaves the data out: the digest a redaction keeps of the
    other fields. Version 1 is frozen as events were written before 0009_audit.
    """
    if version not in (1, 2):
        raise ValueError(f"unknown audit hash version {version!r}")
    fields = {
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id, "action": event.action,
        "object_type": event.object_type, "object_id": event.object_id,
        "prev_hash": event.prev_hash,
    }
    if with_data:
        fields["data"] = event.data
    if version >= 2:
        fields["v"] = version
        fields["actor_name"] = event.actor_name
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def data_digest(data: Any) -> str:
    return sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str))


def seal_line(event_id: int, actor_name: str | None) -> bytes:
    """One version-1 event's share of the seal digest (migration 0009_audit)."""
    return (json.dumps([event_id, actor_name], ensure_ascii=False) + "\n").encode()


def _object_ref(obj: Any) -> tuple[str, str | None]:
    if obj is None:
        return "system", None
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return getattr(obj, "__tablename__", type(obj).__name__), str(getattr(obj, "id", None))


def lock_head() -> AuditHead:
    """The head row, locked until the transaction ends; created on the first event.

    Two first events at once must not both insert it: the insert ignores a
    conflict and the row is then read (and locked) like any other time.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    query = sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = db.session.scalar(query)
    if head is None:
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(
            db.session.get_bind().dialect.name)
        if insert is not None:
            db.session.execute(insert(AuditHead).values(id=1, hash=GENESIS, count=0)
                               .on_conflict_do_nothing(index_elements=["id"]))
            head = db.session.scalar(query)
        else:
            head = AuditHead(id=1, hash=GENESIS, count=0)
            db.session.add(head)
    return head


def record(action: str, obj: Any = None, *, actor: Any = None, data: dict | None = None,
           ) -> AuditEvent:
    """Add an event to the session (committed with the change it describes).

    The previous hash comes from the locked ``AuditHead`` row.
    """
    object_type, object_id = _object_ref(obj)
    if obj is not None and not isinstance(obj, tuple) and object_id in (None, "None"):
        db.session.flush()
        object_id = str(obj.id)
    head = lock_head()
    prev = head.hash
    actor_obj = getattr(actor, "_get_current_object", lambda: actor)()
    event = AuditEvent(
        occurred_at=utcnow(), action=action, object_type=object_type, object_id=object_id,
        actor_id=getattr(actor_obj, "id", None),
        actor_name=getattr(actor_obj, "full_name", None),
        data=data or {}, prev_hash=prev, hash_version=HASH_VERSION,
    )
    event.hash = event.compute_hash()
    head.hash = event.hash
    head.count += 1
    db.session.add(event)
    return event


# --- anchors ----------------------------------------------------------------------------------


ANCHOR_RE = re.compile(r"^([0-9a-f]{64}):([0-9]+)$")


@dataclass(frozen=True)
class Anchor:
    """``HASH:COUNT``: the chain's event number ``count`` has hash ``hash``."""

    hash: str
    count: int

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = ANCHOR_RE.match(text.strip().lower())
        if not match:
            raise ValueError(_("An anchor is written HASH:COUNT (64 hexadecimal characters, "
                               "a colon, a number), not %(text)s.", text=repr(text)))
        return cls(match.group(1), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.hash}:{self.count}"


def current_anchor(connection=None) -> Anchor | None:
    """The head as an anchor (None while the log is empty)."""
    connection = connection if connection is not None else db.session.connection()
    row = connection.execute(sa.select(AuditHead.hash, AuditHead.count)
                             .where(AuditHead.id == 1)).first()
    return None if row is None or not row.count else Anchor(row.hash, row.count)


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenEvent:
    """The event a verification names: the first one that is wrong."""

    id: int
    occurred_at: dt.datetime
    action: str

    def describe(self) -> str:
        return _("event %(id)d (%(time)s UTC, %(action)s)", id=self.id,
                 time=self.occurred_at.isoformat(sep=" ", timespec="seconds"),
                 action=self.action)


@dataclass
class ChainReport:
    """What ``verify_chain`` found: ``problem`` is None when the chain is intact."""

    checked: int
    problem: str | None = None
    event: BrokenEvent | None = None
    expected: int | None = None  # the count the head record or an anchor gives
    anchors: int = 0  # anchors compared

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def broken_at(self) -> int | None:
        """The id of the first broken event (None when intact or no event is to blame)."""
        return self.event.id if self.event else None

    def message(self) -> str:
        if self.ok:
            return _("The chain is intact: %(n)d events checked.", n=self.checked)
        event = self.event.describe() if self.event else ""
        texts = {
            "altered": _("The chain is broken at %(event)s: its content does not match its "
                         "hash (the row was changed).", event=event),
            "unlinked": _("The chain is broken at %(event)s: it does not follow the event "
                          "before it (events before it were deleted, inserted or changed).",
                          event=event),
            "version": _("The chain is broken at %(event)s: its hash version is unknown or "
                         "older than the event before it.", event=event),
            "unsealed": _("The chain is broken at %(event)s: the events written before the "
                          "upgrade no longer match their seal (an actor's name was changed).",
                          event=event),
            "redaction": _("The chain is broken at %(event)s: it was redacted without a "
                           "matching redaction record.", event=event),
            "head_missing": _("The chain is broken: the head record (count and newest hash) "
                              "was deleted; %(n)d events checked.", n=self.checked),
            "truncated": _("The chain is broken: the newest events were deleted. The head "
                           "record counts %(expected)d events, the log holds %(n)d.",
                           expected=self.expected or 0, n=self.checked),
            "head_mismatch": _("The chain is broken at %(event)s: it is event number "
                               "%(expected)d, but the head record names another hash.",
                               event=event, expected=self.expected or 0),
            "anchor_short": _("The chain is broken: an anchor records %(expected)d events, "
                              "the log holds %(n)d (events were deleted).",
                              expected=self.expected or 0, n=self.checked),
            "anchor": _("The chain is broken at %(event)s: it is event number %(expected)d, "
                        "but its hash differs from the anchor's (the chain was rewritten).",
                        event=event, expected=self.expected or 0),
        }
        return texts[self.problem]


_COLUMNS = [AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.actor_name,
            AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.data,
            AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.hash_version]


def _redactions(connection) -> dict[int, tuple[int, dict]]:
    """Redacted event id -> (redaction event id, its data); a few rows, by the action index."""
    found: dict[int, tuple[int, dict]] = {}
    for row in connection.execute(sa.select(AuditEvent.id, AuditEvent.data)
                                  .where(AuditEvent.action == REDACT_ACTION)
                                  .order_by(AuditEvent.id)):
        target = (row.data or {}).get("event")
        if isinstance(target, int) and target not in found:
            found[target] = (row.id, row.data)
    return found


def _content_ok(row, redactions: dict[int, tuple[int, dict]]) -> bool:
    redaction = redactions.get(row.id)
    if redaction is None:
        return sha256(payload(row, row.hash_version)) == row.hash
    redaction_id, record = redaction
    return (redaction_id > row.id and row.data == {"redacted": redaction_id}
            and record.get("hash") == row.hash
            and record.get("fields_sha256") == sha256(payload(row, row.hash_version,
                                                              with_data=False)))


def verify_chain(anchors: Iterable[Anchor] = (), connection=None) -> ChainReport:
    """Walk the log in order and report the first thing that is wrong.

    Streams the rows (``yield_per``): memory stays flat at any size. The head is
    read first: events committed while the walk runs come after it and are checked
    like the others, and the head's event must be in the chain at its number.
    """
    connection = connection if connection is not None else db.session.connection()
    expected: dict[int, set[str]] = {}
    for anchor in anchors:
        expected.setdefault(anchor.count, set()).add(anchor.hash)
    head = connection.execute(sa.select(AuditHead.hash, AuditHead.count)
                              .where(AuditHead.id == 1)).first()
    redactions = _redactions(connection)
    report = ChainReport(0, anchors=sum(len(hashes) for hashes in expected.values()))
    prev, version, last = GENESIS, 1, None
    v1_names, v1_count, sealed = hashlib.sha256(), 0, False

    def broken(problem: str, row, expected_count: int | None = None) -> ChainReport:
        report.problem, report.expected = problem, expected_count
        if row is not None:
            report.event = BrokenEvent(row.id, row.occurred_at, row.action)
        return report

    rows = connection.execute(sa.select(*_COLUMNS).order_by(AuditEvent.id)
                              .execution_options(yield_per=VERIFY_BATCH))
    try:
        for row in rows:
            if row.hash_version not in (1, 2) or row.hash_version < version:
                return broken("version", row)
            if row.prev_hash != prev:
                return broken("unlinked", row)
            if not _content_ok(row, redactions):
                return broken("redaction" if row.id in redactions else "altered", row)
            if row.hash_version == 1:
                v1_names.update(seal_line(row.id, row.actor_name))
                v1_count += 1
            elif v1_count and not sealed:
                if row.action != SEAL_ACTION or row.data != {
                        "v1_events": v1_count, "v1_actor_names_sha256": v1_names.hexdigest()}:
                    return broken("unsealed", row)
                sealed = True
            number = report.checked + 1
            if head is not None and number == head.count and row.hash != head.hash:
                return broken("head_mismatch", row, number)
            if expected.get(number, set()) - {row.hash}:
                return broken("anchor", row, number)
            version, prev, last = row.hash_version, row.hash, row
            report.checked = number
    finally:
        rows.close()
    if report.checked and head is None:
        return broken("head_missing", None)
    if head is not None and head.count > report.checked:
        return broken("truncated", last, head.count)
    beyond = [count for count in expected if count > report.checked]
    if beyond:
        return broken("anchor_short", last, max(beyond))
    if v1_count and not sealed:
        return broken("unsealed", last)
    return report


def events_for(object_type: str, object_id: Any) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)))
