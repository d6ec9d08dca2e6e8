"""Full-text search: what it finds, how it ranks and highlights, and that it never
shows, ranks or counts what the user may not see (narrow and broad plans alike)."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
import sqlalchemy as sa

from tests.helpers import page_text


def found_ids(client, url: str) -> list[int]:
    """Ids of incoming letters in the search results, in their order."""
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if 'id="search-results"' not in body:
        return []
    part = body.split('id="search-results"')[1].split("</ol>")[0]
    return [int(i) for i in re.findall(r'href="/surat-masuk/(\d+)"', part)]


def listed(client, url: str) -> list[int]:
    body = client.get(url).get_data(as_text=True)
    part = body.split('id="letters-table"')[1].split("</table>")[0]
    return [int(i) for i in re.findall(r'href="/surat-masuk/(\d+)"', part)]


@pytest.fixture
def text_pdf(app):
    """A real PDF with a text layer (WeasyPrint), containing the given words."""

    def _make(words: str) -> bytes:
        from weasyprint import HTML

        return HTML(string=f"<p>Lampiran: {words}</p>").write_pdf()

    return _make


@pytest.fixture(params=["narrow", "broad"])
def plan(request, monkeypatch):
    """Run a test with both plans: broad is forced by making every query "match many"."""
    if request.param == "broad":
        from eoffice.search import services

        monkeypatch.setattr(services, "NARROW", 0)
    return request.param


def test_finds_by_subject_sender_numbers_notes_and_partial_words(app, client, login, office,
                                                                register, plan):
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db

    by_subject = register(office, subject="Undangan rapat koordinasi Jembatan Sungai Musi")
    by_sender = register(office, sender="Balai Wilayah Sungai Serayu Opak")
    by_number = register(office, sender_number="005/4471/BAPPEDA/2026")
    by_note = register(office)
    dispose(by_note, DispositionInput(to_positions=[office.kabid_a.id],
                                      note="Koordinasikan dengan Puskesmas Tegalrejo"),
            actor=office.users["kadis"])
    db.session.commit()
    login(office.users["kadis"])
    assert found_ids(client, "/cari/?q=jembatan") == [by_subject.id]
    assert found_ids(client, "/cari/?q=Koordin+musi") == [by_subject.id]  # prefixes, any case
    assert found_ids(client, "/cari/?q=serayu") == [by_sender.id]
    assert found_ids(client, "/cari/?q=4471%2FBAPPEDA") == [by_number.id]
    assert found_ids(client, "/cari/?q=005%2F447") == [by_number.id]  # partial number
    assert found_ids(client, f"/cari/?q={by_number.agenda_number}") == [by_number.id]
    assert found_ids(client, "/cari/?q=tegalrejo") == [by_note.id]
    assert found_ids(client, "/cari/?q=%22sungai+musi%22") == [by_subject.id]  # a phrase
    assert found_ids(client, "/cari/?q=%22musi+sungai%22") == []
    # The letters list searches the same index.
    assert listed(client, "/surat-masuk/?q=serayu") == [by_sender.id]
    assert listed(client, "/surat-masuk/?sender=serayu") == [by_sender.id]
    assert listed(client, "/surat-masuk/?sender=jembatan") == []  # sender only


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_finds_words_inside_attached_pdfs(app, client, login, office, register, text_pdf):
    letter = register(office, uploads=[("scan.pdf", text_pdf("anggaran Kelurahan Wirobrajan"))])
    login(office.users["kadis"])
    assert found_ids(client, "/cari/?q=wirobrajan") == [letter.id]
    page = client.get("/cari/?q=wirobrajan").get_data(as_text=True)
    assert "<mark>Wirobrajan</mark>" in page  # the snippet from the attachment
    from eoffice.extensions import db
    from eoffice.files import StoredFile

    stored = db.session.scalar(sa.select(StoredFile).order_by(StoredFile.id.desc()))
    assert stored.text_status == "done" and "Wirobrajan" in stored.text


def test_the_subject_ranks_above_the_body(app, client, login, office, register):
    in_summary = register(office, subject="Permohonan data", summary="tentang irigasi sawah")
    in_subject = register(office, subject="Laporan irigasi sawah desa")
    login(office.users["kadis"])
    assert found_ids(client, "/cari/?q=irigasi") == [in_subject.id, in_summary.id]


def test_matches_are_highlighted_and_text_escaped(app, client, login, office, register):
    register(office, subject="<script>alert(1)</script> Rapat Banjarnegara")
    login(office.users["kadis"])
    page = client.get("/cari/?q=banjarnegara").get_data(as_text=True)
    assert "<mark>Banjarnegara</mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    listing = client.get("/surat-masuk/?q=banjarnegara").get_data(as_text=True)
    assert "<mark>Banjarnegara</mark>" in listing


def test_nobody_finds_what_they_may_not_see(app, client, login, office, register, api,
                                           make_token, plan):
    """An R letter to the Kabid Aptika, registered by the clerk: the search word is in
    its subject, sender and number. Who may not see it finds nothing anywhere, and no
    count gives it away."""
    secret = register(office, to=[office.kabid_a], security="R", subject="Sandi Wonosari",
                      sender="Wonosari Sejahtera", sender_number="R/999/WONOSARI")
    public = register(office, to=[office.kabid_b], subject="Undangan Wonosari")
    may_see = {"kabid_a", "clerk"}  # the addressee; the clerk who registered it
    for key, user in office.users.items():
        if key == "admin":
            continue
        login(user)
        expected = ({secret.id} if key in may_see else set())
        public_seen = key in {"kabid_b", "kadis", "clerk"}
        if public_seen:
            expected.add(public.id)
        assert set(found_ids(client, "/cari/?q=wonosari")) == expected, key
        assert set(listed(client, "/surat-masuk/?q=wonosari")) == expected, key
        page = page_text(client.get("/cari/?q=wonosari"))
        assert f"{len(expected)} found" in page or (not expected and "Nothing found" in page)
        token = make_token(user)
        answer = api.get("/letters", token, query_string={"q": "wonosari"}).get_json()
        assert {item["id"] for item in answer["items"]} == expected, key
        assert answer["total"] == len(expected)


def test_odd_input_gets_an_answer_not_an_error(app, client, login, office, register):
    register(office, subject="Rapat biasa")
    login(office.users["kadis"])
    for text in ("", "   ", "%00", "rapat%00", "!!!", '"', '""', "*", "a" * 5000, "NEAR(x)",
                 "rapat OR 1=1", "'; DROP TABLE x; --", "%E2%80%8B", "ü", "%F0%9F%93%A8"):
        assert client.get(f"/cari/?q={text}").status_code == 200, text
        assert client.get(f"/surat-masuk/?q={text}").status_code == 200, text
        assert client.get(f"/surat-masuk/?sender={text}").status_code == 200, text
    assert client.get("/cari/?q=rapat&page=99999999999999999999").status_code == 200
    assert client.get("/cari/?q=rapat&jenis=nothing").status_code == 200


def test_the_index_follows_the_transaction(app, office, register):
    """A registration rolled back leaves nothing in the index; a committed one is found."""
    from eoffice.extensions import db
    from eoffice.letters.services import LetterInput, register_letter
    from eoffice.search import services
    from eoffice.search.index import source
    from eoffice.search.text import parse

    query = parse("Karangkobar")
    incoming = source("incoming_letters")
    db.session.begin_nested()
    data = LetterInput(sender="Desa Karangkobar", sender_number="1/2026",
                       letter_date=dt.date.today(), received_date=dt.date.today(),
                       subject="Permohonan", to_positions=[office.kadis.id])
    register_letter(data, actor=office.users["clerk"])
    assert services.match_ids(incoming, query) != []  # seen inside the transaction
    db.session.rollback()
    assert services.match_ids(incoming, query) == []
    kept = register(office, sender="Desa Karangkobar")
    assert services.match_ids(incoming, query) == [kept.id]


def test_reindex_rewrites_the_index(app, office, register):
    from eoffice.extensions import db
    from eoffice.search import services
    from eoffice.search.index import fts_command, source
    from eoffice.search.text import parse

    letter = register(office, subject="Pembangunan Talud Kaliurang")
    incoming = source("incoming_letters")
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        fts_command(connection, incoming.table, "delete-all")
    db.session.execute(incoming.table.delete())
    assert services.match_ids(incoming, parse("kaliurang")) == []
    result = app.test_cli_runner().invoke(args=["eoffice", "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert services.match_ids(incoming, parse("kaliurang")) == [letter.id]


def test_outgoing_letters_are_found_by_their_drafter_not_by_others(app, client, login, office):
    from eoffice.extensions import db
    from eoffice.outgoing.services import DraftInput, create_draft
    from tests.outgoing.conftest import classification_id

    draft = create_draft(DraftInput(
        letter_type="nota_dinas", subject="Nota dinas pengadaan Bengkulu",
        classification_id=classification_id(),
        body_html="<p>Mohon persetujuan.</p>", signer_position_id=office.kadis.id,
        to_positions=[office.kabid_b.id], security="B"), actor=office.users["staf_a"])
    db.session.commit()
    login(office.users["staf_a"])
    page = client.get("/cari/?q=bengkulu").get_data(as_text=True)
    assert f'href="/surat-keluar/{draft.id}"' in page
    login(office.users["kabid_b"])  # an addressee sees nothing before it is sent
    assert f'href="/surat-keluar/{draft.id}"' not in client.get("/cari/?q=bengkulu").get_data(
        as_text=True)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_extract_reads_files_that_failed_and_reindexes_their_letters(app, office, register,
                                                                    text_pdf, monkeypatch):
    """pdftotext missing at upload: the file waits ("failed"); `search extract` reads it
    later and the letter becomes findable by its text."""
    from eoffice import textextract
    from eoffice.extensions import db
    from eoffice.files import StoredFile
    from eoffice.search import services
    from eoffice.search.index import source
    from eoffice.search.text import parse

    real_tool = textextract.tool
    monkeypatch.setattr(textextract, "tool", lambda name: None)
    letter = register(office, uploads=[("scan.pdf", text_pdf("jembatan Kaligawe"))])
    stored = db.session.scalar(sa.select(StoredFile).order_by(StoredFile.id.desc()))
    assert stored.text_status == "failed" and stored.text is None
    assert services.match_ids(source("incoming_letters"), parse("kaligawe")) == []
    monkeypatch.setattr(textextract, "tool", real_tool)
    result = app.test_cli_runner().invoke(args=["eoffice", "search", "extract"])
    assert result.exit_code == 0, result.output
    assert "1 files read, 1 with text; 1 letters reindexed." in result.output
    db.session.expire_all()
    assert db.session.get(StoredFile, stored.id).text_status == "done"
    assert services.match_ids(source("incoming_letters"), parse("kaligawe")) == [letter.id]


def test_scans_wait_for_ocr_only_when_it_is_on(app, office, register, monkeypatch):
    """An image has no text layer: with OCR off it is left alone; with OCR on it waits
    for `search extract`, which reports it failed while tesseract is missing."""
    from eoffice import textextract
    from eoffice.extensions import db
    from eoffice.files import StoredFile
    from tests.letters.conftest import PNG_BYTES

    register(office, uploads=[("foto.png", PNG_BYTES + b"a")])
    stored = db.session.scalar(sa.select(StoredFile).order_by(StoredFile.id.desc()))
    assert stored.text_status == "none"
    monkeypatch.setitem(app.config, "SEARCH_OCR", True)
    register(office, uploads=[("foto.png", PNG_BYTES + b"b")])
    waiting = db.session.scalar(sa.select(StoredFile).order_by(StoredFile.id.desc()))
    assert waiting.text_status == "ocr"
    monkeypatch.setattr(textextract, "tool", lambda name: None)
    result = app.test_cli_runner().invoke(args=["eoffice", "search", "extract"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(StoredFile, waiting.id).text_status == "failed"
    assert db.session.get(StoredFile, stored.id).text_status == "none"
