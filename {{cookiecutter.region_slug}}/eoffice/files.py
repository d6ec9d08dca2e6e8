"""Attachment storage: content-addressed, outside the web root, checked by content.

A file's type is decided by its first bytes (magic numbers), never by its name
or the browser's claim. Files live under ``instance/files/ab/cd/<sha256>`` and
are served only by views that check access first (``send_stored``).

A file is in place exactly when a committed row refers to it. ``store`` writes the
content to ``instance/files/.staging/<sha256>.<random>.part`` (flushed to disk) and
the session moves it to its place only after the transaction commits; a rollback
removes it. A worker killed half-way therefore leaves at most a temporary file, never
a stored file without a row (which a backup would carry); ``flask eoffice files
sweep`` (``eoffice.maintenance.storage``) removes stale temporary files, and puts in
place a staged file whose transaction committed just before the worker died.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.inputs import without_control_characters

# kind -> (mimetype, extension)
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
}
DOCUMENT_KINDS = ("pdf", "png", "jpeg")
STAGING = ".staging"  # under the storage root: uploads waiting for their commit
STAGED_SUFFIX = ".part"
_STAGED = "eoffice_staged_files"  # Session.info key: sha256 -> Staged

log = logging.getLogger(__name__)


class FileRejected(ValueError):
    """An upload is refused; the message names the file and the reason."""


class StoredFile(db.Model):
    """One stored content, by its SHA-256. Several attachments may share it."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The words in the file, for the search (``eoffice.textextract``): ``done`` (text
    # found), ``none`` (no text layer), ``ocr`` (waiting for OCR), ``failed``
    # (extraction failed; ``flask eoffice search extract`` tries again).
    text: Mapped[str | None] = mapped_column(sa.Text)
    text_status: Mapped[str] = mapped_column(sa.String(10), default="none",
                                             server_default="none", index=True)

    @property
    def mimetype(self) -> str:
        return KINDS[self.kind][0]

    @property
    def extension(self) -> str:
        return KINDS[self.kind][1]


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes, or None when it is not allowed."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def describe(head: bytes) -> str:
    """A plain-language guess of what a refused file really is."""
    stripped = head.lstrip().lower()
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!"):
        return str(_l("a program"))
    if stripped.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")):
        return str(_l("a web page (HTML/XML)"))
    if head.startswith(b"PK\x03\x04"):
        return str(_l("a ZIP or Office document"))
    if head.startswith(b"GIF8"):
        return str(_l("a GIF image"))
    return str(_l("an unknown type"))


def storage_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_for(sha256: str) -> Path:
    return storage_root() / sha256[:2] / sha256[2:4] / sha256


def size_text(size: int) -> str:
    """A size as people say it: 20 MB, 1,5 MB, 50 KB, 1000 bytes."""
    from flask_babel import format_decimal

    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{format_decimal(round(size / factor, 1))} {unit}"
    return str(_l("%(n)d bytes", n=size))


@dataclass
class CheckedUpload:
    data: bytes
    kind: str
    sha256: str
    filename: str


def check_upload(filename: str, data: bytes, allowed: tuple[str, ...] = DOCUMENT_KINDS,
                 ) -> CheckedUpload:
    """Check size and content type; raise FileRejected with a clear message."""
    # The name is the browser's (or an API client's): shown and stored, so no control
    # characters (eoffice/inputs.py); nobody to ask, so they are dropped.
    name = without_control_characters(os.path.basename(filename or "berkas"),
                                      multiline=False)[:200] or "berkas"
    limit = current_app.config["FILE_MAX_BYTES"]
    if not data:
        raise FileRejected(str(_l("%(f)s is empty.", f=name)))
    if len(data) > limit:
        raise FileRejected(str(_l("%(f)s is larger than %(size)s.", f=name,
                                  size=size_text(limit))))
    kind = sniff(data[:16])
    if kind is None or kind not in allowed:
        labels = ", ".join(KINDS[k][1].upper() for k in allowed)
        raise FileRejected(str(_l("%(f)s is refused: its content is %(what)s, not %(allowed)s.",
                                  f=name, what=describe(data[:64]), allowed=labels)))
    return CheckedUpload(data, kind, hashlib.sha256(data).hexdigest(), name)


