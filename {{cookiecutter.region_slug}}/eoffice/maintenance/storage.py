"""The attachment folder against the database: ``flask eoffice files check | sweep``.

What can be found in ``instance/files`` besides the stored files that rows refer to
(see ``eoffice.files`` for how files are written):

- temporary files: uploads still waiting for their commit in ``.staging/``, left there
  by a worker that was killed (or a disk that filled up) before it finished; files of
  the older storage code in the content folders (``ab/cd/tmpXXXX``); ``.restore-*``
  folders of an interrupted restore. Removed once older than FILE_SWEEP_AFTER_HOURS.
- a staged file whose row was committed but which was never moved into place (the
  worker died between the two): put in place once its content is checked, whatever
  its age.
- orphans: stored files no row refers to (written by an older version before its
  transaction failed, or copied in by hand). Moved to ``.quarantine/<date>/`` once
  older than FILE_SWEEP_AFTER_HOURS, never deleted: an operator decides.
- missing files: rows whose file is not there. Reported; only a backup brings them back.

The folder is read one top-level prefix (``00`` .. ``ff``) at a time, with the rows of
that prefix, so memory does not grow with the number of files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from eoffice import files
from eoffice.extensions import db

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
HEX2_RE = re.compile(r"^[0-9a-f]{2}$")
STAGED_RE = re.compile(r"^([0-9a-f]{64})\..+" + re.escape(files.STAGED_SUFFIX) + "$")
QUARANTINE = ".quarantine"
RESTORE_PREFIX = ".restore-"
PREFIXES = [f"{n:02x}" for n in range(256)]


@dataclass
class StorageReport:
    """What ``inspect`` found; the paths are absolute."""

    root: Path
    older_than_hours: int
    stored: int = 0  # files in place that rows refer to
    stale_temporary: list[Path] = field(default_factory=list)
    recent_temporary: int = 0  # uploads in progress, or just interrupted
    recoverable: list[tuple[str, Path]] = field(default_factory=list)  # (sha256, staged file)
    orphans: list[Path] = field(default_factory=list)
    recent_orphans: int = 0
    missing: list[str] = field(default_factory=list)  # sha256 of rows without a file

    @property
    def clean(self) -> bool:
        return not (self.stale_temporary or self.recoverable or self.orphans or self.missing)


@dataclass
class SweepResult:
    removed: list[Path] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)  # where each orphan went
    report: StorageReport | None = None


def storage_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _is_old(path: Path, limit: float) -> bool:
    try:
        return path.lstat().st_mtime < limit
    except FileNotFoundError:
        return False


def _referenced(prefix: str) -> set[str]:
    """The sha256 of every stored-file row under one prefix (by the unique index)."""
    upper = f"{int(prefix, 16) + 1:02x}" if prefix != "ff" else "g"
    return set(db.session.scalars(sa.select(files.StoredFile.sha256).where(
        files.StoredFile.sha256 >= prefix, files.StoredFile.sha256 < upper)))


def _entries(folder: Path) -> Iterator[os.DirEntry]:
    try:
        with os.scandir(folder) as found:
            yield from sorted(found, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return


def inspect(older_than_hours: int | None = None, root: Path | None = None) -> StorageReport:
    """Compare the attachment folder with the stored-file rows; change nothing."""
    hours = current_app.config["FILE_SWEEP_AFTER_HOURS"] if older_than_hours is None \
        else older_than_hours
    root = storage_root() if root is None else root
    limit = time.time() - hours * 3600
    report = StorageReport(root, hours)
    staged: dict[str, list[Path]] = {}
    for entry in _entries(root / files.STAGING):
        path = Path(entry.path)
        match = STAGED_RE.match(entry.name)
        if match:
            staged.setdefault(match.group(1), []).append(path)
        _count_temporary(report, path, limit)
    for entry in _entries(root):
        if entry.name.startswith(RESTORE_PREFIX) and entry.is_dir(follow_symlinks=False):
            _count_temporary(report, Path(entry.path), limit)
    for prefix in PREFIXES:
        referenced = _referenced(prefix)
        present: set[str] = set()
        for second in _entries(root / prefix):
            if not (HEX2_RE.match(second.name) and second.is_dir(follow_symlinks=False)):
                continue
            for entry in _entries(Path(second.path)):
                path = Path(entry.path)
                if not entry.is_file(follow_symlinks=False):
                    continue
                if not (SHA256_RE.match(entry.name) and entry.name.startswith(
                        prefix + second.name)):
                    _count_temporary(report, path, limit)
                elif entry.name in referenced:
                    present.add(entry.name)
                    report.stored += 1
                elif _is_old(path, limit):
                    report.orphans.append(path)
                else:
                    report.recent_orphans += 1
        for sha256 in sorted(referenced - present):
            candidates = [p for p in staged.get(sha256, []) if _content_is(p, sha256)]
            if candidates:
                report.recoverable.append((sha256, candidates[0]))
            else:
                report.missing.append(sha256)
    return report


def _count_temporary(report: StorageReport, path: Path, limit: float) -> None:
    if _is_old(path, limit):
        report.stale_temporary.append(path)
    else:
        report.recent_temporary += 1


def _content_is(path: Path, sha256: str) -> bool:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def sweep(older_than_hours: int | None = None, root: Path | None = None) -> SweepResult:
    """Put committed staged files in place, remove stale temporary files and move old
    orphans to quarantine (``.quarantine/<date>/ab/cd/<sha256>``)."""
    report = inspect(older_than_hours, root)
    result = SweepResult(report=report)
    recovered_paths = set()
    for sha256, path in report.recoverable:
        try:
            files.put_in_place(path, report.root / sha256[:2] / sha256[2:4] / sha256)
        except FileNotFoundError:
            continue  # its own request moved it in a moment ago
        result.recovered.append(sha256)
        recovered_paths.add(path)
    for path in report.stale_temporary:
        if path in recovered_paths:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        result.removed.append(path)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    for path in report.orphans:
        if db.session.scalar(sa.select(files.StoredFile.id).where(
                files.StoredFile.sha256 == path.name)) is not None:
            continue  # a row came for it while we looked: it stays
        target = report.root / QUARANTINE / stamp / path.relative_to(report.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        result.quarantined.append(target)
    return result


def health(report: StorageReport) -> list[tuple[bool, str]]:
    """The doctor's lines about the attachment folder: (ok, message)."""
    hours = report.older_than_hours
    lines: list[tuple[bool, str]] = []
    if report.missing:
        lines.append((False, _(
            "PROBLEM: %(n)d attachments the database refers to are missing from %(root)s "
            "(first: %(first)s). Copy them back from a backup (docs/it/backup.md).",
            n=len(report.missing), root=report.root, first=report.missing[0])))
    if report.recoverable:
        lines.append((False, _(
            "PROBLEM: %(n)d saved attachments were never put in place (the worker stopped "
            "right after saving): flask eoffice files sweep puts them in place.",
            n=len(report.recoverable))))
    if report.orphans:
        lines.append((False, _(
            "PROBLEM: %(n)d files in %(root)s belong to no record (left by interrupted "
            "uploads), older than %(hours)d hours: flask eoffice files sweep moves them to "
            "quarantine.", n=len(report.orphans), root=report.root, hours=hours)))
    if report.stale_temporary:
        lines.append((False, _(
            "PROBLEM: %(n)d temporary upload files are older than %(hours)d hours: flask "
            "eoffice files sweep removes them.", n=len(report.stale_temporary), hours=hours)))
    if not lines:
        lines.append((True, _("OK: every attachment the database refers to is in place "
                              "(%(n)d files), and no file is left over.", n=report.stored)))
    return lines
