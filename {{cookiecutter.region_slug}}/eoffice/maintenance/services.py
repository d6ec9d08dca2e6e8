"""The rules of ``flask eoffice doctor``, ``backup`` and ``restore``.

A backup is ONE ``.tar.gz`` archive:

- ``database/<table>.jsonl``: every row of every table (``alembic_version`` aside),
  one JSON object per line, read by reflecting the database, so local tables are
  included. Values are written portably (dates and times in ISO 8601, bytes in
  base64, decimals as text, JSON columns as JSON), so a SQLite backup restores into
  PostgreSQL and back.
- ``files/ab/cd/<sha256>``: the attachments (``instance/files``), content-addressed:
  those the backed-up ``stored_files`` rows refer to, and only those. A file no row
  refers to (an interrupted upload's) is left out and reported; a row whose file is
  missing is reported too (``BackupResult.skipped`` / ``missing``, and the manifest).
- ``manifest.json``: format version, app version, time, database dialect, Alembic
  revisions, row counts and column types of each table, the SHA-256 and size of
  every other member, and the audit log's anchor (``eoffice.maintenance.chain``).

A restore checks the whole archive before it touches anything (the gzip stream to
its trailer, the tar end marker, every member against the manifest), then replaces
the data in ONE transaction (rows deleted children first, inserted parents first;
PostgreSQL sequences reset; the audit log's guards lifted and put back inside it)
and moves the attachments in only after the commit.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from eoffice import audit
from eoffice.config import REGION_ROOT
from eoffice.extensions import db
from eoffice.maintenance import chain, integrity
from eoffice.maintenance.schema import applied_revisions, database_revisions, script_directory
from eoffice.version import __version__

FORMAT_NAME = "eoffice-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Not data: the schema's version, and the page cache's token (eoffice/pagecache.py), which
# every restore replaces anyway.
SKIPPED_TABLES = frozenset({"alembic_version", "page_generation"})
# Tables whose rows the migrations themselves seed: a database holding rows only
# there is still "empty" for restore (tests/maintenance keep this list true).
REFERENCE_TABLES = frozenset({"golongan", "classifications", "disposition_instructions",
                              "retention_schedules", "numbering_series", "naskah_types",
                              "signing_authorities"})
TABLE_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
TABLE_MEMBER_RE = re.compile(r"^database/([A-Za-z0-9_]+)\.jsonl$")
FILE_MEMBER_RE = re.compile(r"^files/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
REFERENCED = "referenced-files.txt"  # in the backup's work folder, never in the archive
BATCH = 500


class MaintenanceError(Exception):
    """A backup or restore is refused; the message says why and what to do."""


class ArchiveError(MaintenanceError):
    """The archive is damaged, incomplete, or not a backup this application can read."""


# --- doctor -----------------------------------------------------------------------------------


@dataclass
class DoctorReport:
    version: str
    record: dict | None
    drift: integrity.Drift | None
    pending: list[str] | None  # None: the database has no schema yet
    database_error: str | None
    plugins: list[str]
    derived: list[tuple[bool, str]] = field(default_factory=list)  # access grants, search
    audit: audit.ChainReport | None = None  # None: not checked (no schema, pending)
    audit_guards_missing: list[str] = field(default_factory=list)
    files: list[tuple[bool, str]] = field(default_factory=list)  # attachments vs rows

    @property
    def ok(self) -> bool:
        return (self.record is not None and self.drift is not None and self.drift.clean
                and self.database_error is None and self.pending == []
                and all(ok for ok, _message in self.derived + self.files)
                and (self.audit is None or self.audit.ok) and not self.audit_guards_missing)


def doctor_report(app: Flask, root: Path | None = None) -> DoctorReport:
    """What ``flask eoffice doctor`` shows, for the region in ``root`` (default: this one)."""
    from eoffice.cli import pending_migrations
    from eoffice.plugins.manager import loaded_plugins

    root = REGION_ROOT if root is None else root
    record = integrity.load_record(root)
    drift = integrity.compare(root, record) if record is not None else None
    pending, error = None, None
    try:
        pending = pending_migrations(app)
    except Exception as exc:  # noqa: BLE001 - reported to the operator, not raised
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    derived: list[tuple[bool, str]] = []
    chain_report, guards_missing = None, []
    checked_files: list[tuple[bool, str]] = []
    if pending == []:
        from eoffice.maintenance import storage
        from eoffice.maintenance.derived import health

        connection = db.session.connection()
        derived = health(connection)
        checked_files = storage.health(storage.inspect())
        chain_report = audit.verify_chain(chain.read_anchors(), connection=connection)
        guards_missing = chain.missing_guards(connection)
    return DoctorReport(__version__, record, drift, pending, error, loaded_plugins(app),
                        derived, chain_report, guards_missing, checked_files)


# --- portable values --------------------------------------------------------------------------


def column_kind(type_: sa.types.TypeEngine) -> str:
    """The portable kind of a column type, as written in the manifest."""
    checks: tuple[tuple[type, str], ...] = (
        (sa.JSON, "json"), (sa.LargeBinary, "bytes"), (sa.DateTime, "datetime"),
        (sa.Date, "date"), (sa.Time, "time"), (sa.Boolean, "boolean"), (sa.Integer, "integer"),
        (sa.Float, "float"), (sa.Numeric, "decimal"), (sa.Uuid, "uuid"), (sa.String, "string"),
    )
    for kind_type, kind in checks:
        if isinstance(type_, kind_type):
            return kind
    raise MaintenanceError(_("Column type %(type)s cannot be backed up portably.",
                             type=repr(type_)))


def encode_value(kind: str, value):
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("decimal", "uuid"):
        return str(value)
    return value


def decode_value(kind: str, value):
    if value is None:
        return None
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return decimal.Decimal(value)
    if kind == "uuid":
        return uuid.UUID(value)
    if kind == "boolean":
        return bool(value)
    return value


# --- the tables, parents first ----------------------------------------------------------------


def reflect(connection) -> sa.MetaData:
    """The database's tables as a backup holds them: not Alembic's own, nor the derived
    ones (access grants, closure rows, the search index), which a restore builds again
    from the rest (``eoffice.maintenance.derived``)."""
    from eoffice.maintenance.derived import derived_table_names

    skipped = SKIPPED_TABLES | derived_table_names()
    metadata = sa.MetaData()
    metadata.reflect(bind=connection,
                     only=lambda name, _meta: name not in skipped)
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                column.type.none_as_null = True  # None is SQL NULL, as the backup wrote it
    return metadata


def ordered_tables(metadata: sa.MetaData) -> tuple[list[sa.Table], dict[str, list[str]]]:
    """Tables with parents first, and per table the foreign-key columns filled in only
    after every row is in: nullable self-references, and one nullable link of each
    cycle between tables (such as a disposition and the recipient it came from)."""
    tables = {table.name: table for table in metadata.tables.values()}
    parents: dict[str, list[sa.ForeignKeyConstraint]] = {name: [] for name in tables}
    late: dict[str, set[str]] = {}
    for table in tables.values():
        for constraint in table.foreign_key_constraints:
            parent = constraint.referred_table.name
            nullable = all(column.nullable for column in constraint.columns)
            if parent == table.name:
                if nullable:
                    late.setdefault(table.name, set()).update(c.name for c in constraint.columns)
            elif parent in tables:
                parents[table.name].append(constraint)
    ordered: list[str] = []
    while len(ordered) < len(tables):
        placed = set(ordered)
        ready = sorted(name for name in tables if name not in placed and all(
            c.referred_table.name in placed for c in parents[name]))
        if ready:
            ordered += ready
            continue
        constraint = _cycle_link(parents, placed)
        parents[constraint.table.name].remove(constraint)
        late.setdefault(constraint.table.name, set()).update(c.name for c in constraint.columns)
    return [tables[name] for name in ordered], {name: sorted(c) for name, c in late.items()}


def _cycle_link(parents: dict[str, list[sa.ForeignKeyConstraint]], placed: set[str],
                ) -> sa.ForeignKeyConstraint:
    """A nullable foreign key that closes a cycle among the tables not placed yet."""

    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                stack += [c.referred_table.name for c in parents[name]
                          if c.referred_table.name not in placed]
        return False

    for name in sorted(set(parents) - placed):
        for constraint in sorted(parents[name], key=lambda c: [col.name for col in c.columns]):
            parent = constraint.referred_table.name
            if parent not in placed and all(col.nullable for col in constraint.columns) \
                    and reaches(parent, name):
                return constraint
    raise MaintenanceError(_("The tables refer to each other in a cycle without a nullable "
                             "column: they cannot be restored in order."))


# --- backup -----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    rows: dict[str, int]
    files: int
    file_bytes: int
    size: int
    anchor: audit.Anchor | None = None
    skipped: list[str] = field(default_factory=list)  # files/... no row refers to: left out
    missing: list[str] = field(default_factory=list)  # sha256 of rows whose file is missing


class _HashingReader:
    """Reads a file for tarfile while computing its SHA-256."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def default_backup_path(app: Flask) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(app.instance_path) / "backups" / \
        f"eoffice-{app.config['REGION_SLUG']}-{stamp}.tar.gz"


