"""``flask eoffice backup`` / ``restore``: round trips between SQLite and PostgreSQL,
refusals of damaged archives, and no half-restored database."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from eoffice.maintenance import services

PDF_A = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PDF_B = b"%PDF-1.7\n% lampiran undangan rapat\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

ROUND_TRIPS = [("sqlite", "sqlite"), ("postgresql", "postgresql"), ("sqlite", "postgresql"),
               ("postgresql", "sqlite")]


# --- helpers ----------------------------------------------------------------------------------


def populate(site) -> dict[str, bytes]:
    """Demo data plus three letters with attachments (one file shared by two letters)."""
    from eoffice.auth.models import User
    from eoffice.demo import load_demo
    from eoffice.extensions import db
    from eoffice.letters.services import LetterInput, register_letter, today_local
    from eoffice.org.models import Position

    with site.context():
        load_demo()
        clerk = db.session.scalar(sa.select(User).where(User.username == "pencatat"))
        head = db.session.scalar(sa.select(Position).where(
            Position.name == "Kepala Dinas Komunikasi dan Informatika"))
        today = today_local()
        for number, uploads in enumerate([[("undangan.pdf", PDF_A)],
                                          [("lampiran.pdf", PDF_B), ("foto.png", PNG)],
                                          [("undangan-ulang.pdf", PDF_A)]], start=1):
            register_letter(LetterInput(
                sender="Kementerian Dalam Negeri", sender_number=f"005/{number}/SJ",
                letter_date=today - dt.timedelta(days=3), received_date=today,
                subject=f"Undangan rapat koordinasi {number}", to_positions=[head.id],
                uploads=uploads), actor=clerk)
            db.session.commit()
        db.session.remove()
    return {"undangan.pdf": PDF_A, "lampiran.pdf": PDF_B, "foto.png": PNG}


def snapshot(site) -> dict[str, list[dict]]:
    """Every row of every table, ordered by primary key."""
    from eoffice.extensions import db

    with site.context(), db.engine.connect() as connection:
        metadata = services.reflect(connection)
        return {name: [dict(row) for row in connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns)).mappings()]
                for name, table in sorted(metadata.tables.items())}


def backup(site, path: Path) -> services.BackupResult:
    with site.context():
        return services.create_backup(path)


def restore(site, path: Path, **kwargs) -> services.RestoreResult:
    with site.context():
        return services.restore_backup(path, **kwargs)


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write_archive(path: Path, content: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(scope="module")
def source(make_module_site):
    """A SQLite site with demo data and letters; shared, so tests only read it."""
    site = make_module_site("sqlite")
    populate(site)
    return site


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory) -> Path:
    return backup(source, tmp_path_factory.mktemp("archive") / "cadangan.tar.gz").path


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(("source_kind", "target_kind"), ROUND_TRIPS,
                         ids=[f"{a}-to-{b}" for a, b in ROUND_TRIPS])
def test_round_trip(make_site, tmp_path, source_kind, target_kind):
    source = make_site(source_kind)  # imports the app's modules in their working order
    from eoffice.audit import verify_chain
    from eoffice.demo import DEMO_PASSWORD
    from eoffice.extensions import db
    from eoffice.letters.models import LetterAttachment
    from eoffice.org.models import Unit

    uploads = populate(source)
    before = snapshot(source)
    result = backup(source, tmp_path / "cadangan.tar.gz")
    assert result.rows == {name: len(rows) for name, rows in before.items()}
    assert result.files == 3  # four attachments, one content shared

    manifest = json.loads(members(result.path)["manifest.json"])
    assert manifest["format"] == "eoffice-backup" and manifest["format_version"] == 1
    assert manifest["database"]["dialect"] == source_kind
    assert manifest["database"]["revisions"]
    assert {t["name"]: t["rows"] for t in manifest["database"]["tables"]} == result.rows
    assert manifest["database"]["tables"][0]["name"] not in ("users", "staff")  # parents first

    target = make_site(target_kind)
    restored = restore(target, result.path)
    assert restored.rows == result.rows and restored.files == 3
    after = snapshot(target)
    assert {n: len(r) for n, r in after.items()} == {n: len(r) for n, r in before.items()}
    for name in ("units", "positions", "staff", "users", "incoming_letters",
                 "letter_attachments", "stored_files", "audit_events", "counters"):
        assert after[name] == before[name], name
    assert after == before

    with target.context():
        chain = verify_chain()
        assert chain.ok and chain.checked == len(before["audit_events"]) > 0
        # New rows get fresh ids (PostgreSQL sequences follow the restored rows).
        db.session.add(Unit(code="BARU", name="Unit Baru Setelah Pemulihan", kind="opd"))
        db.session.commit()
        attachments = db.session.scalars(sa.select(LetterAttachment)).all()
        client = target.app.test_client()
        response = client.post("/masuk", data={"username": "pencatat",
                                               "password": DEMO_PASSWORD})
        assert response.status_code == 302
        for item in attachments:
            response = client.get(f"/surat-masuk/{item.letter_id}/berkas/{item.id}",
                                  buffered=True)
            assert response.status_code == 200, item.filename
            assert response.data == uploads[item.filename.replace("-ulang", "")]
        db.session.remove()


def invoke(site, *args: str):
    """``flask eoffice ...`` as the real CLI runs it (inside the app's context)."""
    with site.context():
        return site.app.test_cli_runner().invoke(args=["eoffice", *args])


def test_cli_backup_and_restore(source, make_site, tmp_path):
    result = invoke(source, "backup", "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("eoffice-*.tar.gz"))
    assert len(written) == 1 and "Backup written" in result.output
    assert written[0].stat().st_mode & 0o077 == 0  # personal data: owner only

    target = make_site("sqlite")
    result = invoke(target, "restore", str(written[0]))
    assert result.exit_code == 0, result.output
    assert "Restored:" in result.output and "3 attachments" in result.output
    # The database now holds data: a second restore needs --yes.
    result = invoke(target, "restore", str(written[0]))
    assert result.exit_code == 1 and "--yes" in result.output
    result = invoke(target, "restore", "--yes", str(written[0]))
    assert result.exit_code == 0, result.output


def test_a_backup_anchors_the_audit_chain(source, archive):
    """The head's HASH:COUNT goes into the manifest and the anchor log."""
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    with source.context():
        head = audit.current_anchor()
        db.session.remove()
        logged = chain.read_anchors()
    assert head is not None and head.count > 0
    manifest = json.loads(members(archive)["manifest.json"])
    assert manifest["audit"] == {"hash": head.hash, "count": head.count}
    assert services.manifest_anchor(services.read_manifest(archive)) == head
    assert head in logged
    lines = (source.instance / "audit-anchors.log").read_text().splitlines()
    assert any(line.endswith(f" {head} backup {archive.name}") for line in lines)


def test_default_backup_path_is_in_the_instance_folder(source):
    with source.context():
        result = services.create_backup()
    assert result.path.parent == source.instance / "backups"
    assert result.path.name.startswith(f"eoffice-{source.app.config['REGION_SLUG']}-")
    assert result.path.name.endswith("Z.tar.gz")


def test_restore_replaces_data_and_attachments(source, archive, make_site):
    from eoffice.extensions import db
    from eoffice.files import path_for
    from eoffice.org.models import Unit

    target = make_site("sqlite")
    with target.context():
        db.session.add(Unit(code="LAMA", name="Unit Lama", kind="opd"))
        db.session.commit()
        stray = path_for("ab" * 32)
        stray.parent.mkdir(parents=True)
        stray.write_bytes(b"old")
        db.session.remove()
    with pytest.raises(services.MaintenanceError, match="already holds data"):
        restore(target, archive)
    restore(target, archive, replace=True)
    after = snapshot(target)
    assert "LAMA" not in {row["code"] for row in after["units"]}
    assert after == snapshot(source)
    assert not stray.exists()


# --- refusals ---------------------------------------------------------------------------------


def refused(site, path: Path, match: str, **kwargs):
    before = snapshot(site)
    with pytest.raises(services.MaintenanceError, match=match):
        restore(site, path, **kwargs)
    assert snapshot(site) == before
    assert not list((site.instance / "files").glob(".restore-*"))


def test_refuses_a_truncated_archive(archive, make_site, tmp_path):
    data = archive.read_bytes()
    truncated = tmp_path / "terpotong.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    refused(make_site("sqlite"), truncated, "damaged or incomplete")


def damaged(data: bytes, how: str) -> bytes:
    """The archive's bytes with one kind of damage (gzip's trailer: CRC-32, then length)."""
    flipped = bytearray(data)
    if how == "last byte cut":
        return data[:-1]
    at = {"CRC byte flipped": len(data) - 6, "length byte flipped": len(data) - 2,
          "byte flipped inside a member": len(data) // 2}[how]
    flipped[at] ^= 0x01
    return bytes(flipped)


DAMAGE = ["last byte cut", "CRC byte flipped", "length byte flipped",
          "byte flipped inside a member"]


@pytest.mark.parametrize("how", DAMAGE)
def test_refuses_a_damaged_archive(archive, make_site, tmp_path, how):
    """tarfile stops at the tar end marker, before gzip's trailer: the trailer is read
    and checked too."""
    path = tmp_path / "rusak.tar.gz"
    path.write_bytes(damaged(archive.read_bytes(), how))
    refused(make_site("sqlite"), path, "damaged")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("how", ["last byte cut", "CRC byte flipped"])
def test_cli_refuses_the_testers_damaged_archives(archive, make_site, tmp_path, kind, how):
    """The two archives a tester restored with exit 0: refused, exit 1, data untouched."""
    target = make_site(kind)
    populate(target)
    before = snapshot(target)
    path = tmp_path / "rusak.tar.gz"
    path.write_bytes(damaged(archive.read_bytes(), how))
    result = invoke(target, "restore", "--yes", str(path))
    assert result.exit_code == 1, result.output
    assert "The archive is damaged or incomplete" in result.output
    assert "Traceback" not in result.output
    assert snapshot(target) == before


def retarred(archive: Path, tail: bytes) -> bytes:
    """The archive's tar stream up to its end marker, then ``tail``, compressed again."""
    raw = gzip.decompress(archive.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r|") as tar:
        for _member in tar:
            pass
        end = tar.offset
    assert raw[end:].count(0) == len(raw) - end >= 1024
    return gzip.compress(raw[:end] + tail)


@pytest.mark.parametrize(("case", "tail"), [
    ("no end marker", b""),
    ("half an end marker", bytes(512)),
    ("data after the end marker", bytes(1024) + b"tambahan"),
])
def test_refuses_an_archive_without_its_tar_end_marker(archive, make_site, tmp_path, case, tail):
    path = tmp_path / "tanpa-akhir.tar.gz"
    path.write_bytes(retarred(archive, tail))
    refused(make_site("sqlite"), path, "tar end marker")


def test_an_archive_with_the_whole_end_marker_restores(archive, make_site, tmp_path):
    path = tmp_path / "utuh.tar.gz"
    path.write_bytes(retarred(archive, bytes(1024)))
    assert restore(make_site("sqlite"), path).files == 3


def test_refuses_a_tampered_member(archive, make_site, tmp_path):
    content = members(archive)
    content["database/staff.jsonl"] = content["database/staff.jsonl"].replace(b'"L"', b'"P"', 1)
    refused(make_site("sqlite"), write_archive(tmp_path / "diubah.tar.gz", content),
            "database/staff.jsonl does not match its checksum")


def test_refuses_a_tampered_attachment(archive, make_site, tmp_path):
    content = members(archive)
    name = next(n for n in content if n.startswith("files/"))
    content[name] = content[name] + b"x"
    refused(make_site("sqlite"), write_archive(tmp_path / "diubah.tar.gz", content),
            "does not match its checksum")


def test_refuses_an_archive_without_manifest(archive, make_site, tmp_path):
    content = members(archive)
    del content["manifest.json"]
    refused(make_site("sqlite"), write_archive(tmp_path / "tanpa.tar.gz", content),
            "no manifest.json")


def test_refuses_an_archive_missing_a_member(archive, make_site, tmp_path):
    content = members(archive)
    del content["database/users.jsonl"]
    refused(make_site("sqlite"), write_archive(tmp_path / "kurang.tar.gz", content),
            "incomplete: database/users.jsonl is missing")


def test_refuses_an_unlisted_member(archive, make_site, tmp_path):
    content = members(archive) | {"database/extra.jsonl": b"{}\n"}
    refused(make_site("sqlite"), write_archive(tmp_path / "lebih.tar.gz", content),
            "does not list")


def test_refuses_an_unknown_format_version(archive, make_site, tmp_path):
    content = members(archive)
    manifest = json.loads(content["manifest.json"])
    manifest["format_version"] = 99
    content["manifest.json"] = json.dumps(manifest).encode()
    refused(make_site("sqlite"), write_archive(tmp_path / "baru.tar.gz", content),
            "format version 99")


def test_refuses_something_else(make_site, tmp_path):
    other = write_archive(tmp_path / "lain.tar.gz", {"etc/passwd": b"root:x:0:0\n"})
    refused(make_site("sqlite"), other, "not an e-office backup")
    not_gzip = tmp_path / "teks.tar.gz"
    not_gzip.write_text("bukan arsip", encoding="utf-8")
    refused(make_site("sqlite"), not_gzip, "damaged or incomplete")


def test_refuses_a_schema_newer_than_this_code(archive, make_site, tmp_path):
    content = members(archive)
    manifest = json.loads(content["manifest.json"])
    manifest["database"]["revisions"] = ["9999_from_the_future"]
    content["manifest.json"] = json.dumps(manifest).encode()
    refused(make_site("sqlite"), write_archive(tmp_path / "masa-depan.tar.gz", content),
            "newer version of the application")


def test_refuses_a_database_without_schema(archive, make_site):
    target = make_site("sqlite", migrate=False)
    with pytest.raises(services.MaintenanceError, match="flask db upgrade heads"):
        restore(target, archive)


def test_refuses_a_database_at_another_revision(archive, make_site):
    from eoffice.maintenance.schema import script_directory

    with make_site("sqlite", migrate=False).context():
        base = [r.revision for r in script_directory().walk_revisions()][-1]
    target = make_site("sqlite", revision=base)
    with pytest.raises(services.MaintenanceError, match="then run flask db upgrade heads"):
        restore(target, archive)


def test_cli_refusal_exits_1_with_a_clear_message(archive, make_site, tmp_path):
    truncated = tmp_path / "terpotong.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:2000])
    result = invoke(make_site("sqlite"), "restore", str(truncated))
    assert result.exit_code == 1
    assert "damaged or incomplete" in result.output and "Traceback" not in result.output


def test_a_failure_midway_leaves_the_database_as_it_was(source, archive, make_site,
                                                         monkeypatch):
    from eoffice.extensions import db
    from eoffice.org.models import Unit

    target = make_site("sqlite")
    with target.context():
        db.session.add(Unit(code="LAMA", name="Unit Lama", kind="opd"))
        db.session.commit()
        db.session.remove()
    real = services._read_rows

    def failing(path, kinds):
        if path.name == "incoming_letters.jsonl":
            raise RuntimeError("disk error halfway")
        return real(path, kinds)

    monkeypatch.setattr(services, "_read_rows", failing)
    before = snapshot(target)
    with pytest.raises(RuntimeError, match="halfway"):
        restore(target, archive, replace=True)
    assert snapshot(target) == before
    assert not (target.instance / "files").exists() or not any(
        (target.instance / "files").rglob("*"))


@pytest.mark.parametrize("kind", ["postgresql"])
def test_a_failure_midway_on_postgresql(source, archive, make_site, monkeypatch, kind):
    target = make_site(kind)
    populate(target)
    before = snapshot(target)
    real = services._read_rows

    def failing(path, kinds):
        if path.name == "letter_attachments.jsonl":
            raise RuntimeError("disk error halfway")
        return real(path, kinds)

    monkeypatch.setattr(services, "_read_rows", failing)
    with pytest.raises(RuntimeError, match="halfway"):
        restore(target, archive, replace=True)
    assert snapshot(target) == before


# --- the rules underneath ---------------------------------------------------------------------


def test_a_freshly_migrated_database_counts_as_empty(app):
    """REFERENCE_TABLES names every table the migrations seed (keep it true)."""
    from eoffice.extensions import db

    connection = db.session.connection()
    assert services.database_has_data(connection, services.reflect(connection)) == []


def test_tables_are_ordered_parents_first_with_cycles_broken_at_nullable_links():
    metadata = sa.MetaData()
    sa.Table("letters", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("parent_id", sa.ForeignKey("letters.id"), nullable=True),
             sa.Column("last_step_id", sa.ForeignKey("steps.id"), nullable=True),
             sa.Column("author_id", sa.ForeignKey("people.id"), nullable=False))
    sa.Table("steps", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("letter_id", sa.ForeignKey("letters.id"), nullable=False))
    sa.Table("people", metadata, sa.Column("id", sa.Integer, primary_key=True))
    tables, late = services.ordered_tables(metadata)
    assert [t.name for t in tables] == ["people", "letters", "steps"]
    assert late == {"letters": ["last_step_id", "parent_id"]}

    strict = sa.MetaData()
    sa.Table("a", strict, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("b_id", sa.ForeignKey("b.id"), nullable=False))
    sa.Table("b", strict, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("a_id", sa.ForeignKey("a.id"), nullable=False))
    with pytest.raises(services.MaintenanceError, match="cycle"):
        services.ordered_tables(strict)


@pytest.mark.parametrize(("kind", "value"), [
    ("datetime", dt.datetime(2026, 1, 2, 3, 4, 5, 678901)),
    ("date", dt.date(2026, 8, 17)),
    ("time", dt.time(7, 30, 15)),
    ("bytes", b"\x00\xffkop surat"),
    ("decimal", decimal.Decimal("1234.50")),
    ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("json", {"nomor": "005/1/SJ", "daftar": [1, 2.5, None, True]}),
    ("boolean", True),
    ("integer", 42),
    ("string", "Kabupaten Toli'toli"),
    ("float", 0.25),
])
def test_values_survive_json(kind, value):
    text = json.dumps(services.encode_value(kind, value))
    assert services.decode_value(kind, json.loads(text)) == value
    assert services.decode_value(kind, services.encode_value(kind, None)) is None
