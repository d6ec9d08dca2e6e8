"""Acting officials (Plt / Plh): who acts for which position, on which days.

An assignment (``ActingAssignment``) gives its user a position for a range of
region-local days. ``security.held_positions`` asks ``acting_position_ids`` for the
positions a user acts for *today*; every queue, counter and access grant that is
derived from "the user's positions" reads that one answer, so an assignment takes
effect on its first day and stops the day after its last (or at once when ended
early) without any grant being rewritten: grants are keyed by position, and who
holds a position is decided when they ask (``eoffice.access``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from eoffice import audit
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.org.models import ACTING_KINDS, ActingAssignment, Position
from eoffice.org.services import OrgError

KIND_LABELS = {"plt": _l("Plt (pelaksana tugas)"), "plh": _l("Plh (pelaksana harian)")}
_CACHE = "_eoffice_acting"


def today() -> dt.date:
    """The region's date now (``letters.services.today_local``, looked up at each call
    so that tests can freeze it)."""
    from eoffice.letters import services

    return services.today_local()


def _active(day: dt.date):
    return [ActingAssignment.ended_at.is_(None), ActingAssignment.start_date <= day,
            ActingAssignment.end_date >= day]


def acting_position_ids(user, day: dt.date | None = None) -> dict[int, str]:
    """{position id: "plt" | "plh"} of the active positions ``user`` acts for on ``day``
    (today by default). Cached for the request by (user, day); any flush of an
    assignment, position or user forgets the cache (``_forget``)."""
    user_id = getattr(user, "id", None)
    if user_id is None or not getattr(user, "is_authenticated", False):
        return {}
    day = day or today()
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    key = (user_id, day)
    if key not in cache:
        rows = db.session.execute(
            sa.select(ActingAssignment.position_id, ActingAssignment.kind)
            .join(Position, Position.id == ActingAssignment.position_id)
            .where(ActingAssignment.user_id == user_id, Position.active.is_(True),
                   *_active(day))
            .order_by(ActingAssignment.start_date, ActingAssignment.id)).all()
        cache[key] = {pid: kind for pid, kind in rows}
    return cache[key]


def acting_user_ids(position_ids: list[int], day: dt.date | None = None) -> list[int]:
    """The users who act for any of these positions on ``day`` (today by default): the
    other side of ``acting_position_ids``, for telling a position's people of new work."""
    return list(db.session.scalars(
        sa.select(ActingAssignment.user_id).distinct()
        .where(ActingAssignment.position_id.in_(position_ids), *_active(day or today()))
        .order_by(ActingAssignment.user_id)))


def acting_for(position_id: int, day: dt.date | None = None) -> ActingAssignment | None:
    """The assignment through which someone acts for the position on ``day``."""
    return db.session.scalar(
        sa.select(ActingAssignment).where(ActingAssignment.position_id == position_id,
                                          *_active(day or today()))
        .options(joinedload(ActingAssignment.user)).order_by(ActingAssignment.id).limit(1))


def current_for(user) -> list[ActingAssignment]:
    """The user's assignments in force today, with their positions (for the dashboard's
    line "Plh. <position> until <day>")."""
    if getattr(user, "id", None) is None:
        return []
    return list(db.session.scalars(
        sa.select(ActingAssignment).where(ActingAssignment.user_id == user.id,
                                          *_active(today()))
        .options(joinedload(ActingAssignment.position)).order_by(ActingAssignment.start_date)))


@event.listens_for(Session, "after_flush")
def _forget(session, flush_context) -> None:
    """An assignment, a position (holder, active) or a user (active, staff record)
    changed: the positions cached for this request may be wrong now."""
    if not has_app_context() or _CACHE not in g:
        return
    from eoffice.auth.models import User

    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, ActingAssignment | Position | User):
            g.pop(_CACHE, None)
            return


# --- Reading for the administrator ------------------------------------------------------

def assignments(*, unit_id: int | None = None, position_id: int | None = None,
                include_past: bool = False) -> list[ActingAssignment]:
    """Assignments, newest start first, with their position, unit and user loaded.
    Past ones (ended, or over before today) only with ``include_past``."""
    query = sa.select(ActingAssignment).join(
        Position, Position.id == ActingAssignment.position_id).options(
        joinedload(ActingAssignment.position).joinedload(Position.unit),
        joinedload(ActingAssignment.user))
    if unit_id is not None:
        query = query.where(Position.unit_id == unit_id)
    if position_id is not None:
        query = query.where(ActingAssignment.position_id == position_id)
    if not include_past:
        query = query.where(ActingAssignment.ended_at.is_(None),
                            ActingAssignment.end_date >= today())
    return list(db.session.scalars(query.order_by(ActingAssignment.start_date.desc(),
                                                  ActingAssignment.id.desc())))


