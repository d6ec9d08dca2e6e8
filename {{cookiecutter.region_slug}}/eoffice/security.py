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
# archivist of the unit kearsipan: every unit's berkas, the retention lifecycle
ARSIPARIS = "arsiparis"

ROLES = (ADMIN, PENCATAT, PIMPINAN, PEGAWAI, ARSIPARIS)

CORE_PERMISSIONS: dict[str, set[str]] = {
    ADMIN: {
        "dashboard.view", "org.view", "org.edit", "staff.view", "staff.view_all", "staff.edit",
        "staff.import", "staff.export", "users.manage", "audit.view", "profile.view",
        "classification.manage", "dispositions.instructions", "api.system_tokens",
        "exchange.manage", "numbering.manage", "signing.trust_roots", "naskah.manage",
        "recipients.manage",
    },
    PENCATAT: {"dashboard.view", "org.view", "profile.view", "letters.view", "letters.register",
               "letters.agenda", "outgoing.view", "outgoing.draft", "outgoing.expedition",
               "records.view", "records.file"},
    PIMPINAN: {"dashboard.view", "org.view", "staff.view", "staff.export", "profile.view",
               "letters.view", "letters.agenda", "outgoing.view", "outgoing.draft",
               "outgoing.expedition", "records.view"},
    PEGAWAI: {"dashboard.view", "org.view", "profile.view", "letters.view", "outgoing.view",
              "outgoing.draft"},
    # The arsiparis sees the daftar berkas of every unit and runs the retention lifecycle
    # (pemindahan, usul musnah / serah, berita acara); the berkas still show only the
    # letters the arsiparis may see.
    ARSIPARIS: {"dashboard.view", "org.view", "profile.view", "letters.view", "outgoing.view",
                "records.view", "records.view_all", "records.file", "records.retention"},
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


def held_positions(user) -> list:
    """Every position ``user`` holds today: their own (first), then those they act for as
    Plt or Plh (``eoffice.org.acting``). THE answer to "which positions does this user
    hold now": access grants, queues, counters and the right to act on a letter all
    read it, so an acting official gets a position's work for exactly the days of the
    assignment."""
    if not getattr(user, "is_authenticated", False) or is_system(user):
        return []
    from eoffice.extensions import db
    from eoffice.org.acting import acting_position_ids
    from eoffice.org.models import Position

    own = user_position(user)
    out = [own] if own is not None else []
    for position_id in acting_position_ids(user):
        if own is None or position_id != own.id:
            out.append(db.session.get(Position, position_id))
    return out


def held_position_ids(user) -> list[int]:
    """The ids of ``held_positions`` (own first); [-1] when there are none, so that an
    ``IN`` of them matches nothing on every database."""
    return [p.id for p in held_positions(user)] or [-1]


def holds(user, position_id: int | None) -> bool:
    """Whether ``user`` holds the position today, as its holder or acting for it."""
    return position_id is not None and any(p.id == position_id for p in held_positions(user))


def acting_capacity(user, position_id: int | None) -> str | None:
    """"plt" or "plh" when ``user`` holds the position today only as an acting official
    (not as its holder); None otherwise."""
    own = user_position(user)
    if position_id is None or (own is not None and own.id == position_id):
        return None
    from eoffice.org.acting import acting_position_ids

    return acting_position_ids(user).get(position_id)


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


def user_unit_id(user) -> int | None:
    staff = getattr(user, "staff", None)
    return staff.unit_id if staff is not None else None


def letter_access_clause(user):
    """SQL condition on IncomingLetter: the letters ``user`` may see.

    The one rule used by every list, counter, search, download and PDF is stated in
    ``eoffice.letters.access`` and kept as access grants (``eoffice.access``); this
    asks the grants, one index lookup per letter.
    """
    from eoffice import access

    rule = access.rule("incoming_letters")
    return access.visible_clause(rule, user, rule.model.id)


def can_view_letter(user, letter) -> bool:
    """The same rule as ``letter_access_clause``, asked for one letter."""
    from eoffice import access

    return letter is not None and access.can_see(access.rule("incoming_letters"), user,
                                                 letter.id)


def outgoing_access_clause(user):
    """SQL condition on OutgoingLetter: the outgoing letters ``user`` may see (the rule:
    ``eoffice.outgoing.access``)."""
    from eoffice import access

    rule = access.rule("outgoing_letters")
    return access.visible_clause(rule, user, rule.model.id)


def can_view_outgoing(user, letter) -> bool:
    from eoffice import access

    return letter is not None and access.can_see(access.rule("outgoing_letters"), user,
                                                 letter.id)


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
