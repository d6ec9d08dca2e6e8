"""Append-only, hash-chained event log.

Every state change records an event. Each event stores the SHA-256 of its own
content plus the previous event's hash, so an edited or deleted row breaks the
chain and ``verify_chain`` finds it. Timelines (of a letter, a staff record) are
read from these events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.db import utcnow
from eoffice.extensions import db

GENESIS = "0" * 64


class AuditEvent(db.Model):
    """One thing that happened: who (actor), what (action), to what (object)."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def payload(self) -> str:
        return json.dumps({
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id, "action": self.action,
            "object_type": self.object_type, "object_id": self.object_id,
            "data": self.data, "prev_hash": self.prev_hash,
        }, sort_keys=True, ensure_ascii=False, default=str)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


class AuditHead(db.Model):
    """The single row holding the newest event's hash.

    Writers lock this row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one
    writer at a time), so two transactions never chain onto the same event.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int] = mapped_column(default=0)


def _object_ref(obj: Any) -> tuple[str, str | None]:
    if obj is None:
        return "system", None
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return getattr(obj, "__tablename__", type(obj).__name__), str(getattr(obj, "id", None))


def _locked_head() -> AuditHead:
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
    head = _locked_head()
    prev = head.hash
    actor_obj = getattr(actor, "_get_current_object", lambda: actor)()
    event = AuditEvent(
        occurred_at=utcnow(), action=action, object_type=object_type, object_id=object_id,
        actor_id=getattr(actor_obj, "id", None),
        actor_name=getattr(actor_obj, "full_name", None),
        data=data or {}, prev_hash=prev,
    )
    event.hash = event.compute_hash()
    head.hash = event.hash
    head.count += 1
    db.session.add(event)
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Walk the log in order; report the first event whose hash or link is wrong."""
    prev = GENESIS
    checked = 0
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        if event.prev_hash != prev or event.compute_hash() != event.hash:
            return ChainReport(checked, event.id)
        prev = event.hash
        checked += 1
    return ChainReport(checked, None)


def events_for(object_type: str, object_id: Any) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)))
