"""Interrupted uploads: no stored file without a row, and what a crash leaves is swept.

A worker is really killed (SIGKILL, in a child process) between storing an attachment
and committing its row; half-written temporary files, files of no record and a file
whose commit happened but whose move did not are planted in the folder. Then: what
``flask eoffice files check`` and ``doctor`` report, what ``files sweep`` (and the
nightly ``maintain``) does, and what a backup carries.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from eoffice.config import REGION_ROOT

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
KINDS = ["sqlite", "postgresql"]
DAY = 24 * 3600

KILLED_WORKER = """
import json, os, signal, sys
from eoffice import create_app, files
from eoffice.extensions import db

config, data = json.loads(sys.argv[1]), bytes.fromhex(sys.argv[2])
app = create_app(config)
with app.app_context():
    files.store(files.check_upload("surat.pdf", data))
    db.session.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # the worker dies before the commit
"""


def unique_pdf() -> bytes:
    return PDF + b"% " + secrets.token_hex(16).encode() + b"\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_path(site, digest: str) -> Path:
    return site.instance / "files" / digest[:2] / digest[2:4] / digest


def staging(site) -> list[Path]:
    folder = site.instance / "files" / ".staging"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def age(path: Path, seconds: float) -> Path:
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def store_committed(site, data: bytes) -> str:
    from eoffice import files
    from eoffice.extensions import db

    with site.context():
        stored = files.store(files.check_upload("surat.pdf", data))
        db.session.commit()
        digest = stored.sha256
        db.session.remove()
    return digest


def kill_a_worker_before_its_commit(site, data: bytes) -> None:
    config = {key: site.app.config[key] for key in (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PLUGINS_ENABLED", "BABEL_DEFAULT_LOCALE",
        "TESTING")} | {"INSTANCE_PATH": str(site.instance)}
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, json.dumps(config), data.hex()],
        cwd=REGION_ROOT, env=os.environ | {"PYTHONPATH": str(REGION_ROOT)},
        capture_output=True, timeout=120, check=False)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]


def backup_members(site, tmp_path) -> tuple[object, set[str]]:
    from eoffice.maintenance import services

    with site.context():
        result = services.create_backup(tmp_path / f"cadangan-{secrets.token_hex(4)}.tar.gz")
    with tarfile.open(result.path, "r:gz") as tar:
        return result, {member.name for member in tar.getmembers()}


def cli(site, *args: str):
    from eoffice.extensions import db

    with site.context():
        result = site.app.test_cli_runner().invoke(args=["eoffice", *args])
        db.session.remove()
    return result


def inspect(site, **kwargs):
    from eoffice.extensions import db
    from eoffice.maintenance import storage

    with site.context():
        report = storage.inspect(**kwargs)
        db.session.remove()
    return report


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_killed_before_its_commit_leaves_no_stored_file(make_site, tmp_path, kind):
    site = make_site(kind)
    kept = store_committed(site, unique_pdf())
    lost = unique_pdf()
    kill_a_worker_before_its_commit(site, lost)

    assert not content_path(site, sha(lost)).exists()  # no file without its row
    assert [p.name.split(".")[0] for p in staging(site)] == [sha(lost)]  # only a temporary
    result, members = backup_members(site, tmp_path)
    assert f"files/{kept[:2]}/{kept[2:4]}/{kept}" in members
    assert not any(sha(lost) in name for name in members)
    assert result.skipped == [] and result.missing == []

    report = inspect(site)
    assert report.clean and report.recent_temporary == 1 and report.stored == 1
    assert cli(site, "files", "sweep").exit_code == 0
    assert staging(site) != []  # a day has not passed: it may still be an upload
    age(staging(site)[0], DAY + 60)
    swept = cli(site, "files", "sweep")
    assert swept.exit_code == 0, swept.output
    assert "0 put in place, 1 temporary files removed, 0 files of no record" in swept.output
    assert staging(site) == [] and content_path(site, kept).read_bytes() != b""


def test_left_over_temporary_files_are_reported_then_swept(make_site):
    site = make_site("sqlite")
    root = site.instance / "files"
    digest = sha(unique_pdf())
    (root / ".staging").mkdir(parents=True)
    half = root / ".staging" / f"{digest}.x1y2.part"
    half.write_bytes(PDF[:20])  # killed while writing
    age(half, 3 * DAY)
    legacy = root / "ab" / "cd" / "tmpq8w_3z1e"  # the older code's temporary name
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(PDF[:10])
    age(legacy, 2 * DAY)
    restore = root / ".restore-0123abcd"
    (restore / "database").mkdir(parents=True)
    (restore / "database" / "users.jsonl").write_text("{}\n")
    age(restore, 2 * DAY)
    fresh = root / ".staging" / f"{sha(unique_pdf())}.a1b2.part"
    fresh.write_bytes(PDF)

    checked = cli(site, "files", "check")
    assert checked.exit_code == 1
    assert "3 temporary upload files are older than 24 hours" in checked.output
    swept = cli(site, "files", "sweep")
    assert "3 temporary files removed" in swept.output
    assert not half.exists() and not legacy.exists() and not restore.exists()
    assert fresh.exists()
    assert cli(site, "files", "check").exit_code == 0
    assert cli(site, "files", "sweep", "--older-than", "0").exit_code == 0
    assert not fresh.exists()


def plant_orphan(site, seconds_old: float) -> tuple[Path, bytes]:
    data = unique_pdf()
    path = content_path(site, sha(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return age(path, seconds_old), data


@pytest.mark.parametrize("kind", KINDS)
def test_files_of_no_record_stay_out_of_backups_and_go_to_quarantine(make_site, tmp_path,
                                                                      kind):
    site = make_site(kind)
    kept = store_committed(site, unique_pdf())
    old, old_data = plant_orphan(site, 2 * DAY)
    recent, _data = plant_orphan(site, 60)

    result, members = backup_members(site, tmp_path)
    assert sorted(result.skipped) == sorted(
        "files/" + p.relative_to(site.instance / "files").as_posix() for p in (old, recent))
    assert members >= {f"files/{kept[:2]}/{kept[2:4]}/{kept}"}
    assert not any(old.name in m or recent.name in m for m in members)
    assert result.files == 1
    with tarfile.open(result.path, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["files"] | {"bytes": 0} == {"count": 1, "bytes": 0, "skipped": 2,
                                                "missing": []}

    checked = cli(site, "files", "check")
    assert checked.exit_code == 1
    assert "1 files in" in checked.output and "belong to no record" in checked.output
    assert str(old) in checked.output and str(recent) not in checked.output
    doctor = cli(site, "doctor")
    assert doctor.exit_code == 1 and "belong to no record" in doctor.output

    swept = cli(site, "files", "sweep")
    assert "1 files of no record moved to quarantine" in swept.output
    quarantined = list((site.instance / "files" / ".quarantine").rglob(old.name))
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == old_data
    assert not old.exists() and recent.exists() and content_path(site, kept).exists()
    assert cli(site, "files", "check").exit_code == 0
    assert "OK: every attachment the database refers to is in place (1 files)" in \
        cli(site, "files", "check").output


def test_a_file_committed_but_not_moved_is_put_in_place(make_site, tmp_path, monkeypatch):
    from eoffice import files
    from eoffice.extensions import db

    site = make_site("sqlite")
    data = unique_pdf()

    def full_disk(source, target):
        raise OSError("No space left on device")

    with site.context():
        files.store(files.check_upload("surat.pdf", data))
        monkeypatch.setattr(files.os, "replace", full_disk)
        db.session.commit()
        monkeypatch.undo()
        db.session.remove()
    assert not content_path(site, sha(data)).exists() and len(staging(site)) == 1

    result, members = backup_members(site, tmp_path)
    assert result.missing == [sha(data)]
    doctor = cli(site, "doctor")
    assert doctor.exit_code == 1 and "were never put in place" in doctor.output
    swept = cli(site, "maintain")  # the nightly timer
    assert swept.exit_code == 0, swept.output
    assert "1 put in place" in swept.output
    assert content_path(site, sha(data)).read_bytes() == data and staging(site) == []
    result, members = backup_members(site, tmp_path)
    assert result.missing == [] and f"files/{sha(data)[:2]}/{sha(data)[2:4]}/{sha(data)}" \
        in members


def test_a_missing_attachment_is_reported(make_site, tmp_path):
    site = make_site("sqlite")
    digest = store_committed(site, unique_pdf())
    content_path(site, digest).unlink()
    checked = cli(site, "files", "check")
    assert checked.exit_code == 1
    assert "1 attachments the database refers to are missing" in checked.output
    assert digest in checked.output and "backup" in checked.output
    result, _members = backup_members(site, tmp_path)
    assert result.missing == [digest]
    backup = cli(site, "backup", "--output", str(tmp_path))
    assert backup.exit_code == 0
    assert "1 attachments the database refers to are missing" in backup.output
    assert cli(site, "files", "sweep").exit_code == 1  # nothing to sweep it back from
