"""Attachment storage: type by content, size cap, content-addressed storage, serving."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 32
HTML = b"  <!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16


@pytest.mark.parametrize("name, data, kind", [
    ("surat.pdf", PDF, "pdf"), ("scan.png", PNG, "png"), ("foto.jpg", JPEG, "jpeg"),
    # the name does not matter, only the content does
    ("scan.jpg", PDF, "pdf"), ("tanpa-nama", PNG, "png"), ("SCAN.PDF.exe", JPEG, "jpeg"),
])
def test_allowed_kinds_are_recognised_by_content(app, name, data, kind):
    from eoffice.files import check_upload

    checked = check_upload(name, data)
    assert checked.kind == kind
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.filename == name


@pytest.mark.parametrize("name, data, what", [
    ("scan.pdf", EXE, "a program"),
    ("scan.pdf", ELF, "a program"),
    ("letter.pdf", HTML, "a web page (HTML/XML)"),
    ("gambar.png", SVG, "a web page (HTML/XML)"),
    ("surat.pdf", ZIP, "a ZIP or Office document"),
    ("foto.jpg", GIF, "a GIF image"),
    ("surat.pdf", b"just some text", "an unknown type"),
])
def test_other_content_is_refused_naming_the_file_and_what_it_is(app, name, data, what):
    from eoffice.files import FileRejected, check_upload

    with pytest.raises(FileRejected) as raised:
        check_upload(name, data)
    message = str(raised.value)
    assert message.startswith(name) and what in message
    assert "PDF, PNG, JPG" in message


def test_an_empty_file_is_refused(app):
    from eoffice.files import FileRejected, check_upload

    with pytest.raises(FileRejected, match="kosong.pdf is empty"):
        check_upload("kosong.pdf", b"")


def test_a_path_in_the_name_is_dropped(app):
    from eoffice.files import check_upload

    assert check_upload("../../etc/passwd.pdf", PDF).filename == "passwd.pdf"
    assert check_upload("C:/scan/surat.pdf", PDF).filename == "surat.pdf"


@pytest.mark.parametrize("limit, size, message", [
    (1000, 1001, "besar.pdf is larger than 1000 bytes."),
    (50 * 1024, 50 * 1024 + 1, "besar.pdf is larger than 50 KB."),
    (3 * 1024 * 1024, 3 * 1024 * 1024 + 1, "besar.pdf is larger than 3 MB."),
])
def test_the_size_cap_is_configurable_and_said_plainly(app, monkeypatch, limit, size, message):
    from eoffice.files import FileRejected, check_upload

    monkeypatch.setitem(app.config, "FILE_MAX_BYTES", limit)
    content = PDF + b"0" * (size - len(PDF))
    with pytest.raises(FileRejected) as raised:
        check_upload("besar.pdf", content)
    assert str(raised.value) == message
    assert check_upload("pas.pdf", content[:limit]).kind == "pdf"  # exactly the cap is fine


def test_the_size_cap_comes_from_configuration(tmp_path):
    from eoffice.config import build_config

    toml = tmp_path / "region.toml"
    assert build_config({}, environ={}, region_toml=toml)["FILE_MAX_BYTES"] == 20 * 1024 * 1024
    toml.write_text("[files]\nmax_file_bytes = 2048\n", encoding="utf-8")
    assert build_config({}, environ={}, region_toml=toml)["FILE_MAX_BYTES"] == 2048
    environ = {"EOFFICE_FILE_MAX_BYTES": "4096"}
    assert build_config({}, environ=environ, region_toml=toml)["FILE_MAX_BYTES"] == 4096


def unique_pdf() -> bytes:
    import secrets

    return PDF + b"% " + secrets.token_hex(16).encode() + b"\n"


def staged_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / ".staging"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_files_are_stored_once_by_content_under_the_instance_folder(app):
    from eoffice.extensions import db
    from eoffice.files import StoredFile, check_upload, path_for, read, store

    first = store(check_upload("a.pdf", PDF))
    second = store(check_upload("b.pdf", PDF))  # the same content under another name
    assert first is second
    db.session.commit()
    sha = hashlib.sha256(PDF).hexdigest()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile).where(
        StoredFile.sha256 == sha)) == 1
    path = path_for(sha)
    assert path.read_bytes() == PDF == read(first)
    assert path.parts[-3:] == (sha[:2], sha[2:4], sha)
    instance = Path(app.instance_path).resolve()
    assert path.resolve().is_relative_to(instance)
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())
    assert (first.size, first.kind, first.mimetype, first.extension) == (
        len(PDF), "pdf", "application/pdf", "pdf")
    other = store(check_upload("c.png", PNG))
    db.session.commit()
    assert other.id != first.id and path_for(other.sha256).read_bytes() == PNG
    leftovers = [p for p in path.parent.iterdir() if p.name != sha]
    assert leftovers == []  # written through a temporary file, renamed into place
    assert staged_files(app) == []


def test_a_missing_file_on_disk_is_written_again(app):
    from eoffice.extensions import db
    from eoffice.files import check_upload, path_for, store

    stored = store(check_upload("a.jpg", JPEG))
    db.session.commit()
    path_for(stored.sha256).unlink()
    assert store(check_upload("a.jpg", JPEG)) is stored
    db.session.commit()
    assert path_for(stored.sha256).read_bytes() == JPEG


def test_a_stored_file_is_in_place_only_once_its_row_is_committed(app):
    from eoffice.extensions import db
    from eoffice.files import check_upload, path_for, read, store

    data = unique_pdf()
    stored = store(check_upload("a.pdf", data))
    target = path_for(stored.sha256)
    assert not target.exists()
    staged = staged_files(app)
    assert [p.name.split(".")[0] for p in staged] == [stored.sha256]
    assert staged[0].name.endswith(".part") and staged[0].read_bytes() == data
    assert read(stored) == data  # the transaction that stored it reads it already
    db.session.commit()
    assert target.read_bytes() == data and staged_files(app) == []


def test_a_rollback_leaves_no_file(app):
    """A request that fails after storing (a refused form, a crash before the commit)
    leaves neither a stored file nor a temporary one."""
    from eoffice.extensions import db
    from eoffice.files import check_upload, path_for, store

    data = unique_pdf()
    stored = store(check_upload("a.pdf", data))
    sha = stored.sha256
    db.session.rollback()
    assert not path_for(sha).exists()
    assert staged_files(app) == []


def test_a_session_closed_without_commit_leaves_no_file(app):
    from eoffice.extensions import db
    from eoffice.files import check_upload, path_for, store

    sha = store(check_upload("a.pdf", unique_pdf())).sha256
    db.session.close()
    assert not path_for(sha).exists() and staged_files(app) == []


def test_a_rolled_back_savepoint_removes_only_its_own_files(app):
    from eoffice.extensions import db
    from eoffice.files import check_upload, path_for, store

    kept = store(check_upload("a.pdf", unique_pdf())).sha256
    savepoint = db.session.begin_nested()
    undone = store(check_upload("b.pdf", unique_pdf())).sha256
    savepoint.rollback()
    db.session.commit()
    assert path_for(kept).exists()
    assert not path_for(undone).exists() and staged_files(app) == []


def test_a_file_not_moved_after_the_commit_waits_in_staging(app, monkeypatch, caplog):
    """The commit cannot be undone: when the move fails (a full disk), the file stays
    staged and is logged; the sweeper puts it in place (tests/maintenance)."""
    from eoffice import files
    from eoffice.extensions import db

    def refuse(source, target):
        raise OSError("No space left on device")

    stored = files.store(files.check_upload("a.pdf", unique_pdf()))
    monkeypatch.setattr(files.os, "replace", refuse)
    db.session.commit()
    monkeypatch.undo()
    assert not files.path_for(stored.sha256).exists()
    assert [p.name.split(".")[0] for p in staged_files(app)] == [stored.sha256]
    assert "not moved into place" in caplog.text
    for path in staged_files(app):
        path.unlink()


def test_send_stored_sets_type_disposition_and_nosniff(app):
    from eoffice.extensions import db
    from eoffice.files import check_upload, send_stored, store

    stored = store(check_upload("scan.pdf", PDF))
    db.session.commit()
    with app.test_request_context():
        response = send_stored(stored, "Surat Undangan")
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert 'filename="Surat Undangan.pdf"' in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        response.close()
        inline = send_stored(stored, "scan.pdf", inline=True)
        assert inline.headers["Content-Disposition"].startswith("inline;")
        assert re.search(r'filename="?scan\.pdf"?$', inline.headers["Content-Disposition"])
        inline.close()
