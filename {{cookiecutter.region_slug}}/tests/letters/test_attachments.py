"""Scanned files of a letter over HTTP: refused by content, capped, stored once, served safely."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.letters.conftest import (
    EXE_BYTES,
    HTML_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    letter_count,
    letter_form,
)


def _stored_count() -> int:
    from eoffice.extensions import db
    from eoffice.files import StoredFile

    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))


def _files_on_disk(app) -> set[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize("name, content, what", [
    ("scan.pdf", EXE_BYTES, "a program"),
    ("letter.pdf", HTML_BYTES, "a web page (HTML/XML)"),
])
def test_a_disguised_file_is_refused_and_nothing_saved(app, client, login, office, name,
                                                       content, what):
    login(office.users["clerk"])
    on_disk = _files_on_disk(app)
    response = client.post("/surat-masuk/baru", data=letter_form(office, files=[
        (io.BytesIO(PDF_BYTES), "asli.pdf"), (io.BytesIO(content), name)]),
        content_type="multipart/form-data")
    page = page_text(response)
    assert response.status_code == 200
    assert f"{name} is refused: its content is {what}, not PDF, PNG, JPG." in page
    assert "Nothing was saved" in page
    assert letter_count() == 0 and _stored_count() == 0
    assert _files_on_disk(app) == on_disk  # not even the good file was written


def test_pdf_png_and_jpg_are_accepted(client, login, office):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    login(office.users["clerk"])
    response = client.post("/surat-masuk/baru", data=letter_form(office, files=[
        (io.BytesIO(PDF_BYTES), "surat.pdf"), (io.BytesIO(PNG_BYTES), "hal2.png"),
        (io.BytesIO(JPEG_BYTES), "hal3.jpg")]), content_type="multipart/form-data")
    assert response.status_code == 302
    letter = db.session.scalar(sa.select(IncomingLetter))
    assert [(a.filename, a.file.kind) for a in letter.attachments] == [
        ("surat.pdf", "pdf"), ("hal2.png", "png"), ("hal3.jpg", "jpeg")]


def test_a_file_over_the_cap_is_refused(app, client, login, office, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_MAX_BYTES", 200)
    login(office.users["clerk"])
    big = PDF_BYTES + b"0" * 200
    response = client.post("/surat-masuk/baru", data=letter_form(office, files=[
        (io.BytesIO(big), "besar.pdf")]), content_type="multipart/form-data")
    assert response.status_code == 200
    assert "besar.pdf is larger than 200 bytes." in page_text(response)
    assert letter_count() == 0 and _stored_count() == 0


def test_the_same_scan_twice_is_stored_once(app, office, register):
    from eoffice.files import path_for

    first = register(office, uploads=[("surat.pdf", PDF_BYTES)])
    second = register(office, uploads=[("salinan.pdf", PDF_BYTES)])
    assert first.attachments[0].file_id == second.attachments[0].file_id
    assert _stored_count() == 1
    path = path_for(first.attachments[0].file.sha256)
    assert path.is_relative_to(Path(app.instance_path))
    assert not path.is_relative_to(Path(app.static_folder))


def test_files_are_served_only_through_the_letter(app, client, login, office, register):
    letter = register(office, uploads=[("surat masuk.pdf", PDF_BYTES),
                                       ("foto.png", PNG_BYTES)])
    pdf, png = letter.attachments
    login(office.users["kadis"])
    response = client.get(f"/surat-masuk/{letter.id}/berkas/{pdf.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "surat masuk.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    inline = client.get(f"/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1")
    assert inline.status_code == 200 and inline.data == PDF_BYTES
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    image = client.get(f"/surat-masuk/{letter.id}/berkas/{png.id}")
    assert image.mimetype == "image/png" and image.data == PNG_BYTES
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert f'src="/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1"' in page  # PDF preview
    # nothing under static/ or any other URL gives the stored file out
    sha = pdf.file.sha256
    for url in (f"/static/{sha}", f"/static/files/{sha[:2]}/{sha[2:4]}/{sha}",
                f"/files/{sha[:2]}/{sha[2:4]}/{sha}", f"/instance/files/{sha}"):
        assert client.get(url).status_code == 404


def test_an_attachment_of_another_letter_is_not_found(client, login, office, register):
    mine = register(office, uploads=[("a.pdf", PDF_BYTES)])
    other = register(office, uploads=[("b.png", PNG_BYTES)])
    login(office.users["kadis"])  # may see both letters
    url = f"/surat-masuk/{mine.id}/berkas/{other.attachments[0].id}"
    assert client.get(url).status_code == 404
    assert client.get(url + "?inline=1").status_code == 404
    assert client.get(f"/surat-masuk/{mine.id}/berkas/999999").status_code == 404
    assert client.get(f"/surat-masuk/999999/berkas/{mine.attachments[0].id}").status_code == 404


def test_the_scan_viewer_on_the_letter_and_beside_the_disposition_form(client, login, office,
                                                                      register):
    """On a desk the scan is shown inline (a PDF in a frame, an image as it is); on a
    phone, where a PDF frame stays an empty box, the letter page gives a link to open
    each scan and a thumbnail of each image. The disposition form shows the scan beside
    it on a desk. Someone who may not see the letter gets neither page nor file."""
    letter = register(office, uploads=[("surat.pdf", PDF_BYTES), ("hal2.png", PNG_BYTES)])
    pdf, png = letter.attachments
    login(office.users["kadis"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    viewer = page.split('id="scan-viewer"', 1)[1].split("</section>", 1)[0]
    assert f'src="/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1"' in viewer
    phone = viewer.split('id="scan-links"', 1)[1]
    assert f'href="/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1"' in phone
    assert f'src="/surat-masuk/{letter.id}/berkas/{png.id}?inline=1"' in phone  # thumbnail
    assert "Open the scan" in phone
    form = page_text(client.get(f"/disposisi/surat/{letter.id}/baru"))
    assert 'id="scan-viewer"' in form
    assert f'src="/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1"' in form
    login(office.users["other_head"])  # another office: may not see this letter
    assert client.get(f"/disposisi/surat/{letter.id}/baru").status_code == 404
    assert client.get(f"/surat-masuk/{letter.id}/berkas/{pdf.id}?inline=1").status_code == 404


def test_a_letter_without_a_scan_has_no_empty_viewer(client, login, office, register):
    letter = register(office)
    login(office.users["kadis"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert 'id="scan-viewer"' not in page and "<iframe" not in page
    assert 'id="scan-viewer"' not in page_text(client.get(f"/disposisi/surat/{letter.id}/baru"))
