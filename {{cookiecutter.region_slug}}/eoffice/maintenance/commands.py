"""``flask eoffice doctor | backup | restore | audit | access | maintain`` (registered through
``cli.core_commands``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from eoffice.maintenance import chain, integrity, services, storage

DRIFT_ADVICE_LINES = 12


@click.command("doctor")
def doctor() -> None:
    """Core version, local edits of the core, pending migrations, loaded plugins."""
    report = services.doctor_report(current_app._get_current_object())
    recorded = report.record.get("version", "?") if report.record else "-"
    click.echo(_("Core version: %(version)s (recorded at generation or last update: "
                 "%(recorded)s)", version=report.version, recorded=recorded))
    _echo_drift(report)
    if report.database_error:
        click.echo("  " + _("PROBLEM: the database cannot be reached (%(error)s).",
                            error=report.database_error))
    elif report.pending is None:
        click.echo("  " + _("PROBLEM: the database has no schema yet: run flask db upgrade "
                            "heads"))
    elif report.pending:
        click.echo("  " + _("PROBLEM: %(count)d migrations not applied (%(revisions)s): run "
                            "flask db upgrade heads", count=len(report.pending),
                            revisions=", ".join(report.pending)))
    else:
        click.echo("  " + _("OK: the database schema is up to date."))
    for _ok, message in report.derived + report.files:
        click.echo("  " + message)
    _echo_audit(report)
    _echo_jobs(report)
    click.echo(_("Plugins loaded: %(plugins)s", plugins=", ".join(report.plugins)))
    if not report.ok:
        sys.exit(1)
    click.echo(_("No problem found."))


def _echo_jobs(report: services.DoctorReport) -> None:
    """The job queue's health: waiting and retried jobs, failures, last periodic runs,
    notifications that could not be delivered. Warnings only: a region may run without a
    worker for a while (docs/it/worker.md)."""
    from eoffice import jobs

    if report.pending == []:  # the schema is there
        from eoffice.notifications.services import failed_deliveries

        failed = failed_deliveries()
        if any(failed.values()):
            click.echo("  " + _("WARNING: notifications not delivered: %(email)d by e-mail, "
                                "%(whatsapp)d by WhatsApp (the errors: docs/it/notifikasi.md).",
                                **failed))

    health = jobs.health()
    if health.error:
        click.echo("  " + _("WARNING: the job queue (%(backend)s) cannot be read: %(error)s",
                            backend=health.backend, error=health.error))
        return
    if health.backend == "immediate":
        click.echo("  " + _("OK: jobs run at once where they are queued (immediate mode)."))
        return
    click.echo("  " + _("Job queue (%(backend)s): %(pending)d waiting, %(scheduled)d "
                        "scheduled for a retry, %(failures)d failures so far.",
                        backend=health.backend, pending=health.pending,
                        scheduled=health.scheduled, failures=health.failures))
    if health.last_error:
        click.echo("  " + _("Last failure: %(job)s at %(at)s: %(error)s",
                            **health.last_error))
    for name, when in health.last_runs.items():
        if when:
            click.echo("  " + _("Periodic job %(name)s: last run %(when)s UTC.", name=name,
                                when=when))
        else:
            click.echo("  " + _("WARNING: periodic job %(name)s has never run: is the worker "
                                "running? (flask eoffice worker, see docs/it/worker.md)",
                                name=name))


def _echo_audit(report: services.DoctorReport) -> None:
    if report.audit is None:
        return
    if report.audit.ok:
        click.echo("  " + _("OK: the audit chain is intact (%(n)d events, %(anchors)d anchors "
                            "compared).", n=report.audit.checked,
                            anchors=report.audit.anchors))
    else:
        click.echo("  " + _("PROBLEM: %(problem)s See docs/it/audit.md.",
                            problem=report.audit.message()))
    if report.audit_guards_missing:
        click.echo("  " + _("PROBLEM: the database no longer refuses changes to the audit log "
                            "(triggers missing: %(names)s): run flask eoffice audit guard, "
                            "and find out who removed them.",
                            names=", ".join(report.audit_guards_missing)))


def _echo_drift(report: services.DoctorReport) -> None:
    if report.record is None:
        click.echo("  " + _("PROBLEM: %(name)s is missing, so local edits of the core cannot "
                            "be found. It is written when the region is generated or updated: "
                            "run cruft update (see docs/it/updating.md).",
                            name=integrity.RECORD_NAME))
        return
    drift = report.drift
    if drift.clean:
        click.echo("  " + _("OK: the core is as upstream made it (%(count)d files checked).",
                            count=drift.checked))
        return
    if drift.recorded_version != drift.version:
        click.echo("  " + _("PROBLEM: eoffice/version.py says %(version)s, the record says "
                            "%(recorded)s.", version=drift.version,
                            recorded=drift.recorded_version))
    labels = (("changed", drift.changed), ("added", drift.added), ("missing", drift.missing))
    total = sum(len(names) for _label, names in labels)
    if total:
        click.echo("  " + _("PROBLEM: %(count)d core files differ from upstream:", count=total))
    shown = 0
    for label, names in labels:
        for name in names:
            if shown < DRIFT_ADVICE_LINES:
                click.echo(f"    {label:<8} {name}")
            shown += 1
    if shown > DRIFT_ADVICE_LINES:
        click.echo(f"    ... (+{shown - DRIFT_ADVICE_LINES})")
    click.echo("  " + _("The core (eoffice/, migrations/) is the same in every region and "
                        "updates replace it. Move a local change into a plugin under "
                        "local/plugins, a template override under local/templates or a "
                        "migration under local/migrations, then put the core back: git "
                        "checkout -- <file> (or, after a failed update, cruft update)."))


@click.command("backup")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Archive to write (a folder: a dated name inside it). "
                   "Default: instance/backups/eoffice-<region>-<time>.tar.gz")
def backup(output: Path | None) -> None:
    """Write one archive: the database (portable), the attachments and a manifest."""
    try:
        result = services.create_backup(output)
    except services.MaintenanceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("Backup written: %(path)s (%(size)d bytes; %(rows)d rows in %(tables)d "
                 "tables, %(files)d attachments).", path=result.path, size=result.size,
                 rows=sum(result.rows.values()), tables=len(result.rows), files=result.files))
    if result.anchor is not None:
        click.echo(_("Audit anchor: %(anchor)s", anchor=result.anchor))
    if result.skipped:
        click.echo(_("Left out: %(n)d files that belong to no record (interrupted uploads; "
                     "flask eoffice files sweep moves them to quarantine).",
                     n=len(result.skipped)))
    if result.missing:
        click.echo(_("PROBLEM: %(n)d attachments the database refers to are missing and are "
                     "not in this backup (first: %(first)s). Run flask eoffice doctor.",
                     n=len(result.missing), first=result.missing[0]))


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the data of a database that is not empty.")
def restore(archive: Path, yes: bool) -> None:
    """Replace the database's rows and the attachments with a backup archive."""
    try:
        result = services.restore_backup(archive, replace=yes)
    except services.MaintenanceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("Restored: %(rows)d rows in %(tables)d tables, %(files)d attachments "
                 "(database revision %(revisions)s).", rows=sum(result.rows.values()),
                 tables=len(result.rows), files=result.files,
                 revisions=", ".join(result.revisions)))
    if result.audit is not None:
        click.echo(("" if result.audit.ok else _("WARNING:") + " ") + result.audit.message())


