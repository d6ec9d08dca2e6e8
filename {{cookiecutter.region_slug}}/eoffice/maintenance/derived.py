"""Derived data: tables the app writes from its source tables and can always write
again — the access grants and the organisation closure rows (``eoffice.access``,
``eoffice.org.paths``) and the search index (``eoffice.search``).

Backups leave them out and a restore builds them again; an upgrade that adds them
builds them once; the doctor checks them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

DERIVED_TABLES = frozenset({"access_grants", "position_paths", "unit_paths",
                            "search_incoming_letters", "search_outgoing_letters"})


def derived_table_names() -> set[str]:
    """Every derived table, the search's full-text internals included."""
    from eoffice.search.models import internal_names

    return set(DERIVED_TABLES) | internal_names()


def _empty(connection, table: sa.Table) -> bool:
    return connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() \
        is None


def _at_core_head(connection) -> bool:
    """Whether every core revision is applied (the schema the code expects)."""
    from eoffice.maintenance.schema import (
        applied_revisions,
        database_revisions,
        is_local_path,
        script_directory,
    )

    script = script_directory()
    core = {rev.revision for rev in script.walk_revisions() if not is_local_path(rev.path)}
    return core <= applied_revisions(script, database_revisions(connection))


def build_all(connection, log: Callable[[str], None] = print) -> None:
    """Build every derived table from the source tables (after a restore)."""
    from eoffice import access
    from eoffice.maintenance.database import analyze
    from eoffice.search import index

    if connection.dialect.name == "postgresql":
        analyze(connection)  # without statistics the rebuild's joins take the slow plans
    access.rebuild(connection, report=False)
    written = index.reindex(connection)
    log("access grants rebuilt; search index: " +
        ", ".join(f"{name} {count}" for name, count in written.items()))


def build_missing(connection, log: Callable[[str], None] = print) -> None:
    """After an upgrade: build the derived tables that are empty while their sources
    have rows (the first upgrade that brings them). Only when the database is at the
    code's own revision, so the code that builds them matches the schema."""
    from eoffice import access
    from eoffice.org import paths
    from eoffice.org.models import Position
    from eoffice.search import index

    if not _at_core_head(connection):
        return
    if _empty(connection, Position.__table__) is False and \
            _empty(connection, paths.TREES[0].path.__table__):
        paths.rewrite_all(connection)
        log("organisation closure rows built")
    from eoffice.access import AccessGrant

    if _empty(connection, AccessGrant.__table__) and any(
            not _empty(connection, rule.model.__table__) for rule in access.rules()):
        if connection.dialect.name == "postgresql":
            from eoffice.maintenance.database import analyze

            analyze(connection)
        access.rebuild(connection, report=False)
        log("access grants built")
    missing = [s.name for s in index.sources() if _empty(connection, s.table)
               and not _empty(connection, access.rule_for(s.object_type).model.__table__)]
    if missing:
        written = index.reindex(connection, names=missing)
        log("search index built: " + ", ".join(f"{k} {v}" for k, v in written.items()))


def health(connection) -> list[tuple[bool, str]]:
    """(ok, message) for each derived table, for the doctor. The access check reads
    every grant (about a minute per million letters)."""
    from flask import current_app
    from flask_babel import gettext as _

    from eoffice import access, textextract
    from eoffice.maintenance.database import has_statistics
    from eoffice.org import paths
    from eoffice.search import index

    out: list[tuple[bool, str]] = []
    tree = paths.differences(connection)
    found = access.check(connection)
    wrong = [f"{d.rule} ({d.missing}/{d.extra})" for d in found if not d.ok] + [
        f"{name} ({missing}/{extra})" for name, (missing, extra) in tree.items()
        if missing or extra]
    from eoffice.letters.models import recipient_copies_differ

    stale = recipient_copies_differ(connection)
    if stale:
        wrong.append(f"letter_recipients ({stale})")
    out.append((not wrong, _("PROBLEM: access grants differ from the rules (missing/extra): "
                             "%(which)s; run flask eoffice access rebuild",
                             which=", ".join(wrong)) if wrong else
                _("OK: the access grants agree with the rules.")))
    for source in index.sources():
        model = access.rule_for(source.object_type).model
        objects = connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        rows = connection.scalar(sa.select(sa.func.count()).select_from(source.table)) or 0
        out.append((objects == rows, _(
            "OK: search index of %(name)s complete (%(n)d).", name=source.name, n=rows)
            if objects == rows else _(
            "PROBLEM: the search index of %(name)s has %(rows)d rows for %(objects)d "
            "objects: run flask eoffice search reindex", name=source.name, rows=rows,
            objects=objects)))
    if textextract.tool("pdftotext") is None:
        out.append((False, _("PROBLEM: pdftotext is missing, so the text of attached PDFs is "
                             "not searchable: apt-get install poppler-utils, then flask "
                             "eoffice search extract")))
    if current_app.config["SEARCH_OCR"] and textextract.tool("tesseract") is None:
        out.append((False, _("PROBLEM: SEARCH_OCR is on but tesseract is missing: apt-get "
                             "install tesseract-ocr tesseract-ocr-ind")))
    if not has_statistics(connection):
        out.append((False, _("PROBLEM: the database has no planner statistics: run flask "
                             "eoffice maintain")))
    return out
