"""The core's own features, registered through the same hooks as any plugin."""

from __future__ import annotations

import pluggy
import sqlalchemy as sa
from flask_babel import gettext as _

hookimpl = pluggy.HookimplMarker("eoffice")


@hookimpl
def eoffice_blueprints(app):
    from eoffice.admin import bp as admin_bp
    from eoffice.api import bp as api_bp
    from eoffice.api import ui_bp as api_ui_bp
    from eoffice.archive import bp as archive_bp
    from eoffice.archive import search_bp as classification_bp
    from eoffice.archive.berkas_views import records_bp
    from eoffice.auth import bp as auth_bp
    from eoffice.dashboard import bp as dashboard_bp
    from eoffice.dispositions import bp as dispositions_bp
    from eoffice.exchange import bp as exchange_bp
    from eoffice.exchange import endpoint_bp as exchange_endpoint_bp
    from eoffice.letters import bp as letters_bp
    from eoffice.naskah import bp as naskah_bp
    from eoffice.notifications import bp as notifications_bp
    from eoffice.org import bp as org_bp
    from eoffice.outgoing import bp as outgoing_bp
    from eoffice.outgoing import verify_bp
    from eoffice.recipients import bp as recipients_bp
    from eoffice.search import bp as search_bp
    from eoffice.series import bp as series_bp
    from eoffice.signing import bp as signing_bp
    from eoffice.staff import bp as staff_bp

    blueprints = [auth_bp, dashboard_bp, letters_bp, dispositions_bp, outgoing_bp, verify_bp,
                  org_bp, staff_bp, admin_bp, archive_bp, api_bp, api_ui_bp, exchange_bp,
                  exchange_endpoint_bp, search_bp, classification_bp, series_bp,
                  signing_bp, naskah_bp, recipients_bp, notifications_bp, records_bp]
    if app.config["BENCHMARK_ROUTE"]:  # the benchmark's bare route (eoffice.bench)
        from eoffice.bench import bp as bench_bp

        blueprints.append(bench_bp)
    return blueprints


@hookimpl
def eoffice_nav_items(user):
    from eoffice.ui import NavItem

    admin = _("Administration")
    return [
        NavItem(_("Dashboard"), "dashboard.index", "speedometer2", "dashboard.view", 10),
        NavItem(_("Incoming letters"), "letters.index", "envelope", "letters.view", 20),
        NavItem(_("Dispositions"), "dispositions.index", "diagram-2", "letters.view", 30),
        NavItem(_("Outgoing letters"), "outgoing.index", "send", "outgoing.view", 40),
        NavItem(_("From other regions"), "exchange.inbox", "inboxes", "letters.register", 45),
        NavItem(_("Berkas"), "records.index", "files", "records.view", 50),
        NavItem(_("Retention"), "records.retention_review", "alarm",
                "records.retention", 51),
        NavItem(_("Organisation"), "org.index", "diagram-3", "org.view", 60),
        NavItem(_("Staff"), "staff.index", "people", "staff.view", 70),
        NavItem(_("Users"), "admin.users", "person-gear", "users.manage", 90, admin),
        NavItem(_("Classification codes"), "archive.index", "tags", "classification.manage", 92,
                admin),
        NavItem(_("Numbering series"), "series.index", "journal-text", "numbering.manage", 92,
                admin),
        NavItem(_("Naskah types"), "naskah.index", "files", "naskah.manage", 92,
                admin),
        NavItem(_("Address book"), "recipients.index", "people", "recipients.manage", 92,
                admin),
        NavItem(_("Disposition instructions"), "dispositions.instructions", "list-check",
                "dispositions.instructions", 93, admin),
        NavItem(_("Peer regions"), "exchange.peers", "globe2", "exchange.manage", 94, admin),
        NavItem(_("System API tokens"), "api_ui.system_tokens", "key", "api.system_tokens", 94,
                admin),
        NavItem(_("Audit log"), "admin.audit_log", "journal-check", "audit.view", 95, admin),
        NavItem(_("Trust roots"), "admin.trust_roots", "shield-check", "signing.trust_roots", 96,
                admin),
    ]