@click.group("audit")
def audit_group() -> None:
    """The audit log: verify its chain, print its anchor, redact an event."""


@audit_group.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="HASH:COUNT",
              help="An anchor kept elsewhere (a backup's manifest, a log line); repeatable.")
@click.option("--backup", "backups", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A backup archive whose manifest's anchor to compare; repeatable.")
def audit_verify(anchors: tuple[str, ...], backups: tuple[Path, ...]) -> None:
    """Check the chain, the head record and the anchors; exit 1 naming the first broken
    event. Without options the anchors of instance/audit-anchors.log are compared."""
    from eoffice import audit
    from eoffice.extensions import db

    try:
        given = [audit.Anchor.parse(text) for text in anchors]
        for path in backups:
            found = services.manifest_anchor(services.read_manifest(path))
            if found is None:
                raise click.ClickException(_("%(path)s holds no audit anchor (made before "
                                             "anchors were written).", path=path))
            given.append(found)
    except (ValueError, services.MaintenanceError) as exc:
        raise click.ClickException(str(exc)) from None
    if not anchors and not backups:
        given = chain.read_anchors()
    report = audit.verify_chain(given, connection=db.session.connection())
    db.session.rollback()
    if not report.ok:
        click.echo(_("PROBLEM: %(problem)s", problem=report.message()))
        sys.exit(1)
    click.echo(_("OK: the audit chain is intact: %(n)d events checked, %(anchors)d anchors "
                 "compared.", n=report.checked, anchors=report.anchors))


@audit_group.command("anchor")
def audit_anchor() -> None:
    """Print the head's HASH:COUNT and add it to instance/audit-anchors.log (daily by
    flask eoffice maintain): copy it somewhere the server's administrators cannot
    change."""
    from eoffice import audit
    from eoffice.extensions import db

    anchor = audit.current_anchor()
    db.session.rollback()
    if anchor is None:
        click.echo(_("The audit log is empty: there is no anchor yet."))
        return
    chain.write_anchor(anchor, "command")
    click.echo(_("Audit anchor: %(anchor)s", anchor=anchor))


@audit_group.command("guard")
def audit_guard() -> None:
    """Create the triggers that refuse changes to the audit log again (after someone
    removed them; flask eoffice doctor says when). The log records which were missing."""
    from eoffice import audit, numbering
    from eoffice.extensions import db

    numbering.begin_write()
    connection = db.session.connection()
    missing = chain.missing_guards(connection)
    chain.drop_guards(connection)
    chain.create_guards(connection)
    if missing:
        audit.record("audit.guards_restored", data={"missing": missing})
    db.session.commit()
    click.echo(_("The database refuses changes to the audit log again."))


@audit_group.command("redact")
@click.argument("event_id", type=int)
@click.option("--reason", required=True,
              help="Why, e.g. the court order's number; kept in the log.")
@click.option("--by", "username", required=True,
              help="Username of the administrator doing it; named in the log.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def audit_redact(event_id: int, reason: str, username: str, yes: bool) -> None:
    """Remove one event's data for a legal order, keeping the chain verifiable."""
    import sqlalchemy as sa

    from eoffice.auth.models import User
    from eoffice.extensions import db

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.active or not user.has_role("admin"):
        raise click.ClickException(_("%(username)s is not an active administrator.",
                                     username=username))
    if not yes:
        click.confirm(_("Remove the data of audit event %(id)d for good?", id=event_id),
                      abort=True)
    try:
        redaction = chain.redact(event_id, reason, user)
    except chain.AuditMaintenanceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(_("Event %(id)d redacted; the redaction is event %(redaction)d.",
                 id=event_id, redaction=redaction.id))


@click.group("access")
def access_group() -> None:
    """The access grants: who may see each letter, kept as rows."""


def _echo_differences(found) -> bool:
    clean = True
    for diff in found:
        if diff.ok:
            click.echo(f"  OK {diff.rule}")
            continue
        clean = False
        click.echo(f"  {diff.rule}: {diff.missing} missing, {diff.extra} extra")
        for example in diff.examples[:5]:
            click.echo(f"    {example}")
    return clean


@access_group.command("check")
def access_check() -> None:
    """Compare the grants with what the rules give (exit 1 on any difference)."""
    from eoffice import access
    from eoffice.extensions import db
    from eoffice.org import paths

    tree = paths.differences(db.session.connection())
    for name, (missing, extra) in tree.items():
        click.echo(f"  {'OK' if not (missing or extra) else 'PROBLEM'} {name}: "
                   f"{missing} missing, {extra} extra")
    clean = _echo_differences(access.check())
    if not clean or any(missing or extra for missing, extra in tree.values()):
        click.echo(_("Run flask eoffice access rebuild to write them again."))
        sys.exit(1)
    click.echo(_("No problem found."))


@access_group.command("rebuild")
def access_rebuild() -> None:
    """Write every grant again from the letters, dispositions and the organisation."""
    import time

    from eoffice import access
    from eoffice.extensions import db
    from eoffice.maintenance.database import analyze

    started = time.monotonic()
    found = access.rebuild()
    db.session.commit()
    analyze(db.session.connection())
    db.session.commit()
    click.echo(_("Differences found before rebuilding:"))
    _echo_differences(found)
    click.echo(_("Access grants rebuilt (%(seconds).1f s).",
                 seconds=time.monotonic() - started))


@click.command("maintain")
def maintain() -> None:
    """Daily housekeeping: planner statistics, the search index's segments, the attachment
    folder (``files sweep``), the retention scan of closed berkas (``retensi scan``) and
    the audit log's anchor (printed, and added to instance/audit-anchors.log)."""
    from eoffice import audit
    from eoffice.archive.commands import echo_scan
    from eoffice.archive.retention import scan
    from eoffice.extensions import db
    from eoffice.maintenance.database import analyze
    from eoffice.search.index import optimize

    echo_scan(scan())
    db.session.commit()  # before the anchor below, which then covers the scan's events
    optimize()
    db.session.commit()
    analyze(db.session.connection())
    db.session.commit()
    click.echo(_("Statistics refreshed and the search index merged."))
    _echo_sweep(storage.sweep())
    anchor = audit.current_anchor()
    db.session.rollback()
    if anchor is not None:
        chain.write_anchor(anchor, "maintain")
        click.echo(_("Audit anchor: %(anchor)s", anchor=anchor))


@click.group("files")
def files_group() -> None:
    """The attachment folder (instance/files) against the database."""


@files_group.command("check")
@click.option("--older-than", "hours", type=click.IntRange(min=0), default=None,
              help="Hours after which a left-over file counts (default: "
                   "files.sweep_after_hours in region.toml, 24).")
def files_check(hours: int | None) -> None:
    """Report missing attachments, files of no record and left-over temporary files
    (exit 1 when there is any)."""
    report = storage.inspect(hours)
    for _ok, message in storage.health(report):
        click.echo("  " + message)
    for path in report.orphans[:DRIFT_ADVICE_LINES]:
        click.echo(f"    {path}")
    if not report.clean:
        sys.exit(1)


@files_group.command("sweep")
@click.option("--older-than", "hours", type=click.IntRange(min=0), default=None,
              help="Hours after which a left-over file is swept (default: "
                   "files.sweep_after_hours in region.toml, 24).")
def files_sweep(hours: int | None) -> None:
    """Put in place attachments saved but not moved, remove old temporary upload files,
    move old files of no record to instance/files/.quarantine/<date>/."""
    result = storage.sweep(hours)
    _echo_sweep(result)
    if result.report.missing:
        click.echo("  " + storage.health(result.report)[0][1])
        sys.exit(1)


def _echo_sweep(result: storage.SweepResult) -> None:
    click.echo(_("Attachments: %(recovered)d put in place, %(removed)d temporary files "
                 "removed, %(quarantined)d files of no record moved to quarantine.",
                 recovered=len(result.recovered), removed=len(result.removed),
                 quarantined=len(result.quarantined)))
    for path in result.quarantined[:DRIFT_ADVICE_LINES]:
        click.echo(f"    {path}")
