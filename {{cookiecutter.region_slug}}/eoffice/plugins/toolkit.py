"""The API for a region's own code (``local/``) and for plugin packages.

Local code imports from here only, never from other core modules, so upstream
can reorganise the core without breaking a region. What is here is kept stable
across minor versions (see CHANGELOG.md).

Rules for local code:
- tables are named ``local_<something>`` (``LocalModel`` checks it) and get their
  own migrations (``flask db revision --head local@head``, see docs/dev);
- pages use blueprints with a URL prefix under ``/lokal/``;
- templates extend ``base.html`` and override blocks; they do not copy core pages;
  they hold no inline script or style (the Content-Security-Policy blocks them);
- forms derive from ``Form``; integer query arguments are read with ``int_arg`` and
  ``page_arg`` (docs/dev/security-headers.md).
"""

from __future__ import annotations

import pluggy
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from eoffice import audit
from eoffice.db import Base, TimestampMixin, utcnow
from eoffice.events import DomainEvent
from eoffice.extensions import db
from eoffice.forms import Form
from eoffice.inputs import int_arg, page_arg
from eoffice.security import can, permission_required
from eoffice.signing.backends import SigningError
from eoffice.ui import DashboardCard, NavItem

hookimpl = pluggy.HookimplMarker("eoffice")


class LocalModel(db.Model):
    """Base class for a region's own tables: the table name must start with ``local_``."""

    __abstract__ = True

    def __init_subclass__(cls, **kwargs):
        table = cls.__dict__.get("__tablename__")
        if table is not None and not table.startswith("local_"):
            raise TypeError(f"{cls.__name__}: local tables are named local_..., not {table!r}")
        super().__init_subclass__(**kwargs)


def record_event(action: str, obj=None, *, data: dict | None = None):
    """Write an audit event for the current user (committed with your change)."""
    return audit.record(action, obj, actor=current_user if current_user else None, data=data)


def staff_counts_by_unit() -> list[tuple[str, str, int]]:
    """(unit code, unit name, active staff) for every active unit, largest first."""
    import sqlalchemy as sa

    from eoffice.org.models import Unit
    from eoffice.staff.models import Staff

    rows = db.session.execute(
        sa.select(Unit.code, Unit.name, sa.func.count(Staff.id))
        .outerjoin(Staff, sa.and_(Staff.unit_id == Unit.id, Staff.status == "aktif"))
        .where(Unit.active.is_(True))
        .group_by(Unit.id, Unit.code, Unit.name)
        .order_by(sa.func.count(Staff.id).desc(), Unit.code))
    return [tuple(r) for r in rows]


__all__ = [
    "Base", "Blueprint", "DashboardCard", "DomainEvent", "Form", "LocalModel", "NavItem",
    "SigningError",
    "TimestampMixin", "abort", "can", "current_app", "current_user", "db", "flash", "gettext",
    "hookimpl", "int_arg", "lazy_gettext", "login_required", "page_arg", "permission_required",
    "record_event", "redirect", "render_template", "request", "staff_counts_by_unit",
    "url_for", "utcnow",
]
