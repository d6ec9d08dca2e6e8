"""Roles and permissions: the one place that decides who may see and do what.

Views, the CLI and plugins ask ``can(user, permission)`` or use
``permission_required``; no view checks a role name itself. Object-level rules
(who may see one staff record, one letter) are functions in this module too.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, g
from flask_login import current_user

ADMIN = "admin"
PENCATAT = "pencatat"  # records clerk: registers and routes letters
PIMPINAN = "pimpinan"  # head of an office or unit: dispositions, approvals, staff overview
PEGAWAI = "pegawai"  # staff member

ROLES = (ADMIN, PENCATAT, PIMPINAN, PEGAWAI)

CORE_PERMISSIONS: dict[str, set[str]] = {
    ADMIN: {
        "dashboard.view", "org.view", "org.edit", "staff.view", "staff.view_all", "staff.edit",
        "staff.import", "staff.export", "users.manage", "audit.view", "profile.view",
        "classification.manage", "dispositions.instructions", "api.system_tokens",
        "exchange.manage",
    },
    PENCATAT: {"dashboard.view", "org.view", "profile.view", "letters.view", "letters.register",
               "letters.agenda", "outgoing.view", "outgoing.draft", "outgoing.expedition"},
    PIMPINAN: {"dashboard.view", "org.view", "staff.view", "staff.export", "profile.view",
               "letters.view", "letters.agenda", "outgoing.view", "outgoing.draft",
               "outgoing.expedition"},
    PEGAWAI: {"dashboard.view", "org.view", "profile.view", "letters.view", "outgoing.view",
              "outgoing.draft"},
}


# System API tokens act for another system, not a person: the scopes they were given
# grant these permissions, and nothing else (see is_system below).
SCOPE_PERMISSIONS: dict[str, set[str]] = {
    "letters:read": {"letters.view"},
    "outgoing:read": {"outgoing.view"},
    "staff:read": {"staff.view", "staff.view_all", "profile.view"},
    "staff:write": {"staff.import"},
    "org:read": {"org.view"},
}


def is_system(user) -> bool:
    """A system API token's principal (no person, no position, scoped permissions)."""
    return bool(getattr(user, "is_system", False))


def init_permissions(app, manager) -> None:
    table = {role: set(perms) for role, perms in CORE_PERMISSIONS.items()}
    for extra in manager.hook.eoffice_permissions():
        for role, perms in (extra or {}).items():
            table.setdefault(role, set()).update(perms)
    app.extensions["eoffice_permissions"] = table


def permissions_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if is_system(user):
        return set().union(*(SCOPE_PERMISSIONS.get(scope, set()) for scope in user.scopes))
    table = current_app.extensions["eoffice_permissions"]
    granted: set[str] = set()
    for role in user.role_names:
        granted |= table.get(role, set())
    return granted


def can(user, permission: str) -> bool:
    return permission in permissions_of(user)


def permission_required(permission: str):
    """View decorator: 401 -> login for anonymous users, 403 without the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_scope(user) -> set[int] | None:
    """Units whose staff records ``user`` may see; None means every unit.

    ``staff.view_all`` (admin) sees everyone. ``staff.view`` (pimpinan) sees the
    staff of the unit of the position they hold and of every unit below it, so
    the head of the whole region sees all and a head of bidang sees the bidang.
    Everyone sees their own record (checked by the callers).
    """
    if can(user, "staff.view_all"):
        return None
    if not can(user, "staff.view"):
        return set()
    staff = getattr(user, "staff", None)
    position = staff.position if staff is not None else None
    if position is None:
        return set()
    from eoffice.org.services import descendant_unit_ids

    return descendant_unit_ids(position.unit_id)


def can_view_staff(user, staff) -> bool:
    """A staff record is visible within the user's scope, and to its own person."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.staff_id is not None and user.staff_id == staff.id:
        return True
    scope = staff_scope(user)
    return scope is None or staff.unit_id in scope


def can_edit_staff(user, staff=None) -> bool:
    return can(user, "staff.edit")


# --- Letters -----------------------------------------------------------------------

def user_position(user):
    """The position (jabatan) the user holds through their staff record, or None."""
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    position = staff.position if staff is not None else None
    return position if position is not None and position.active else None


