"""The record of the core's files, and the check that finds local edits (drift).

At generation and at every ``cruft update`` the template's post hook writes
``.eoffice-core.json`` in the region's folder: the core version and the SHA-256 of
every file under ``eoffice/`` and ``migrations/``. ``flask eoffice doctor`` hashes
the same files again and lists what was added, changed or is missing.

The record holds no date, path or secret, one file per line in a fixed order, so
the record written by an update differs from the old one only where the core
changed, and ``cruft update`` applies it like any other file.

Standard library only: the post hook loads this file by its path, without importing
the application (whose dependencies cookiecutter's environment may lack).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

RECORD_NAME = ".eoffice-core.json"
RECORD_FORMAT = 1
CORE_FOLDERS = ("eoffice", "migrations")
# Made by running or testing the app, never part of the core.
IGNORED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache",
                          ".hypothesis"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def iter_core_files(root: Path) -> Iterator[str]:
    """Paths (relative, with /) of the core's files under ``root``, sorted."""
    found = []
    for folder in CORE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            relative = path.relative_to(root)
            if any(part in IGNORED_DIRS for part in relative.parts):
                continue
            if path.suffix in IGNORED_SUFFIXES or not path.is_file():
                continue
            found.append(relative.as_posix())
    yield from sorted(found)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def core_hashes(root: Path) -> dict[str, str]:
    return {name: file_sha256(root / name) for name in iter_core_files(root)}


def read_version(root: Path) -> str:
    """``__version__`` of ``eoffice/version.py``, read without importing it."""
    path = root / "eoffice" / "version.py"
    match = VERSION_RE.search(path.read_text(encoding="utf-8")) if path.is_file() else None
    return match.group(1) if match else "unknown"


def build_record(root: Path) -> dict:
    return {"format": RECORD_FORMAT, "version": read_version(root), "files": core_hashes(root)}


def render_record(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_record(root: Path) -> bool:
    """Write ``.eoffice-core.json`` for the files now in ``root``; True when it changed."""
    path = root / RECORD_NAME
    text = render_record(build_record(root))
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def load_record(root: Path) -> dict | None:
    """The record, or None when it is missing or unreadable."""
    path = root / RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
        return None
    return record


@dataclass
class Drift:
    """How the core in a region differs from the record of generation or update."""

    recorded_version: str
    version: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def clean(self) -> bool:
        return not (self.added or self.changed or self.missing) \
            and self.recorded_version == self.version


def compare(root: Path, record: dict) -> Drift:
    recorded: dict[str, str] = record["files"]
    current = core_hashes(root)
    return Drift(
        recorded_version=str(record.get("version", "unknown")),
        version=read_version(root),
        added=sorted(set(current) - set(recorded)),
        changed=sorted(name for name in current.keys() & recorded.keys()
                       if current[name] != recorded[name]),
        missing=sorted(set(recorded) - set(current)),
        checked=len(current),
    )