def check_uploads(uploads: list[tuple[str, bytes]], allowed: tuple[str, ...] = DOCUMENT_KINDS,
                  ) -> tuple[list[CheckedUpload], str | None]:
    """Check every (filename, content); the accepted ones, and one message naming each
    refused file (None when all are fine)."""
    checked, problems = [], []
    for filename, content in uploads:
        try:
            checked.append(check_upload(filename, content, allowed))
        except FileRejected as exc:
            problems.append(str(exc))
    return checked, " ".join(problems) or None


@dataclass
class Staged:
    """A stored content written to the staging folder, waiting for its transaction."""

    sha256: str
    temporary: Path
    target: Path
    transaction: SessionTransaction


def staging_root() -> Path:
    return storage_root() / STAGING


def _write_staged(upload: CheckedUpload) -> Path:
    """The content in a new temporary file of the staging folder, flushed to the disk."""
    folder = staging_root()
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=upload.sha256 + ".",
                                    suffix=STAGED_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(upload.data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _staged(session: Session) -> dict[str, Staged]:
    return session.info.setdefault(_STAGED, {})


def store(upload: CheckedUpload) -> StoredFile:
    """The row of this content (new or shared); a new content is staged and put in place
    when the session commits (see the module's docstring)."""
    session = db.session()  # the request's Session (its info and transaction)
    existing = session.scalar(sa.select(StoredFile).where(StoredFile.sha256 == upload.sha256))
    target = path_for(upload.sha256)
    staged = _staged(session)
    if upload.sha256 not in staged and (existing is None or not target.exists()):
        staged[upload.sha256] = Staged(
            upload.sha256, _write_staged(upload), target,
            session.get_nested_transaction() or session.get_transaction())
    if existing is not None:
        return existing
    from eoffice import textextract

    content, status = textextract.extract(current_path(upload.sha256), upload.kind)
    # Two requests may store the same new content at once: the second insert gives
    # way (no unique-constraint error) and both use the one row.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(
        session.get_bind().dialect.name)
    if insert is None:
        stored = StoredFile(sha256=upload.sha256, size=len(upload.data), kind=upload.kind,
                            text=content, text_status=status)
        session.add(stored)
        session.flush()
        return stored
    session.execute(insert(StoredFile).values(
        sha256=upload.sha256, size=len(upload.data), kind=upload.kind, created_at=utcnow(),
        text=content, text_status=status,
    ).on_conflict_do_nothing(index_elements=["sha256"]))
    return session.scalar(sa.select(StoredFile).where(StoredFile.sha256 == upload.sha256))


def current_path(sha256: str) -> Path:
    """Where the content is now: staged by this session's transaction, or in place."""
    staged = db.session().info.get(_STAGED) or {}
    return staged[sha256].temporary if sha256 in staged else path_for(sha256)


def read(stored: StoredFile) -> bytes:
    return current_path(stored.sha256).read_bytes()


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def put_in_place(temporary: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, target)
    fsync_folder(target.parent)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _discard(session: Session, which) -> None:
    staged = session.info.get(_STAGED)
    for sha256, item in list((staged or {}).items()):
        if which(item):
            item.temporary.unlink(missing_ok=True)
            del staged[sha256]


@sa.event.listens_for(Session, "after_commit")
def _put_staged_in_place(session: Session) -> None:
    """The rows are committed: their files go in place. A failure here cannot undo the
    commit; the file stays staged and ``flask eoffice files sweep`` puts it in place."""
    for item in (session.info.pop(_STAGED, None) or {}).values():
        try:
            put_in_place(item.temporary, item.target)
        except OSError:
            log.exception("Stored file %s committed but not moved into place; it stays in "
                          "%s until flask eoffice files sweep", item.sha256, item.temporary)


@sa.event.listens_for(Session, "after_soft_rollback")
def _discard_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback (of a savepoint too) removes the files staged inside what it undid."""
    _discard(session, lambda item: _within(item.transaction, previous_transaction))


@sa.event.listens_for(Session, "after_transaction_end")
def _discard_unfinished(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without a commit (the end of a request) removes what it staged."""
    if transaction.parent is None:
        _discard(session, lambda item: True)


def send_stored(stored: StoredFile, download_name: str, inline: bool = False):
    """Serve a stored file: correct type, Content-Disposition, nosniff, no caching by proxies."""
    name = download_name if download_name.lower().endswith("." + stored.extension) \
        else f"{download_name}.{stored.extension}"
    response = send_file(path_for(stored.sha256), mimetype=stored.mimetype,
                         as_attachment=not inline, download_name=name, max_age=0,
                         conditional=True, etag=stored.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