def positions_below(position_id: int) -> set[int]:
    """The position and every position under it (cached for the request)."""
    from eoffice.extensions import db
    from eoffice.org.models import Position

    cache = g.setdefault("_eoffice_positions_below", {})
    if position_id not in cache:
        rows = db.session.execute(sa.select(Position.id, Position.parent_id)).all()
        children: dict[int | None, list[int]] = {}
        for pid, parent in rows:
            children.setdefault(parent, []).append(pid)
        found, stack = set(), [position_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(children.get(current, []))
        cache[position_id] = found
    return cache[position_id]


OFFICE_KINDS = ("opd", "pemda")


def clerk_units(user) -> set[int]:
    """The units whose signed B/T outgoing letters a clerk (pencatat) handles: every unit
    of the clerk's office, i.e. the nearest enclosing OPD (or top-level unit) and all
    units below it. Empty for users who are not clerks. One query."""
    from eoffice.extensions import db
    from eoffice.org.models import Unit

    unit_id = user_unit_id(user)
    if not can(user, "letters.register") or unit_id is None:
        return set()
    rows = db.session.execute(sa.select(Unit.id, Unit.parent_id, Unit.kind)).all()
    parent_of = {uid: parent for uid, parent, _ in rows}
    kind_of = {uid: kind for uid, _, kind in rows}
    office, seen = unit_id, set()
    while kind_of.get(office) not in OFFICE_KINDS and parent_of.get(office) is not None \
            and office not in seen:
        seen.add(office)
        office = parent_of[office]
    children: dict[int | None, list[int]] = {}
    for uid, parent, _ in rows:
        children.setdefault(parent, []).append(uid)
    found, stack = set(), [office]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def user_unit_id(user) -> int | None:
    staff = getattr(user, "staff", None)
    return staff.unit_id if staff is not None else None


def letter_access_clause(user):
    """SQL condition on IncomingLetter: the letters ``user`` may see.

    The one rule used by every list, counter, search, download and PDF:

    - B and T letters: the clerks (pencatat) of the registering unit, the holders
      of its addressee and copy (tembusan) positions and of every position in its
      disposition tree, and the heads above any of those positions.
    - R and SR letters: only the registering clerk, the holders of the explicit
      addressee positions and the disposition recipients.
    - A system API token (scope letters:read) sees B and T letters, never R or SR.
    - A letter received from another region's app is seen by nobody here until a
      clerk accepts it (status ``awaiting``: it waits in the exchange inbox).
    """
    from sqlalchemy.orm import aliased

    from eoffice.dispositions.models import Disposition, DispositionRecipient
    from eoffice.letters.models import RESTRICTED_LEVELS, IncomingLetter, LetterRecipient

    if not getattr(user, "is_authenticated", False) or not can(user, "letters.view"):
        return sa.false()
    received = IncomingLetter.status != "awaiting"
    if is_system(user):
        return sa.and_(received, IncomingLetter.security.not_in(RESTRICTED_LEVELS))
    # Aliases keep the subqueries self-contained when the outer query joins these tables.
    lr, dp, dr = aliased(LetterRecipient), aliased(Disposition), aliased(DispositionRecipient)
    position = user_position(user)
    open_rules = [IncomingLetter.registered_by_id == user.id]
    restricted_rules = [IncomingLetter.registered_by_id == user.id]
    if can(user, "letters.register") and user_unit_id(user) is not None:
        open_rules.append(IncomingLetter.registering_unit_id == user_unit_id(user))
    if position is not None:
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


def can_view_letter(user, letter) -> bool:
    """The same rule as ``letter_access_clause``, asked for one letter."""
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    if letter is None:
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter).where(
        IncomingLetter.id == letter.id, letter_access_clause(user))) == 1


def outgoing_access_clause(user):
    """SQL condition on OutgoingLetter: the outgoing letters ``user`` may see.

    A draft (until signed) is seen only by its drafter, the holders of the positions
    in its paraf chain and the holder of the signing position. Once signed, the
    clerks (pencatat) of the drafter's unit see B and T letters too, to send them
    and keep the expedition book; R and SR letters stay with the drafter, the
    chain and the signatory. A system API token (scope outgoing:read) sees signed
    B and T letters only.
    """
    from sqlalchemy.orm import aliased

    from eoffice.letters.models import RESTRICTED_LEVELS
    from eoffice.org.models import Position
    from eoffice.outgoing.models import ApprovalStep, OutgoingLetter

    if not getattr(user, "is_authenticated", False) or not can(user, "outgoing.view"):
        return sa.false()
    if is_system(user):
        return sa.and_(OutgoingLetter.status.in_(("signed", "sent", "cancelled")),
                       OutgoingLetter.security.not_in(RESTRICTED_LEVELS))
    step, drafter_pos = aliased(ApprovalStep), aliased(Position)
    rules = [OutgoingLetter.drafter_id == user.id]
    position = user_position(user)
    if position is not None:
        rules += [
            OutgoingLetter.signer_position_id == position.id,
            sa.exists().where(step.letter_id == OutgoingLetter.id,
                              step.position_id == position.id),
        ]
    office = clerk_units(user)
    if office:
        rules.append(sa.and_(
            OutgoingLetter.status.in_(("signed", "sent", "cancelled")),
            OutgoingLetter.security.not_in(RESTRICTED_LEVELS),
            sa.exists().where(drafter_pos.id == OutgoingLetter.drafter_position_id,
                              drafter_pos.unit_id.in_(office))))
    return sa.or_(*rules)


def can_view_outgoing(user, letter) -> bool:
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    if letter is None:
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingLetter).where(
        OutgoingLetter.id == letter.id, outgoing_access_clause(user))) == 1


def can_receive_exchange(user) -> bool:
    """Letters from other regions' apps wait in the exchange inbox for a clerk
    (``letters.register``) of the receiving unit (EXCHANGE_RECEIVING_UNIT and the
    units below it; any clerk when it is not set), who accepts or rejects them."""
    if is_system(user) or not can(user, "letters.register"):
        return False
    code = current_app.config.get("EXCHANGE_RECEIVING_UNIT") or ""
    if not code:
        return True
    from eoffice.extensions import db
    from eoffice.org.models import Unit
    from eoffice.org.services import descendant_unit_ids

    unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
    return unit_id is not None and user_unit_id(user) in descendant_unit_ids(unit_id)
