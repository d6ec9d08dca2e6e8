"""``flask eoffice search reindex | extract``."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from eoffice.extensions import db


@click.group("search")
def search() -> None:
    """The full-text search index and the text of attachments."""


@search.command("reindex")
@click.option("--source", "names", multiple=True,
              help="Only this kind (incoming_letters, outgoing_letters); repeatable.")
def reindex(names: tuple[str, ...]) -> None:
    """Rewrite the search index from the letters (after a restore or an upgrade)."""
    from eoffice.maintenance.database import analyze
    from eoffice.search import index

    known = {s.name for s in index.sources()}
    unknown = set(names) - known
    if unknown:
        raise click.ClickException(_("Unknown source: %(unknown)s (known: %(known)s).",
                                     unknown=", ".join(sorted(unknown)),
                                     known=", ".join(sorted(known))))
    started = time.monotonic()

    def progress(name: str, count: int) -> None:
        if count % 50000 == 0:
            click.echo(f"  {name}: {count}")

    written = index.reindex(names=list(names) or None, progress=progress)
    index.optimize()
    db.session.commit()
    analyze(db.session.connection())
    db.session.commit()
    for name, count in written.items():
        click.echo(f"{name}: {count}")
    click.echo(f"({time.monotonic() - started:.1f} s)")


@search.command("extract")
@click.option("--limit", default=200, show_default=True,
              help="Files to read in this run (the timer runs it again).")
def extract(limit: int) -> None:
    """Read the text of files still waiting: OCR (when SEARCH_OCR is on) and files
    whose extraction failed; then reindex the letters that carry them."""
    from flask import current_app

    from eoffice import files, textextract
    from eoffice.files import StoredFile
    from eoffice.search.index import reindex_files

    wanted = ["failed"] + (["ocr"] if current_app.config["SEARCH_OCR"] else [])
    pending = list(db.session.scalars(sa.select(StoredFile).where(
        StoredFile.text_status.in_(wanted)).order_by(StoredFile.id).limit(limit)))
    done = 0
    for stored in pending:
        path = files.path_for(stored.sha256)
        if not path.exists():
            stored.text_status = "none"
            continue
        content, status = textextract.extract(path, stored.kind)
        if status == "ocr" and current_app.config["SEARCH_OCR"]:
            content = textextract.ocr_text(path, stored.kind)
            status = "done" if content and content.strip() else (
                "none" if content is not None else "failed")
        stored.text, stored.text_status = content, status
        done += status == "done"
    db.session.flush()
    letters = reindex_files([s.id for s in pending])
    db.session.commit()
    click.echo(f"{len(pending)} files read, {done} with text; {letters} letters reindexed.")
