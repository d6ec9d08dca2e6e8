"""Layout helpers: navigation, dashboard cards, template filters, region branding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Flask, current_app, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_login import current_user

from eoffice.security import can


@dataclass(frozen=True)
class NavItem:
    """An entry in the main navigation. ``label`` is already translated."""

    label: str
    endpoint: str
    icon: str = "circle"
    permission: str | None = None
    order: int = 100
    group: str | None = None  # items of a group share one dropdown, e.g. "Administrasi"

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


@dataclass
class NavGroup:
    """A dropdown in the navigation holding the items of one ``NavItem.group``."""

    label: str
    items: list[NavItem]
    icon: str = "gear"


@dataclass(frozen=True)
class DashboardCard:
    """A counter on the dashboard: a title, a number and a link.

    ``first`` names the roles that need this counter before any other, each with its
    place among them, e.g. ``(("pimpinan", 1), ("pegawai", 4))``: the dashboard shows
    those cards at the top for a user whose main role is listed (``dashboard.services
    .dashboard_role``), the others below."""

    title: str
    value: int | str
    endpoint: str | None = None
    icon: str = "info-circle"
    order: int = 100
    url_args: tuple = ()
    first: tuple[tuple[str, int], ...] = ()

    def rank_for(self, role: str) -> int | None:
        """This card's place among the first cards of ``role``, or None."""
        return dict(self.first).get(role)

    @property
    def url(self) -> str | None:
        return url_for(self.endpoint, **dict(self.url_args)) if self.endpoint else None


def rows_per_page() -> int:
    """Rows per page of a list: ``?per_page=`` or the configured PER_PAGE."""
    from eoffice.inputs import int_arg

    return int_arg("per_page", maximum=1000) or current_app.config["PER_PAGE"]


def nav_items(user) -> list[NavItem]:
    manager = current_app.extensions["eoffice_plugins"]
    items = [item for group in manager.hook.eoffice_nav_items(user=user) for item in group or []]
    items = [i for i in items if i.permission is None or can(user, i.permission)]
    return sorted(items, key=lambda i: (i.order, i.label))


def nav_entries(user) -> list[NavItem | NavGroup]:
    """Navigation items in order, grouped items gathered into one dropdown each."""
    entries: list[NavItem | NavGroup] = []
    groups: dict[str, NavGroup] = {}
    for item in nav_items(user):
        if item.group is None:
            entries.append(item)
        elif item.group in groups:
            groups[item.group].items.append(item)
        else:
            groups[item.group] = NavGroup(item.group, [item])
            entries.append(groups[item.group])
    return entries


def dashboard_cards(user) -> list[DashboardCard]:
    manager = current_app.extensions["eoffice_plugins"]
    cards = [c for group in manager.hook.eoffice_dashboard_cards(user=user) for c in group or []]
    return sorted(cards, key=lambda c: (c.order, c.title))


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) datetime in the region's timezone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def timezone_abbreviation() -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        current_app.config["TIMEZONE"], current_app.config["TIMEZONE"])


# On screen every date reads the same way: "3 Des 2026" and "3 Des 2026 13.45 WIB" (in
# English "Dec 3, 2026" and "Dec 3, 2026, 1:45 PM WIB"): Babel's medium date and short
# time in the reader's locale. "short" is accepted for compact places but gives the same
# words (a numeric 3/12/26 reads as 12 March to half the readers); "long" and "full" are
# for letters and PDFs ("3 Desember 2026").
SCREEN_FORMATS = ("short", "medium")


def filter_datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    local = to_local(value)
    if local is None:
        return "-"
    local = local.replace(tzinfo=None)
    if fmt in SCREEN_FORMATS:
        join = ", " if get_locale().language == "en" else " "
        text = f"{format_date(local.date(), 'medium')}{join}{format_time(local, 'short')}"
    else:
        text = format_datetime(local, fmt)
    return f"{text} {timezone_abbreviation()}"


def filter_date(value: dt.date | None, fmt: str = "long") -> str:
    if not value:
        return "-"
    return format_date(value, "medium" if fmt in SCREEN_FORMATS else fmt)


def filter_iso_date(value: str | None, fmt: str = "long") -> str:
    """A date stored as ISO text (JSON details) formatted like ``tanggal``."""
    if not value:
        return "-"
    try:
        return filter_date(dt.date.fromisoformat(value), fmt)
    except ValueError:
        return value


def labels() -> dict[str, dict]:
    """Words shown for stored codes (status, jabatan type, audit actions)."""
    from flask_babel import lazy_gettext as _l

    return {
        "staff_status": {"aktif": _l("Active"), "pensiun": _l("Retired"), "pindah": _l("Moved")},
        "jabatan": {"jpt": _l("JPT (senior executive)"), "administrator": _l("Administrator"),
                    "pengawas": _l("Pengawas"), "fungsional": _l("Fungsional"),
                    "pelaksana": _l("Pelaksana")},
        "action": {
            "staff.created": _l("Record created"), "staff.updated": _l("Record changed"),
            "staff.imported": _l("Imported"), "staff.exported": _l("Exported"),
            "position.holder_changed": _l("Holder changed"),
        },
    }


def filter_number(value) -> str:
    """A whole number as the UI language writes it (1.000 in Bahasa Indonesia)."""
    from flask_babel import format_decimal

    return format_decimal(value)


def unread_notifications() -> int:
    """The bell's number for the logged-in user (0 outside a login): one indexed query,
    run only by the pages that show the bell (templates/_notification_bell.html)."""
    if not getattr(current_user, "is_authenticated", False) or \
            getattr(current_user, "is_system", False):
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    from eoffice.notifications.services import unread_count

    try:
        return unread_count(current_user)
    except SQLAlchemyError:  # an error page for a database in trouble still renders
        from eoffice.extensions import db

        db.session.rollback()
        return 0


def init_app(app: Flask) -> None:
    from eoffice.search.text import highlight
    from eoffice.staff.nip import format_nip
    from eoffice.version import __version__

    app.jinja_env.filters["localtime"] = filter_datetime
    app.jinja_env.filters["tanggal"] = filter_date
    app.jinja_env.filters["tanggal_iso"] = filter_iso_date
    app.jinja_env.filters["nip"] = format_nip
    app.jinja_env.filters["angka"] = filter_number
    app.jinja_env.globals["highlight"] = highlight
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["unread_notifications"] = unread_notifications

    @app.context_processor
    def _layout_context():
        return {
            # Outside a request (a PDF rendered by the CLI, a job or a test) there is no user.
            "nav_entries": nav_entries(current_user)
            if getattr(current_user, "is_authenticated", False) else [],
            "app_version": __version__,
            "region": {
                "name": app.config["REGION_NAME"],
                "agency": app.config["AGENCY_NAME"],
                "primary": app.config["PRIMARY_COLOR"],
                "accent": app.config["ACCENT_COLOR"],
                "has_logo": bool(app.config["REGION_LOGO"]),
            },
        }
