"""Domain events: what happened to a letter, told to subscribers after it is committed.

A service that changes a letter calls ``emit("letter_registered", ...)`` inside its
transaction. The event is only *collected* on the session then; it reaches the
subscribers (the ``eoffice_<name>`` hooks of ``eoffice.plugins.hookspecs``: the core's
notification centre and any local plugin alike) after ``commit()`` has returned, once
and in the order emitted. A rollback drops it, so nobody is ever told of work that does
not exist (a refused signature, a failed validation). The rollback of a savepoint
drops only what was emitted inside it.

Why after the commit and not in it: subscribers send e-mail, call gateways or queue
jobs, none of which can be rolled back with the database; and a subscriber that reads
the letter must see it committed (a job worker runs in another process).

Why ``EventSession.commit`` dispatches and not SQLAlchemy's ``after_commit`` event:
inside that event the session may not run SQL, and subscribers do (the notification
centre writes its rows in a transaction of their own, which the lead's page cache sees
as any other committed write). ``after_commit`` only marks the collected events ready.

A subscriber that raises is logged and skipped; the others still run and the
committed change stands (its session is rolled back, so it cannot leave half a write).

Events carry ids, not ORM objects (those are expired by the commit and belong to one
session): ``object_type`` is a table name, ``positions`` and ``user_ids`` say whom the
event concerns, ``restricted`` is True for letters of security level R or SR, whose
subscribers must not pass on their subject or content (see docs/dev/plugins.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event as sa_event

from eoffice.db import utcnow

log = logging.getLogger(__name__)

#: Every event the core emits, each with the hook ``eoffice_<name>`` that receives it.
EVENTS = (
    "letter_registered",        # an incoming letter is registered for its addressees
    "copy_received",            # ... and its copy (tembusan) positions
    "disposition_received",     # a disposition reaches its recipient positions
    "disposition_returned",     # the sender sends a completed disposition back
    "draft_awaiting_paraf",     # a draft waits for the verifier's paraf
    "draft_awaiting_signature",  # a draft waits for the signatory
    "draft_returned",           # a verifier or the signatory returns the draft
    "letter_signed",            # the signatory signed the letter (it has its number)
    "letter_sent",              # the signed letter was sent to its recipients
    "exchange_received",        # a letter arrived from another region's e-office
    "disposition_due_soon",     # an open disposition is due within a few working days
    "disposition_overdue",      # an open disposition is past its due date
)

_PENDING = "eoffice_events_pending"  # [(session transaction, event)] not yet committed
_READY = "eoffice_events_ready"  # events committed, not yet dispatched
_DISPATCHING = "eoffice_events_dispatching"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, as subscribers receive it (immutable, ids only)."""

    name: str
    object_type: str
    object_id: int
    actor_id: int | None = None
    positions: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()
    restricted: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime = field(default_factory=utcnow)

    @property
    def hook_name(self) -> str:
        return f"eoffice_{self.name}"


def emit(name: str, object_type: str, object_id: int, *, actor=None,
         positions: Iterable[int | None] = (), user_ids: Iterable[int | None] = (),
         restricted: bool = False, data: Mapping[str, Any] | None = None,
         session=None) -> DomainEvent:
    """Collect an event on the current transaction; it is dispatched after the commit.

    ``positions`` / ``user_ids``: whom it concerns (None and duplicates are dropped).
    ``data``: a few plain values (numbers, dates as ISO text); never the subject of a
    restricted letter.
    """
    if name not in EVENTS:
        raise ValueError(f"unknown domain event {name!r}")
    if session is None:
        from eoffice.extensions import db

        session = db.session()
    event = DomainEvent(
        name=name, object_type=object_type, object_id=object_id,
        actor_id=getattr(actor, "id", None) if actor is not None else None,
        positions=tuple(dict.fromkeys(p for p in positions if p is not None)),
        user_ids=tuple(dict.fromkeys(u for u in user_ids if u is not None)),
        restricted=restricted, data=MappingProxyType(dict(data or {})))
    if session.get_transaction() is None:
        session.connection()  # begins the transaction the event belongs to
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, event))
    return event


def pending(session) -> list[DomainEvent]:
    """The events collected and not yet committed (for tests and debugging)."""
    return [event for _, event in session.info.get(_PENDING, [])]


class EventSession(FlaskSession):
    """The app's session: after a commit it dispatches the events the commit made real."""

    def commit(self) -> None:
        super().commit()
        dispatch_ready(self)


def dispatch_ready(session) -> None:
    """Call the subscribers of every committed event, oldest first. Events emitted by a
    subscriber (and committed by it) are dispatched in the same loop, after these."""
    if session.info.get(_DISPATCHING) or not session.info.get(_READY):
        return
    from flask import current_app

    manager = current_app.extensions["eoffice_plugins"]
    session.info[_DISPATCHING] = True
    try:
        while session.info.get(_READY):
            event = session.info[_READY].pop(0)
            _deliver(manager, session, event)
    finally:
        session.info.pop(_DISPATCHING, None)


def _deliver(manager, session, event: DomainEvent) -> None:
    """Each subscriber on its own: pluggy would stop at the first that raises."""
    caller = getattr(manager.hook, event.hook_name)
    for impl in reversed(caller.get_hookimpls()):  # pluggy's order: last registered first
        try:
            impl.function(**{name: event for name in impl.argnames if name == "event"})
        except Exception:  # noqa: BLE001 - one bad subscriber must not hide the change
            log.exception("subscriber %s of %s failed", impl.plugin_name, event.name)
            session.rollback()


@sa_event.listens_for(FlaskSession, "after_commit", propagate=True)
def _committed(session) -> None:
    collected = session.info.pop(_PENDING, None)
    if collected:
        session.info.setdefault(_READY, []).extend(event for _, event in collected)


@sa_event.listens_for(FlaskSession, "after_soft_rollback", propagate=True)
def _rolled_back(session, previous_transaction) -> None:
    """Drop what was emitted inside the transaction (or savepoint) rolled back."""
    collected = session.info.get(_PENDING)
    if collected:
        session.info[_PENDING] = [
            (tx, event) for tx, event in collected if not _within(tx, previous_transaction)]


@sa_event.listens_for(FlaskSession, "after_transaction_end", propagate=True)
def _ended(session, transaction) -> None:
    """The outermost transaction ended without a commit (closed, or rolled back without
    a soft-rollback event): whatever is still pending never happened."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
