"""Every download of the app, fetched whole from a real server.

The routes that answer with a file are found by walking the URL map (a view that sends
a stored file, a PDF or a spreadsheet, or a path that ends in a file name); each one
must appear in ``DOWNLOADS`` below, so a new download cannot be added untested. Each is
fetched through werkzeug's threaded server from a database of its own (``tests/live``),
as the person who may fetch it, and its body read to the end: the status, the content
type, the Content-Disposition and the content itself (every staff row, the uploaded
bytes, a PDF up to its %%EOF, a workbook that opens) are checked, so a body that breaks
off after the request has ended shows here even though the test client would not.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.letters.conftest import PDF_BYTES, PNG_BYTES
from tests.live import Browser, Office, Reply, build_office, serve
from tests.maintenance.conftest import SiteFactory
from tests.maintenance.databases import postgres_server_url

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
# What in a view's source (or its path) says it answers with a file.
FILE_MARKERS = ("send_stored(", "send_file(", "pdf_response(", "Content-Disposition",
                'request.args.get("format"')
FILE_PATH = re.compile(r"\.(pdf|csv|xlsx|<any\([^)]*\):\w+>)$|/pdf$")


@dataclass
class Served:
    browser: Callable[[str], Browser]  # username key -> a logged-in browser
    office: Office
    staff_rows: int
    site: object


@pytest.fixture(scope="module", params=KINDS)
def served(request, app_config, tmp_path_factory):
    factory = SiteFactory(app_config, tmp_path_factory.mktemp("downloads"))
    try:
        site = factory(request.param)
        office = build_office(site)
        from eoffice.extensions import db
        from eoffice.staff.models import Staff

        with site.context():
            staff_rows = db.session.scalar(sa.select(sa.func.count()).select_from(Staff))
            db.session.remove()
        with serve(site.app) as server:
            browsers: dict[str, Browser] = {}

            def browser(key: str) -> Browser:
                if key not in browsers:
                    browsers[key] = Browser(server).login(office.users[key])
                return browsers[key]

            yield Served(browser, office, staff_rows, site)
            assert not server.errors, server.errors
    finally:
        factory.close()


# --- what each download must be --------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_pdf(reply: Reply, served: Served) -> None:
    assert reply.body.startswith(b"%PDF-"), reply.body[:40]
    assert reply.body.rstrip().endswith(b"%%EOF"), reply.body[-40:]


def same_as(content: bytes):
    def check(reply: Reply, served: Served) -> None:
        assert sha(reply.body) == sha(content), (len(reply.body), len(content))
    return check


def staff_csv(reply: Reply, served: Served) -> None:
    text = reply.body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:2] == ["nip", "nomor_pppk"]
    assert len(rows) - 1 == served.staff_rows
    names = [row[3] for row in rows[1:]]
    assert names == sorted(names) and "Pegawai Tambahan 01199" in names


def spreadsheet(rows_at_least: int | None = None, header: str | None = None):
    def check(reply: Reply, served: Served) -> None:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(reply.body), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        expected = served.staff_rows + 1 if rows_at_least is None else rows_at_least
        assert len(rows) >= expected, len(rows)
        if header:
            assert rows[0][0] == header, rows[0]
    return check


def agenda_csv(reply: Reply, served: Served) -> None:
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "No. Agenda" and len(rows) == 2, rows  # the registered letter


def berkas_csv(reply: Reply, first: str, rows: int) -> None:
    """The daftar berkas (the served office's one berkas) or its empty daftar isi."""
    lines = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"), newline="")))
    assert lines[0][0] == first and len(lines) == rows, lines


def template_csv(reply: Reply, served: Served) -> None:
    lines = reply.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("nip,") and len(lines) == 2


def shipped_data(name: str):
    """The file shipped in eoffice/data, byte for byte."""
    from eoffice.reference import DATA_DIR

    return same_as((DATA_DIR / name).read_bytes())


def an_image(reply: Reply, served: Served) -> None:
    assert reply.body.startswith((b"<svg", b"<?xml", b"\x89PNG", b"\xff\xd8\xff")), \
        reply.body[:40]


@dataclass
class Download:
    endpoint: str
    who: str  # key of Office.users, or "api" (the Kepala Dinas's token)
    path: Callable[[Office], str]
    mimetype: str
    check: Callable[[Reply, Served], None]
    attachment: bool = True  # Content-Disposition: attachment (else inline or none)


def period(office: Office) -> str:
    return f"date_from={office.dates[0].isoformat()}&date_to={office.dates[1].isoformat()}"


DOWNLOADS = [
    Download("staff.export", "admin", lambda o: "/pegawai/ekspor.csv", "text/csv", staff_csv),
    Download("staff.export", "admin", lambda o: "/pegawai/ekspor.xlsx", XLSX, spreadsheet()),
    Download("staff.export", "kadis", lambda o: "/pegawai/ekspor.csv?q=Tambahan", "text/csv",
             lambda r, s: None),  # the scope and filters: read whole, counted below
    Download("staff.import_template", "admin", lambda o: "/pegawai/templat-impor.csv",
             "text/csv", template_csv),
    Download("letters.attachment", "clerk",
             lambda o: f"/surat-masuk/{o.ids['letter']}/berkas/{o.ids['attachment']}",
             "application/pdf", same_as(PDF_BYTES)),
    Download("letters.attachment", "kadis",
             lambda o: f"/surat-masuk/{o.ids['letter']}/berkas/{o.ids['png_attachment']}"
                       "?inline=1", "image/png", same_as(PNG_BYTES), attachment=False),
    Download("letters.disposition_sheet", "kadis",
             lambda o: f"/surat-masuk/{o.ids['letter']}/lembar-disposisi.pdf",
             "application/pdf", is_pdf, attachment=False),
    Download("letters.agenda", "clerk", lambda o: f"/surat-masuk/agenda?{period(o)}&format=pdf",
             "application/pdf", is_pdf, attachment=False),
    Download("letters.agenda", "clerk", lambda o: f"/surat-masuk/agenda?{period(o)}&format=csv",
             "text/csv", agenda_csv),
    Download("letters.agenda", "clerk",
             lambda o: f"/surat-masuk/agenda?{period(o)}&format=xlsx", XLSX,
             spreadsheet(2, "No. Agenda")),
    Download("dispositions.report_file", "kadis",
             lambda o: f"/disposisi/{o.ids['recipient']}/berkas-laporan", "application/pdf",
             same_as(PDF_BYTES + b"% notulen\n")),
    Download("outgoing.signed_pdf", "staf",
             lambda o: f"/surat-keluar/{o.ids['outgoing']}/surat.pdf", "application/pdf", is_pdf),
    Download("outgoing.attachment", "kabid",
             lambda o: f"/surat-keluar/{o.ids['outgoing']}/berkas/{o.ids['outgoing_attachment']}",
             "application/pdf", same_as(PDF_BYTES + b"% lampiran\n")),
    Download("outgoing.preview", "staf", lambda o: f"/surat-keluar/{o.ids['draft']}/pratinjau.pdf",
             "application/pdf", is_pdf, attachment=False),
    Download("outgoing.expedition", "kadis",
             lambda o: f"/surat-keluar/ekspedisi?{period(o)}&format=pdf", "application/pdf",
             is_pdf, attachment=False),
    Download("outgoing.expedition", "kadis",
             lambda o: f"/surat-keluar/ekspedisi?{period(o)}&format=xlsx", XLSX, spreadsheet(2)),
    Download("exchange.inbound_pdf", "clerk",
             lambda o: f"/pertukaran/masuk/{o.ids['inbound']}/surat.pdf", "application/pdf",
             same_as(PDF_BYTES)),
    Download("api.letter_attachment", "api",
             lambda o: f"/api/v1/letters/{o.ids['letter']}/attachments/{o.ids['attachment']}",
             "application/pdf", same_as(PDF_BYTES)),
    Download("api.outgoing_pdf", "api", lambda o: f"/api/v1/outgoing/{o.ids['outgoing']}/pdf",
             "application/pdf", is_pdf),
    Download("dashboard.logo", "staf", lambda o: "/logo", "image/svg+xml", an_image,
             attachment=False),
    Download("archive.shipped_file", "admin", lambda o: "/admin/klasifikasi/contoh/klasifikasi.csv",
             "text/csv", lambda r, s: shipped_data("klasifikasi_arsip.csv")(r, s)),
    Download("archive.shipped_file", "admin", lambda o: "/admin/klasifikasi/contoh/jra.csv",
             "text/csv", lambda r, s: shipped_data("jra_contoh.csv")(r, s)),
    Download("records.index", "clerk", lambda o: "/pemberkasan/?format=csv", "text/csv",
             lambda r, s: berkas_csv(r, "Nomor Berkas", 2)),
    Download("records.index", "clerk", lambda o: "/pemberkasan/?format=xlsx", XLSX,
             spreadsheet(2, "Nomor Berkas")),
    Download("records.detail", "clerk", lambda o: f"/pemberkasan/{o.ids['berkas']}?format=csv",
             "text/csv", lambda r, s: berkas_csv(r, "No.", 1)),
    Download("records.detail", "clerk",
             lambda o: f"/pemberkasan/{o.ids['berkas']}?format=xlsx", XLSX,
             spreadsheet(1, "No.")),
]


def file_endpoints(app) -> set[str]:
    """GET routes (static files aside) whose view answers with a file."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.split(".")[-1] == "static":
            continue
        try:
            source = inspect.getsource(app.view_functions[rule.endpoint])
        except (OSError, TypeError):
            source = ""
        if FILE_PATH.search(rule.rule) or any(marker in source for marker in FILE_MARKERS):
            found.add(rule.endpoint)
    return found


def test_every_download_is_listed(_session_app):
    """A new route that answers with a file must be added to DOWNLOADS (and so tested)."""
    listed = {d.endpoint for d in DOWNLOADS}
    assert file_endpoints(_session_app) == listed


def fetch(served: Served, download: Download) -> Reply:
    path = download.path(served.office)
    if download.who == "api":
        browser = Browser(served.browser("staf").server)
        return browser.get(path, {"Authorization": f"Bearer {served.office.tokens['kadis']}"})
    return served.browser(download.who).get(path)


def download_id(download: Download) -> str:
    fmt = re.search(r"format=(\w+)|\.(csv|xlsx)$", download.path(SAMPLE))
    return download.endpoint + (f"-{fmt.group(1) or fmt.group(2)}" if fmt else "") + \
        ("-inline" if "inline=1" in download.path(SAMPLE) else "") + \
        ("-filtered" if "?q=" in download.path(SAMPLE) else "")


SAMPLE = Office({}, 0, dict.fromkeys(("letter", "attachment", "png_attachment", "recipient",
                                      "outgoing", "outgoing_attachment", "draft", "inbound",
                                      "berkas"), 1),
                {}, (dt.date(2026, 1, 1), dt.date(2026, 1, 31)))


@pytest.mark.parametrize("download", DOWNLOADS, ids=download_id)
def test_download_is_whole(served, download):
    reply = fetch(served, download)
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert reply.complete, reply.problem
    assert reply.mimetype == download.mimetype, reply.headers.get("Content-Type")
    disposition = reply.headers.get("Content-Disposition") or ""
    if download.attachment:
        assert disposition.startswith("attachment;"), disposition
    download.check(reply, served)


def test_a_filtered_export_holds_exactly_the_matching_rows(served):
    reply = served.browser("kadis").get("/pegawai/ekspor.csv?q=Tambahan")
    assert reply.status == 200 and reply.complete, reply.problem
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"), newline="")))
    assert len(rows) - 1 == served.office.staff_count - 4
    assert all(row[3].startswith("Pegawai Tambahan") for row in rows[1:])

