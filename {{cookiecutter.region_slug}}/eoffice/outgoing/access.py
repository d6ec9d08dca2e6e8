"""Who may see an outgoing letter: the rule, stated once, as access grants.

A draft (until signed) is seen only by its drafter, the holders of the positions in
its paraf chain and the holders of the signing positions (the first signatory and, on a
letter signed by several officials, the further ones). Once signed, the clerks
(pencatat) of the drafter's office see B and T letters too, to send them and keep
the expedition book; R and SR letters stay with the drafter, the chain and the
signatory. A system API token (scope outgoing:read) sees signed B and T letters.

A clerk's *office* is the nearest unit at or above the clerk's unit that is an OPD
or the pemda (``OFFICE_KINDS``), or the top of the clerk's tree when there is none;
the clerk sees the letters drafted anywhere in that office's subtree. So a signed
letter is granted to every such unit at or above its drafter's unit.

``eoffice.access`` keeps these grants (sort key: the letter's last change, so the
list shows the most recently changed first).
"""

from __future__ import annotations

import sqlalchemy as sa

from eoffice import access
from eoffice.letters.models import RESTRICTED_LEVELS
from eoffice.org.models import Position, Unit, UnitPath
from eoffice.outgoing.models import ApprovalStep, OutgoingLetter, OutgoingSignatory

OBJECT_TYPE = 2
OFFICE_KINDS = ("opd", "pemda")
ISSUED = ("signed", "sent", "cancelled")


def clerk_office(user) -> int | None:
    """The unit whose subtree's signed letters the clerk handles (see the module
    docstring), or None for a user who is not a clerk. One query, no recursion in SQL."""
    from flask import g

    from eoffice.extensions import db
    from eoffice.security import can, user_unit_id

    unit_id = user_unit_id(user)
    if unit_id is None or not can(user, "letters.register"):
        return None
    cache = g.setdefault("_eoffice_offices", {})  # emptied when the unit tree changes
    if unit_id not in cache:
        rows = db.session.execute(
            sa.select(Unit.id, Unit.kind).join(UnitPath, UnitPath.ancestor_id == Unit.id)
            .where(UnitPath.descendant_id == unit_id).order_by(UnitPath.depth)).all()
        offices = [uid for uid, kind in rows if kind in OFFICE_KINDS]
        cache[unit_id] = offices[0] if offices else (rows[-1][0] if rows else unit_id)
    return cache[unit_id]


def clerk_units(user) -> set[int]:
    """Every unit of the clerk's office (the office and the units below it); empty for
    users who are not clerks."""
    from eoffice.extensions import db

    office = clerk_office(user)
    if office is None:
        return set()
    return set(db.session.scalars(sa.select(UnitPath.descendant_id).where(
        UnitPath.ancestor_id == office)))


class OutgoingLetterAccess(access.AccessRule):
    object_type = OBJECT_TYPE
    name = "outgoing_letters"
    model = OutgoingLetter

    def grant_rows(self, scope: access.Scope) -> sa.Select:
        letter = OutgoingLetter
        key = access.epoch_seconds(letter.updated_at)
        mine = [] if scope is None else [scope(letter.id)]
        steps = [] if scope is None else [scope(ApprovalStep.letter_id)]
        signers = [] if scope is None else [scope(OutgoingSignatory.letter_id)]
        issued_open = [letter.status.in_(ISSUED), letter.security.not_in(RESTRICTED_LEVELS)]
        return sa.union(
            sa.select(*access.grant(access.USER, letter.drafter_id, key, letter.id))
            .where(*mine),
            sa.select(*access.grant(access.POSITION, letter.signer_position_id, key, letter.id))
            .where(*mine),
            sa.select(*access.grant(access.POSITION, ApprovalStep.position_id, key, letter.id))
            .join(ApprovalStep, ApprovalStep.letter_id == letter.id).where(*steps),
            sa.select(*access.grant(access.POSITION, OutgoingSignatory.position_id, key,
                                    letter.id))
            .join(OutgoingSignatory, OutgoingSignatory.letter_id == letter.id).where(*signers),
            sa.select(*access.grant(access.OFFICE_CLERKS, UnitPath.ancestor_id, key, letter.id))
            .join(Position, Position.id == letter.drafter_position_id)
            .join(UnitPath, UnitPath.descendant_id == Position.unit_id)
            .join(Unit, Unit.id == UnitPath.ancestor_id)
            .where(sa.or_(Unit.kind.in_(OFFICE_KINDS), Unit.parent_id.is_(None)),
                   *issued_open, *mine),
            sa.select(*access.grant(access.SYSTEM, 0, key, letter.id))
            .where(*issued_open, *mine),
        )

    def touched(self, flushed: access.Flushed, connection) -> set[int]:
        # Any change moves the letter's sort key (updated_at), so any change counts.
        ids = {item.id for item, state in flushed.rows(OutgoingLetter)
               if flushed.changed(item, state)}
        ids |= {item.letter_id for item, state in flushed.rows(ApprovalStep)
                if flushed.changed(item, state, "letter_id", "position_id")}
        ids |= {item.letter_id for item, state in flushed.rows(OutgoingSignatory)
                if flushed.changed(item, state, "letter_id", "position_id")}
        ids.discard(None)
        return ids

    def touched_by_org(self, change: access.OrgChange) -> sa.Select | None:
        if not (change.units or change.repositioned):
            return None
        positions = sa.select(Position.id).where(sa.or_(
            Position.unit_id.in_(list(change.units)),
            Position.id.in_(list(change.repositioned))))
        return sa.select(OutgoingLetter.id).where(
            OutgoingLetter.drafter_position_id.in_(positions))

    def grantees(self, user) -> list[access.Grantee]:
        from eoffice.security import can, is_system

        if not getattr(user, "is_authenticated", False) or not can(user, "outgoing.view"):
            return []
        if is_system(user):
            return [(access.SYSTEM, 0)]
        out = access.person_grantees(user)
        office = clerk_office(user)
        if office is not None:
            out.append((access.OFFICE_CLERKS, office))
        return out


RULE = OutgoingLetterAccess()


def access_clause(user, letter_id=OutgoingLetter.id) -> sa.ColumnElement:
    return access.visible_clause(RULE, user, letter_id)


def can_view(user, letter) -> bool:
    return letter is not None and access.can_see(RULE, user, letter.id)