@hookimpl
def eoffice_dashboard_cards(user):
    from eoffice.dispositions.services import DUE_SOON_DAYS
    from eoffice.extensions import db
    from eoffice.org.models import Position, Unit
    from eoffice.security import can, staff_scope
    from eoffice.staff.models import Staff
    from eoffice.ui import DashboardCard

    head = user.has_role("pimpinan")
    cards = []
    if can(user, "letters.view"):
        from eoffice.letters.services import queue_counts

        counts = queue_counts(user)
        cards += [
            DashboardCard(_("Letters to read"), counts["to_read"], "letters.index", "envelope",
                          20, (("antrian", "to_read"),), (("pimpinan", 1), ("pegawai", 4))),
            DashboardCard(_("Dispositions to act on"), counts["dispositions_open"],
                          "dispositions.index", "diagram-2", 21, (("antrian", "open"),),
                          (("pimpinan", 5), ("pegawai", 1))),
            DashboardCard(_("Due within %(n)d days", n=DUE_SOON_DAYS),
                          counts["dispositions_due_soon"], "dispositions.index", "alarm",
                          21, (("antrian", "due_soon"),), (("pegawai", 2),)),
            DashboardCard(_("Overdue"), counts["dispositions_overdue"], "dispositions.index",
                          "alarm", 22, (("antrian", "overdue"),), (("pegawai", 3),)),
            DashboardCard(_("Unread copies"), counts["copies"], "letters.index", "files", 23,
                          (("antrian", "copies"),)),
        ]
        if head or counts["dispositions_given_overdue"]:
            cards.append(DashboardCard(
                _("Overdue dispositions I gave"), counts["dispositions_given_overdue"],
                "dispositions.index", "alarm", 22, (("antrian", "sent_overdue"),),
                (("pimpinan", 3),)))
        if can(user, "letters.register"):
            cards.append(DashboardCard(_("Letters I registered"), counts["registered_by_me"],
                                       "letters.index", "envelope-check", 24,
                                       (("antrian", "registered_by_me"),), (("pencatat", 2),)))
        if can(user, "letters.register") and can(user, "letters.agenda"):
            from eoffice.letters.services import received_today_count, today_local

            today = today_local().isoformat()
            cards.append(DashboardCard(_("Received today"), received_today_count(user),
                                       "letters.agenda", "journal-text", 24,
                                       (("date_from", today), ("date_to", today)),
                                       (("pencatat", 1),)))
        from eoffice.security import can_receive_exchange

        if can_receive_exchange(user):
            from eoffice.exchange.services import awaiting_count

            cards.append(DashboardCard(_("Letters from other regions to accept"),
                                       awaiting_count(), "exchange.inbox", "inboxes", 25,
                                       first=(("pencatat", 4),)))
    if can(user, "outgoing.view"):
        from eoffice.outgoing.services import queue_counts as outgoing_counts

        counts = outgoing_counts(user)
        for key, title, icon, order, first in (
                ("to_verify", _("Drafts to verify"), "check2-circle", 30, (("pimpinan", 4),)),
                ("to_sign", _("Letters to sign"), "pen", 31, (("pimpinan", 2),)),
                ("to_send", _("Letters to send"), "send-check", 32, (("pencatat", 3),)),
                ("returned", _("Drafts returned to me"), "arrow-counterclockwise", 33,
                 (("pegawai", 5),))):
            # Verifying and signing are a head's daily work: their cards stay, even at
            # zero; anyone else sees them only when something waits.
            if counts[key] or (head and key in ("to_verify", "to_sign")):
                cards.append(DashboardCard(title, counts[key], "outgoing.index", icon, order,
                                           (("antrian", key),), first))
    if can(user, "staff.view"):
        scope = staff_scope(user)
        query = sa.select(sa.func.count()).select_from(Staff).where(Staff.status == "aktif")
        if scope is not None:
            query = query.where(Staff.unit_id.in_(scope))
        cards.append(DashboardCard(_("Active staff"), db.session.scalar(query) or 0,
                                   "staff.index", "people", 70, (("status", "aktif"),)))
    if can(user, "org.view"):
        units, vacant = db.session.execute(sa.select(
            sa.select(sa.func.count()).select_from(Unit).where(Unit.active.is_(True))
            .scalar_subquery(),
            sa.select(sa.func.count()).select_from(Position)
            .where(Position.active.is_(True), Position.holder_id.is_(None)).scalar_subquery(),
        )).one()
        cards.append(DashboardCard(_("Units"), units, "org.index", "diagram-3", 80))
        cards.append(DashboardCard(_("Vacant positions"), vacant, "org.index", "person-dash", 81))
    return cards


@hookimpl
def eoffice_permissions():
    return {}


@hookimpl
def eoffice_access_rules():
    from eoffice.letters.access import RULE as incoming
    from eoffice.outgoing.access import RULE as outgoing

    return [incoming, outgoing]


@hookimpl
def eoffice_search_sources():
    from eoffice.letters.search import SOURCE as incoming
    from eoffice.outgoing.search import SOURCE as outgoing

    return [incoming, outgoing]


@hookimpl
def eoffice_signing_backends(app):
    from eoffice.signing.sertifikat import SertifikatBackend

    return [SertifikatBackend()]


@hookimpl
def eoffice_cli_commands(app):
    from eoffice.api.commands import token
    from eoffice.bench.commands import bench
    from eoffice.cli import core_commands
    from eoffice.exchange.commands import exchange
    from eoffice.jobs import worker_command

    return [*core_commands(), token, exchange, bench, worker_command]