def status(item: ActingAssignment, day: dt.date | None = None) -> str:
    """"active", "future", "ended" (early) or "past"."""
    day = day or today()
    if item.ended_at is not None:
        return "ended"
    if item.end_date < day:
        return "past"
    return "future" if item.start_date > day else "active"


# --- Changing -----------------------------------------------------------------------------

def create_assignment(*, position_id: int | None, user_id: int | None, kind: str,
                      start_date: dt.date | None, end_date: dt.date | None,
                      decree: str = "", actor=None) -> ActingAssignment:
    """Appoint an acting official. Refused, with the field and a message, when the
    dates are missing or reversed, the range is over already, the position is unknown
    or inactive, the user is inactive or has no staff record (the signature block needs
    the name, NIP and rank), the user holds the position themselves, or another
    assignment of the position overlaps the range."""
    from eoffice import numbering
    from eoffice.auth.models import User

    numbering.begin_write()  # the overlap check and the insert: one writer at a time
    position = db.session.get(Position, position_id) if position_id else None
    if position is None or not position.active:
        raise OrgError(str(_l("Choose an active position.")), "position_id")
    if kind not in ACTING_KINDS:
        raise OrgError(str(_l("Choose Plt or Plh.")), "kind")
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        raise OrgError(str(_l("Choose the acting official.")), "user_id")
    if not user.active:
        raise OrgError(str(_l("%(n)s's account is inactive: an inactive user cannot act "
                              "for a position.", n=user.full_name)), "user_id")
    if user.staff is None:
        raise OrgError(str(_l("%(n)s has no staff record: the signature needs their name, "
                              "NIP and rank.", n=user.full_name)), "user_id")
    if position.holder_id is not None and position.holder_id == user.staff_id:
        raise OrgError(str(_l("%(n)s holds %(p)s already: a holder cannot act for their "
                              "own position.", n=user.full_name, p=position.name)), "user_id")
    if start_date is None:
        raise OrgError(str(_l("Give the first day.")), "start_date")
    if end_date is None:
        raise OrgError(str(_l("Give the last day.")), "end_date")
    if end_date < start_date:
        raise OrgError(str(_l("The last day is before the first day.")), "end_date")
    if end_date < today():
        raise OrgError(str(_l("The last day has passed already.")), "end_date")
    decree = (decree or "").strip()
    if len(decree) > 200:
        raise OrgError(str(_l("The decree number or note is at most 200 characters.")),
                       "decree")
    other = db.session.scalar(sa.select(ActingAssignment).where(
        ActingAssignment.position_id == position.id, ActingAssignment.ended_at.is_(None),
        ActingAssignment.start_date <= end_date, ActingAssignment.end_date >= start_date)
        .options(joinedload(ActingAssignment.user)).limit(1))
    if other is not None:
        raise OrgError(str(_l(
            "%(p)s already has an acting official from %(a)s to %(b)s (%(n)s): the ranges "
            "overlap.", p=position.name, a=other.start_date.isoformat(),
            b=other.end_date.isoformat(), n=other.user.full_name)), "start_date")
    item = ActingAssignment(position_id=position.id, user_id=user.id, kind=kind,
                            start_date=start_date, end_date=end_date, decree=decree or None,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    audit.record("acting.assigned", position, actor=actor, data={
        "assignment": item.id, "kind": kind, "user": user.full_name, "user_id": user.id,
        "position": position.name, "start": start_date.isoformat(),
        "end": end_date.isoformat(), "decree": item.decree})
    return item


def end_assignment(item: ActingAssignment, *, actor=None) -> None:
    """End an active assignment now: the acting user loses the position at once."""
    from eoffice import numbering

    numbering.begin_write()
    if status(item) != "active":
        raise OrgError(str(_l("Only an assignment in progress can be ended early.")), "id")
    item.ended_at = utcnow()
    audit.record("acting.ended", item.position, actor=actor, data={
        "assignment": item.id, "kind": item.kind, "user": item.user.full_name,
        "user_id": item.user_id, "position": item.position.name,
        "end": item.end_date.isoformat(), "ended_on": today().isoformat()})


def delete_assignment(item: ActingAssignment, *, actor=None) -> None:
    """Delete an assignment that has not started (a mistake, or plans changed). One that
    has started stays, as the record of who acted when: it is ended instead."""
    from eoffice import numbering

    numbering.begin_write()
    if status(item) != "future":
        raise OrgError(str(_l("Only an assignment that has not started can be deleted; end "
                              "it instead.")), "id")
    audit.record("acting.deleted", item.position, actor=actor, data={
        "assignment": item.id, "kind": item.kind, "user": item.user.full_name,
        "user_id": item.user_id, "position": item.position.name,
        "start": item.start_date.isoformat(), "end": item.end_date.isoformat()})
    db.session.delete(item)
