"""Attachment storage: content-addressed, outside the web root, checked by content.

A file's type is decided by its first bytes (magic numbers), never by its name
or the browser's claim. Files live under ``instance/files/ab/cd/<sha256>`` and
are served only by views that check access first (``send_stored``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

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


def store(upload: CheckedUpload) -> StoredFile:
    """Write the content once (atomically) and return its row."""
    existing = db.session.scalar(sa.select(StoredFile).where(StoredFile.sha256 == upload.sha256))
    target = path_for(upload.sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(upload.data)
            temporary = handle.name
        os.replace(temporary, target)
    if existing is not None:
        return existing
    from eoffice import textextract

    content, status = textextract.extract(target, upload.kind)
    # Two requests may store the same new content at once: the second insert gives
    # way (no unique-constraint error) and both use the one row.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(
        db.session.get_bind().dialect.name)
    if insert is None:
        stored = StoredFile(sha256=upload.sha256, size=len(upload.data), kind=upload.kind,
                            text=content, text_status=status)
        db.session.add(stored)
        db.session.flush()
        return stored
    db.session.execute(insert(StoredFile).values(
        sha256=upload.sha256, size=len(upload.data), kind=upload.kind, created_at=utcnow(),
        text=content, text_status=status,
    ).on_conflict_do_nothing(index_elements=["sha256"]))
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.sha256 == upload.sha256))


def read(stored: StoredFile) -> bytes:
    return path_for(stored.sha256).read_bytes()


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