def _sorted_folders(folder: Path, pattern: re.Pattern) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as found:
            return sorted((e for e in found if pattern.match(e.name)), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


HEX2_RE = re.compile(r"^[0-9a-f]{2}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(member name, path) of every content-addressed attachment under ``root``, in the
    order of their sha256, one folder at a time (memory does not grow with the files)."""
    for first in _sorted_folders(root, HEX2_RE):
        for second in _sorted_folders(Path(first.path), HEX2_RE):
            for entry in _sorted_folders(Path(second.path), SHA256_RE):
                name = f"files/{first.name}/{second.name}/{entry.name}"
                if entry.is_file(follow_symlinks=False) and FILE_MEMBER_RE.match(name) and \
                        entry.name.startswith(first.name + second.name):
                    yield name, Path(entry.path)


def backup_files(root: Path, referenced: Iterator[str],
                 ) -> Iterator[tuple[str, str, Path | None]]:
    """Merge the files on disk with the sha256 the rows refer to (both in sha256 order):
    ("both", sha256, path), ("disk", sha256, path) for a file no row refers to, and
    ("row", sha256, None) for a row whose file is missing."""
    disk = ((FILE_MEMBER_RE.match(name).group(3), path) for name, path in stored_files(root))
    on_disk = next(disk, None)
    wanted = next(referenced, None)
    while on_disk is not None or wanted is not None:
        if wanted is None or (on_disk is not None and on_disk[0] < wanted):
            yield "disk", on_disk[0], on_disk[1]
            on_disk = next(disk, None)
        elif on_disk is None or wanted < on_disk[0]:
            yield "row", wanted, None
            wanted = next(referenced, None)
        else:
            yield "both", wanted, on_disk[1]
            on_disk, wanted = next(disk, None), next(referenced, None)


def create_backup(output: Path | None = None) -> BackupResult:
    """Write one archive with the database, the attachments and a manifest."""
    app = current_app._get_current_object()
    output = Path(output) if output else default_backup_path(app)
    if output.is_dir():
        output = output / default_backup_path(app).name
    output.parent.mkdir(parents=True, exist_ok=True)
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        work_dir = Path(work)
        database, anchor = _dump_database(work_dir, members)
        partial = work_dir / "archive.tar.gz"
        file_count, file_bytes = 0, 0
        skipped, missing = [], []
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            for table in database["tables"]:
                _add_member(tar, table["member"], work_dir / table["member"], members)
            with (work_dir / REFERENCED).open(encoding="ascii") as referenced:
                for where, sha256, path in backup_files(
                        Path(app.config["UPLOAD_FOLDER"]), (line.strip() for line in referenced)):
                    name = f"files/{sha256[:2]}/{sha256[2:4]}/{sha256}"
                    if where == "disk":
                        skipped.append(name)
                    elif where == "row":
                        missing.append(sha256)
                    else:
                        _add_member(tar, name, path, members)
                        file_count += 1
                        file_bytes += members[name]["size"]
            manifest = {
                "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "app_version": __version__,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "region": {"name": app.config["REGION_NAME"], "slug": app.config["REGION_SLUG"]},
                "database": database,
                "audit": anchor and {"hash": anchor.hash, "count": anchor.count},
                "files": {"count": file_count, "bytes": file_bytes, "skipped": len(skipped),
                          "missing": missing},
                "members": members,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)  # password hashes and personal data
        os.replace(partial, output)
    chain.write_anchor(anchor, f"backup {output.name}")
    return BackupResult(output, {t["name"]: t["rows"] for t in database["tables"]}, file_count,
                        file_bytes, output.stat().st_size, anchor, skipped, missing)


def _add_member(tar: tarfile.TarFile, name: str, path: Path, members: dict) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}


def _dump_database(work_dir: Path, members: dict) -> tuple[dict, audit.Anchor | None]:
    (work_dir / "database").mkdir()
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # one consistent snapshot of every table
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            revisions = sorted(database_revisions(connection))
            if not revisions:
                raise MaintenanceError(_("The database has no schema yet: there is nothing "
                                         "to back up."))
            metadata = reflect(connection)
            tables, late = ordered_tables(metadata)
            described = []
            for table in tables:
                if not TABLE_NAME_RE.match(table.name):
                    raise MaintenanceError(_("Table name %(name)s cannot be backed up.",
                                             name=repr(table.name)))
                kinds = {column.name: column_kind(column.type) for column in table.columns}
                member = f"database/{table.name}.jsonl"
                rows = _dump_table(connection, table, kinds, work_dir / member)
                described.append({"name": table.name, "member": member, "rows": rows,
                                  "columns": kinds, "late_columns": late.get(table.name, [])})
            anchor = audit.current_anchor(connection) if "audit_head" in metadata.tables \
                else None
            _write_referenced(connection, metadata, work_dir / REFERENCED)
    return {"dialect": engine.dialect.name, "revisions": revisions, "tables": described}, anchor


def _write_referenced(connection, metadata: sa.MetaData, path: Path) -> None:
    """The sha256 of every stored-file row of the snapshot, sorted, one a line: the files
    the backup carries (``backup_files``)."""
    table = metadata.tables.get("stored_files")
    with path.open("w", encoding="ascii") as handle:
        if table is None:
            return
        column = table.c.sha256
        if connection.dialect.name == "postgresql":
            column = sa.collate(column, "C")  # byte order, as Python compares them
        for sha256 in connection.execute(sa.select(table.c.sha256).order_by(column)
                                         .execution_options(yield_per=5000)).scalars():
            handle.write(sha256 + "\n")


def _dump_table(connection, table: sa.Table, kinds: dict[str, str], path: Path) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execute(
        sa.select(table).order_by(*order).execution_options(yield_per=1000))
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in result.mappings():
            encoded = {name: encode_value(kinds[name], row[name]) for name in kinds}
            handle.write(json.dumps(encoded, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            count += 1
    return count


# --- reading an archive -----------------------------------------------------------------------


class _CheckedStream:
    """The archive's decompressed bytes for tarfile, checkable to the very end.

    tarfile stops reading at the tar end marker, before gzip's trailer (CRC-32 and
    length): without ``finish`` an archive whose last byte was cut, or whose
    trailer was damaged, would restore as if whole. The last bytes handed out are
    kept (a few tarfile buffers), so ``finish`` can look at the end marker too.
    """

    KEEP = 64 * 1024

    def __init__(self, path: Path):
        self._gzip = gzip.open(path, "rb")
        self.position = 0
        self._recent: collections.deque[bytes] = collections.deque()
        self._recent_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._gzip.read(size)
        self.position += len(data)
        self._recent.append(data)
        self._recent_bytes += len(data)
        while self._recent_bytes - len(self._recent[0]) >= self.KEEP:
            self._recent_bytes -= len(self._recent.popleft())
        return data

    def close(self) -> None:
        self._gzip.close()

    def finish(self, end: int) -> None:
        """From ``end`` (where tarfile met the end marker) to the end of the gzip stream:
        only zeros, at least the marker's two blocks; the trailer is checked by reading
        to the end (gzip raises on a wrong CRC or length, or a stream cut short)."""
        kept = b"".join(self._recent)
        start = self.position - len(kept)
        if end < start:
            raise ArchiveError(_("The archive is damaged or incomplete (the tar end marker "
                                 "cannot be found). Use another copy of the backup."))
        after = kept[end - start:]
        zeros, clean = len(after), after.count(0) == len(after)
        while chunk := self._gzip.read(1 << 16):
            zeros += len(chunk)
            clean = clean and chunk.count(0) == len(chunk)
        if not clean or zeros < 2 * tarfile.BLOCKSIZE:
            raise ArchiveError(_("The archive is damaged or incomplete (the tar end marker "
                                 "is missing or followed by other data). Use another copy of "
                                 "the backup."))


@dataclass
class CheckedArchive:
    manifest: dict
    staging: Path
    file_members: list[str] = field(default_factory=list)


def check_archive(path: Path, staging: Path) -> CheckedArchive:
    """Read the whole archive into ``staging``; raise ArchiveError unless the gzip stream
    is whole (CRC and length in its trailer), the tar stream ends with its end marker,
    and every member is there, listed in the manifest and matches its checksum."""
    found: dict[str, dict] = {}
    manifest_bytes = None
    stream = None
    try:
        stream = _CheckedStream(path)
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = member.name
                if name == MANIFEST and member.isfile():
                    handle = tar.extractfile(member)
                    manifest_bytes = handle.read(MAX_MANIFEST_BYTES + 1) if handle else b""
                    continue
                if not member.isfile() or not (TABLE_MEMBER_RE.match(name)
                                               or FILE_MEMBER_RE.match(name)):
                    raise ArchiveError(_("The archive holds an unexpected entry %(name)s: it "
                                         "is not an e-office backup.", name=repr(name)))
                if name in found:
                    raise ArchiveError(_("The archive holds %(name)s twice.", name=name))
                found[name] = _stage_member(tar, member, staging / name)
            stream.finish(tar.offset)
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(_("The archive is damaged or incomplete (%(error)s). Use another "
                             "copy of the backup.", error=str(exc) or type(exc).__name__)
                           ) from exc
    finally:
        if stream is not None:
            stream.close()
    manifest = _parse_manifest(manifest_bytes)
    listed: dict = manifest["members"]
    for name, expected in sorted(listed.items()):
        if name not in found:
            raise ArchiveError(_("The archive is incomplete: %(name)s is missing.", name=name))
        if found[name] != {"sha256": expected.get("sha256"), "size": expected.get("size")}:
            raise ArchiveError(_("The archive is damaged: %(name)s does not match its "
                                 "checksum.", name=name))
    extra = sorted(set(found) - set(listed))
    if extra:
        raise ArchiveError(_("The archive holds %(name)s, which its manifest does not list.",
                             name=extra[0]))
    files = [name for name in found if name.startswith("files/")]
    for name in files:
        if FILE_MEMBER_RE.match(name).group(3) != found[name]["sha256"]:
            raise ArchiveError(_("The archive is damaged: %(name)s does not match its "
                                 "checksum.", name=name))
    for table in manifest["database"]["tables"]:
        if table.get("member") not in found:
            raise ArchiveError(_("The archive is incomplete: %(name)s is missing.",
                                 name=table.get("member")))
    return CheckedArchive(manifest, staging, sorted(files))


def read_manifest(path: Path) -> dict:
    """An archive's manifest, without unpacking the rest (for its audit anchor)."""
    try:
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isfile():
                    handle = tar.extractfile(member)
                    return _parse_manifest(handle.read(MAX_MANIFEST_BYTES + 1) if handle
                                           else b"")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(_("The archive is damaged or incomplete (%(error)s). Use another "
                             "copy of the backup.", error=str(exc) or type(exc).__name__)
                           ) from exc
    return _parse_manifest(None)


def manifest_anchor(manifest: dict) -> audit.Anchor | None:
    """The audit anchor a manifest holds (None in archives made before it was written)."""
    found = manifest.get("audit")
    if not isinstance(found, dict):
        return None
    try:
        return audit.Anchor.parse(f"{found['hash']}:{found['count']}")
    except (KeyError, ValueError) as exc:
        raise ArchiveError(_("The archive's manifest.json cannot be read (%(error)s): the "
                             "archive is damaged or not an e-office backup.",
                             error="audit anchor")) from exc


def _stage_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as handle:
        while source is not None and (chunk := source.read(1 << 16)):
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _parse_manifest(data: bytes | None) -> dict:
    if data is None:
        raise ArchiveError(_("The archive has no manifest.json: it is incomplete or not an "
                             "e-office backup."))
    try:
        if len(data) > MAX_MANIFEST_BYTES:
            raise ValueError("too large")
        manifest = json.loads(data.decode("utf-8"))
        if manifest.get("format") != FORMAT_NAME:
            raise ValueError("not an e-office backup")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise ArchiveError(_("The archive has backup format version %(found)s; this "
                                 "application reads version %(known)s. Restore it with the "
                                 "application version that made it (%(app)s).",
                                 found=repr(version), known=FORMAT_VERSION,
                                 app=manifest.get("app_version", "?")))
        database = manifest["database"]
        if not isinstance(manifest["members"], dict) or not isinstance(database["tables"], list):
            raise ValueError("members or tables missing")
        for table in database["tables"]:
            if not TABLE_NAME_RE.match(table["name"]) or not isinstance(table["columns"], dict):
                raise ValueError("bad table entry")
        if not isinstance(database["revisions"], list):
            raise ValueError("revisions missing")
    except ArchiveError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveError(_("The archive's manifest.json cannot be read (%(error)s): the "
                             "archive is damaged or not an e-office backup.", error=str(exc))
                           ) from exc
    return manifest


# --- restore ----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    rows: dict[str, int]
    files: int
    revisions: list[str]
    audit: audit.ChainReport | None = None  # the restored chain against the manifest's anchor


def database_has_data(connection, metadata: sa.MetaData) -> list[str]:
    """Tables (other than seeded reference data) that hold rows."""
    busy = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if table.name in REFERENCE_TABLES:
            continue
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            busy.append(table.name)
    return busy


def restore_backup(path: Path, *, replace: bool = False) -> RestoreResult:
    """Check the archive, then replace the database's rows and the attachments with it.

    Raises MaintenanceError (nothing changed) when the archive is damaged, made by a
    newer version, does not fit this database's schema, or the database holds data
    and ``replace`` is False.
    """
    app = current_app._get_current_object()
    upload_root = Path(app.config["UPLOAD_FOLDER"])
    upload_root.mkdir(parents=True, exist_ok=True)
    staging = upload_root / f".restore-{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        archive = check_archive(Path(path), staging)
        manifest = archive.manifest
        script = script_directory()
        wanted = sorted(manifest["database"]["revisions"])
        _check_revisions(script, wanted)
        engine = db.engine
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":  # the write lock from the first statement
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                current = sorted(database_revisions(connection))
                if applied_revisions(script, set(current)) != \
                        applied_revisions(script, set(wanted)):
                    raise MaintenanceError(_revision_advice(script, current, wanted))
                metadata = reflect(connection)
                _check_tables(manifest, metadata)
                busy = database_has_data(connection, metadata)
                if busy and not replace:
                    raise MaintenanceError(_(
                        "The database already holds data (tables: %(tables)s). Restoring "
                        "replaces all of it; run again with --yes to do so.",
                        tables=", ".join(busy[:8]) + (", ..." if len(busy) > 8 else "")))
                with chain.guards_lifted(connection):
                    rows = _replace_rows(connection, metadata, manifest, staging)
                from eoffice.maintenance.derived import build_all

                build_all(connection, log=lambda _message: None)
                anchor = audit.current_anchor(connection) if "audit_head" in metadata.tables \
                    else None
        _move_files_in(archive, upload_root)
        chain.restart_anchor_log(anchor)
        return RestoreResult(rows, len(archive.file_members), wanted,
                             _verify_restored(engine, manifest, metadata))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _verify_restored(engine, manifest: dict, metadata: sa.MetaData) -> audit.ChainReport | None:
    """The restored audit chain, compared with the anchor the backup wrote (a chain
    rewritten before the backup was made is found by older anchors, kept elsewhere)."""
    if "audit_head" not in metadata.tables or \
            "hash_version" not in metadata.tables["audit_events"].columns:
        return None  # a schema before 0009_audit: verified after flask db upgrade
    anchor = manifest_anchor(manifest)
    with engine.connect() as connection:
        return audit.verify_chain([anchor] if anchor else [], connection=connection)


def _check_revisions(script, revisions: list[str]) -> None:
    unknown = []
    for revision in revisions:
        try:
            if script.get_revision(revision) is None:
                unknown.append(revision)
        except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
            unknown.append(revision)
    if unknown:
        raise MaintenanceError(_(
            "The backup was made by a newer version of the application (database revision "
            "%(revisions)s is unknown here). Update the application (cruft update, then "
            "flask db upgrade heads) before restoring it.", revisions=", ".join(unknown)))


def _revision_advice(script, current: list[str], wanted: list[str]) -> str:
    everything = {revision.revision for revision in script.walk_revisions()}
    commands = "flask db upgrade heads" if applied_revisions(script, set(wanted)) == everything \
        else "; ".join(f"flask db upgrade {revision}" for revision in wanted)
    if not current:
        return _("The database has no schema yet. Create it at the backup's revision first "
                 "(%(commands)s), then restore.", commands=commands)
    return _("The backup is at database revision %(wanted)s, the database at %(current)s. "
             "Restore into an empty database created at the backup's revision "
             "(%(commands)s), then run flask db upgrade heads.",
             wanted=" ".join(wanted), current=" ".join(current), commands=commands)


def _check_tables(manifest: dict, metadata: sa.MetaData) -> None:
    archived = {table["name"]: table for table in manifest["database"]["tables"]}
    here = set(metadata.tables)
    for name in sorted(set(archived) ^ here):
        where = _("in the backup only") if name in archived else _("in this database only")
        raise MaintenanceError(_("The backup does not fit this database: table %(name)s is "
                                 "%(where)s. Are all local plugins and their migrations "
                                 "installed?", name=name, where=where))
    for name, table in archived.items():
        columns = {column.name for column in metadata.tables[name].columns}
        if set(table["columns"]) != columns:
            raise MaintenanceError(_("The backup does not fit this database: the columns of "
                                     "table %(name)s differ.", name=name))


def _replace_rows(connection, metadata: sa.MetaData, manifest: dict, staging: Path,
                  ) -> dict[str, int]:
    tables, late = ordered_tables(metadata)
    archived = {table["name"]: table for table in manifest["database"]["tables"]}
    for table in tables:  # break cycles before deleting
        if late.get(table.name):
            connection.execute(table.update().values(dict.fromkeys(late[table.name])))
    for table in reversed(tables):
        connection.execute(table.delete())
    rows: dict[str, int] = {}
    deferred: list[tuple[sa.Table, list[dict]]] = []
    for table in tables:
        entry = archived[table.name]
        kinds: dict[str, str] = entry["columns"]
        late_columns = late.get(table.name, [])
        key = [column.name for column in table.primary_key.columns]
        count, updates = 0, []
        for batch in _batches(_read_rows(staging / entry["member"], kinds)):
            if late_columns and key:
                updates += [{**{f"pk_{k}": row[k] for k in key},
                             **{c: row[c] for c in late_columns}}
                            for row in batch if any(row[c] is not None for c in late_columns)]
                batch = [{**row, **dict.fromkeys(late_columns)} for row in batch]
            connection.execute(table.insert(), batch)
            count += len(batch)
        if count != entry["rows"]:
            raise ArchiveError(_("The archive is damaged: table %(name)s has %(found)d rows, "
                                 "its manifest says %(listed)d.", name=table.name, found=count,
                                 listed=entry["rows"]))
        if updates:
            deferred.append((table, updates))
        rows[table.name] = count
    for table, updates in deferred:
        key = [column.name for column in table.primary_key.columns]
        statement = table.update().where(
            *[table.c[k] == sa.bindparam(f"pk_{k}") for k in key]
        ).values({c: sa.bindparam(c) for c in updates[0] if not c.startswith("pk_")})
        for batch in _batches(updates):
            connection.execute(statement, batch)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, tables)
    return rows


def _read_rows(path: Path, kinds: dict[str, str]) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            yield {name: decode_value(kind, raw.get(name)) for name, kind in kinds.items()}


def _batches(rows: Iterable[dict]) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _reset_sequences(connection, tables: list[sa.Table]) -> None:
    """After explicit ids were inserted, the next id follows the largest one."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = connection.execute(sa.select(sa.func.pg_get_serial_sequence(
                quote(table.name), column.name))).scalar()
            if sequence is None:
                continue
            highest = connection.execute(sa.select(sa.func.max(column))).scalar()
            connection.execute(sa.select(sa.func.setval(
                sequence, highest if highest is not None else 1, highest is not None)))


def _move_files_in(archive: CheckedArchive, upload_root: Path) -> None:
    """After the commit: the archive's attachments in place, any others removed."""
    keep = set()
    for name in archive.file_members:
        relative = name[len("files/"):]
        target = upload_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(archive.staging / name, target)
        keep.add(relative)
    for name, path in stored_files(upload_root):
        if name[len("files/"):] not in keep:
            path.unlink()
