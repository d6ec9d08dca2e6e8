"""The access rules as they were written before they became grants: correlated
subqueries over the source tables, evaluated for every letter (too slow at a
region's scale, but plainly the rule). The grants must agree with them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from eoffice.security import can, is_system, positions_below, user_position, user_unit_id


def positions_held(user) -> list:
    """The user's own position and those they act for today (Plt/Plh), read here from
    the assignments' own columns rather than through ``security.held_positions``."""
    from eoffice.extensions import db
    from eoffice.letters import services
    from eoffice.org.models import ActingAssignment, Position

    today = services.today_local()
    own = user_position(user)
    acting = db.session.scalars(sa.select(Position).join(
        ActingAssignment, ActingAssignment.position_id == Position.id).where(
        ActingAssignment.user_id == user.id, ActingAssignment.ended_at.is_(None),
        ActingAssignment.start_date <= today, ActingAssignment.end_date >= today,
        Position.active.is_(True)))
    return ([own] if own is not None else []) + [p for p in acting if p is not own]


def incoming_clause(user):
    from eoffice.dispositions.models import Disposition, DispositionRecipient
    from eoffice.letters.models import RESTRICTED_LEVELS, IncomingLetter, LetterRecipient

    if not getattr(user, "is_authenticated", False) or not can(user, "letters.view"):
        return sa.false()
    received = IncomingLetter.status != "awaiting"
    if is_system(user):
        return sa.and_(received, IncomingLetter.security.not_in(RESTRICTED_LEVELS))
    lr, dp, dr = aliased(LetterRecipient), aliased(Disposition), aliased(DispositionRecipient)
    open_rules = [IncomingLetter.registered_by_id == user.id]
    restricted_rules = [IncomingLetter.registered_by_id == user.id]
    if can(user, "letters.register") and user_unit_id(user) is not None:
        open_rules.append(IncomingLetter.registering_unit_id == user_unit_id(user))
    for position in positions_held(user):
        below = positions_below(position.id)
        open_rules += [
            sa.exists().where(lr.letter_id == IncomingLetter.id, lr.position_id.in_(below)),
            sa.exists().where(dp.letter_id == IncomingLetter.id, dp.from_position_id.in_(below)),
            sa.exists().where(dr.disposition_id == dp.id, dp.letter_id == IncomingLetter.id,
                              dr.position_id.in_(below)),
        ]
        restricted_rules += [
            sa.exists().where(lr.letter_id == IncomingLetter.id, lr.kind == "to",
                              lr.position_id == position.id),
            sa.exists().where(dr.disposition_id == dp.id, dp.letter_id == IncomingLetter.id,
                              dr.position_id == position.id),
            sa.exists().where(dp.letter_id == IncomingLetter.id,
                              dp.from_position_id == position.id),
        ]
    return sa.and_(received, sa.or_(
        sa.and_(IncomingLetter.security.not_in(RESTRICTED_LEVELS), sa.or_(*open_rules)),
        sa.and_(IncomingLetter.security.in_(RESTRICTED_LEVELS), sa.or_(*restricted_rules)),
    ))


def clerk_units(user) -> set[int]:
    from eoffice.extensions import db
    from eoffice.org.models import Unit

    unit_id = user_unit_id(user)
    if not can(user, "letters.register") or unit_id is None:
        return set()
    rows = db.session.execute(sa.select(Unit.id, Unit.parent_id, Unit.kind)).all()
    parent_of = {uid: parent for uid, parent, _ in rows}
    kind_of = {uid: kind for uid, _, kind in rows}
    office, seen = unit_id, set()
    while kind_of.get(office) not in ("opd", "pemda") and parent_of.get(office) is not None \
            and office not in seen:
        seen.add(office)
        office = parent_of[office]
    children: dict = {}
    for uid, parent, _ in rows:
        children.setdefault(parent, []).append(uid)
    found, stack = set(), [office]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def outgoing_clause(user):
    from eoffice.letters.models import RESTRICTED_LEVELS
    from eoffice.org.models import Position
    from eoffice.outgoing.models import ApprovalStep, OutgoingLetter, OutgoingSignatory

    if not getattr(user, "is_authenticated", False) or not can(user, "outgoing.view"):
        return sa.false()
    if is_system(user):
        return sa.and_(OutgoingLetter.status.in_(("signed", "sent", "cancelled")),
                       OutgoingLetter.security.not_in(RESTRICTED_LEVELS))
    step, drafter_pos = aliased(ApprovalStep), aliased(Position)
    further = aliased(OutgoingSignatory)
    rules = [OutgoingLetter.drafter_id == user.id]
    for position in positions_held(user):
        rules += [OutgoingLetter.signer_position_id == position.id,
                  sa.exists().where(step.letter_id == OutgoingLetter.id,
                                    step.position_id == position.id),
                  sa.exists().where(further.letter_id == OutgoingLetter.id,
                                    further.position_id == position.id)]
    office = clerk_units(user)
    if office:
        rules.append(sa.and_(
            OutgoingLetter.status.in_(("signed", "sent", "cancelled")),
            OutgoingLetter.security.not_in(RESTRICTED_LEVELS),
            sa.exists().where(drafter_pos.id == OutgoingLetter.drafter_position_id,
                              drafter_pos.unit_id.in_(office))))
    return sa.or_(*rules)


def visible_by_oracle(user, model, clause) -> set[int]:
    from flask import g

    from eoffice.extensions import db

    g.pop("_eoffice_positions_below", None)
    return set(db.session.scalars(sa.select(model.id).where(clause(user))))


def visible_by_grants(user, model, rule) -> set[int]:
    from eoffice import access
    from eoffice.extensions import db

    return set(db.session.scalars(sa.select(model.id).where(
        access.visible_clause(rule, user, model.id))))
