"""Roles and permissions: the one place that decides who may see and do what.

Views, the CLI and plugins ask ``can(user, permission)`` or use
``permission_required``; no view checks a role name itself. Object-level rules
(who may see one staff record, one letter) are functions in this module too.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

ADMIN = "admin"
PENCATAT = "pencatat"  # records clerk: registers and routes letters
PIMPINAN = "pimpinan"  # head of an office or unit: dispositions, approvals, staff overview
PEGAWAI = "pegawai"  # staff member

ROLES = (ADMIN, PENCATAT, PIMPINAN, PEGAWAI)

CORE_PERMISSIONS: dict[str, set[str]] = {
    ADMIN: {
        "dashboard.view", "org.view", "org.edit", "staff.view", "staff.view_all", "staff.edit", "staff.import",
        "staff.export", "users.manage", "audit.view", "profile.view",
    },
    PENCATAT: {"dashboard.view", "org.view", "profile.view"},
    PIMPINAN: {"dashboard.view", "org.view", "staff.view", "staff.export", "profile.view"},
    PEGAWAI: {"dashboard.view", "org.view", "profile.view"},
}


def init_permissions(app, manager) -> None:
    table = {role: set(perms) for role, perms in CORE_PERMISSIONS.items()}
    for extra in manager.hook.eoffice_permissions():
        for role, perms in (extra or {}).items():
            table.setdefault(role, set()).update(perms)
    app.extensions["eoffice_permissions"] = table


def permissions_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
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
