"""A real WSGI server, real sockets and committed data, for what the test client hides.

Flask's test client runs a request inside the test's own app context and session, and
``buffered=True`` reads a streamed body before the request has ended. A real server
tears the request down first and then sends the body, the way gunicorn does; a body
that still needs the request's database session then fails half-way, and a slow
client holds its worker (and whatever that worker holds) as long as it likes.

- ``Site``: an app with its own database (a SQLite file, or a fresh database on the
  PostgreSQL server of ``TEST_DATABASE_URL``), built by the real migrations; see
  ``tests/maintenance/conftest.py``.
- ``serve(app)``: that app served by werkzeug's threaded server on a free port.
- ``Browser``: a cookie-keeping HTTP client on ``http.client`` that reads every body to
  its end and says so when the connection drops before it.
- ``build_office(site)``: an office, its people and one of everything that can be
  downloaded, made through the services.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.letters.conftest import PDF_BYTES, PNG_BYTES

HOST = "127.0.0.1"
PASSWORD = "rahasia-uji-123"  # noqa: S105 - the test plugin's password


class _QuietHandler(WSGIRequestHandler):
    """No line per request; errors are still logged (and kept by ``serve``)."""

    def log_request(self, code="-", size="-"):
        pass


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class Server:
    url: str
    port: int
    errors: list[str] = field(default_factory=list)  # what the server logged as errors


@contextlib.contextmanager
def serve(app) -> Iterator[Server]:
    """``app`` on werkzeug's threaded server (HTTP/1.1, chunked streaming), stopped after."""
    server = make_server(HOST, 0, app, threaded=True, request_handler=_QuietHandler)
    errors = _Errors()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(errors)
    app.logger.addHandler(errors)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Server(f"http://{HOST}:{server.server_port}", server.server_port, errors.records)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        logger.removeHandler(errors)
        app.logger.removeHandler(errors)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    complete: bool  # False: the connection dropped before the body's end
    problem: str = ""

    @property
    def mimetype(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()

    def text(self) -> str:
        return self.body.decode("utf-8")


class Browser:
    """One user's HTTP client: keeps the session cookie, reads every body whole."""

    def __init__(self, server: Server, timeout: float = 60):
        self.server = server
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> Reply:
        connection = http.client.HTTPConnection(HOST, self.server.port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            chunks, complete, problem = [], True, ""
            try:
                while chunk := response.read(65536):
                    chunks.append(chunk)
            except (http.client.IncompleteRead, ConnectionError) as exc:
                complete, problem = False, f"{type(exc).__name__}: {exc}"
                if isinstance(exc, http.client.IncompleteRead):
                    chunks.append(exc.partial)
            length = response.getheader("Content-Length")
            body_bytes = b"".join(chunks)
            if length is not None and int(length) != len(body_bytes):
                complete, problem = False, f"{len(body_bytes)} of {length} bytes"
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = header.partition("=")
                value = rest.split(";")[0]
                if "expires=thu, 01 jan 1970" in header.lower() or value == "":
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return Reply(response.status, response.headers, body_bytes, complete, problem)
        finally:
            connection.close()

    def get(self, path: str, headers: dict | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username: str, password: str = PASSWORD) -> Browser:
        reply = self.post_form("/masuk", {"username": username, "password": password})
        assert reply.status == 302, (username, reply.status, reply.body[:300])
        return self


# --- An office with one of everything that can be downloaded ---------------------------------


@dataclass
class Office:
    users: dict[str, str]  # key -> username
    staff_count: int
    ids: dict[str, int]  # letter, attachment, recipient, outgoing, ... -> id
    tokens: dict[str, str]  # key of users -> a personal API token (kadis, clerk)
    dates: tuple[dt.date, dt.date]  # agenda / expedition period
    pdf_sha256: str = ""


def _position(unit, name, holder, parent=None, is_head=False, jabatan_type="pelaksana"):
    from eoffice.org.services import save_position

    return save_position(None, name=name, unit_id=unit.id, parent_id=parent.id if parent else None,
                         jabatan_type=jabatan_type, is_head=is_head, holder_id=holder.id)


def build_office(site, extra_staff: int = 1200) -> Office:
    """Units, positions, people and their accounts; ``extra_staff`` more employees (so an
    export spans several batches); an incoming letter with two attachments, a disposition
    with a report file, a signed and sent outgoing letter with an attachment, a letter
    received from another region, and an API token. Everything committed."""
    from eoffice.api.services import create_token
    from eoffice.auth.services import create_user
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db
    from eoffice.letters.services import LetterInput, register_letter, today_local
    from eoffice.org.services import save_unit
    from eoffice.outgoing import services as outgoing
    from eoffice.staff.nip import make_nip
    from eoffice.staff.services import save_staff
    from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE, enrol_test_signer

    with site.context():
        today = today_local()
        dinas = save_unit(None, code="DKI", name="Dinas Kominfo", kind="opd", parent_id=None)
        bidang = save_unit(None, code="APT", name="Bidang Aptika", kind="bidang",
                           parent_id=dinas.id)
        db.session.flush()
        people = {}
        for n, (key, unit) in enumerate([("kadis", dinas), ("clerk", dinas), ("kabid", bidang),
                                         ("staf", bidang)], start=1):
            people[key] = save_staff(None, {
                "name": f"Pegawai {key}", "employment_type": "pns", "unit_id": unit.id,
                "status": "aktif", "golongan_code": "III/a",
                "nip": make_nip(dt.date(1980, n, 1), 2005, n, "L", n)})
        for n in range(extra_staff):
            save_staff(None, {"name": f"Pegawai Tambahan {n:05d}", "employment_type": "non_asn",
                              "unit_id": bidang.id if n % 2 else dinas.id, "status": "aktif",
                              "gender": "P" if n % 3 else "L"})
        db.session.flush()
        kadis = _position(dinas, "Kepala Dinas", people["kadis"], is_head=True,
                          jabatan_type="jpt")
        _position(dinas, "Pengadministrasi Umum", people["clerk"], parent=kadis)
        kabid = _position(bidang, "Kabid Aptika", people["kabid"], parent=kadis, is_head=True)
        _position(bidang, "Pranata Komputer", people["staf"], parent=kabid)
        roles = {"kadis": ["pimpinan", "pegawai"], "clerk": ["pencatat", "pegawai"],
                 "kabid": ["pimpinan", "pegawai"], "staf": ["pegawai"]}
        users = {key: create_user(key, PASSWORD, full_name=people[key].name, roles=roles[key],
                                  staff=people[key]) for key in roles}
        users["admin"] = create_user("admin", PASSWORD, full_name="Admin", roles=["admin"])
        enrol_test_signer(users["kadis"])
        db.session.commit()

        letter = register_letter(LetterInput(
            sender="Kementerian Dalam Negeri", sender_number="000.1/1/SJ",
            letter_date=today - dt.timedelta(days=2), received_date=today,
            subject="Undangan rapat koordinasi SPBE", to_positions=[kadis.id],
            uploads=[("undangan.pdf", PDF_BYTES), ("foto.png", PNG_BYTES)]),
            actor=users["clerk"])
        db.session.commit()
        disposition = dispose(letter, DispositionInput(
            to_positions=[kabid.id], note="Hadiri dan laporkan", due_date=today),
            actor=users["kadis"])
        db.session.commit()
        recipient = disposition.recipients[0]
        report(recipient, "Sudah dihadiri", ("notulen.pdf", PDF_BYTES + b"% notulen\n"), True,
               actor=users["kabid"])
        db.session.commit()

        draft = outgoing.create_draft(outgoing.DraftInput(
            letter_type="biasa", subject="Undangan narasumber", signer_position_id=kadis.id,
            body_html="<p>Dengan hormat, kami mengundang Bapak/Ibu.</p>",
            classification_id=_classification_id("000.1"), security="B", details={},
            to_positions=[kabid.id], cc_positions=[],
            external=[outgoing.ExternalRecipient("Rektor", "Universitas Contoh",
                                                 "Jl. Kampus No. 1")],
            chain=[kabid.id], uploads=[("lampiran.pdf", PDF_BYTES + b"% lampiran\n")]),
            actor=users["staf"])
        db.session.commit()
        outgoing.submit(draft, actor=users["staf"])
        db.session.commit()
        outgoing.approve(draft, actor=users["kabid"])
        db.session.commit()
        outgoing.sign(draft, actor=users["kadis"], passphrase=TEST_SIGNING_PASSPHRASE)
        db.session.commit()
        outgoing.send(draft, [outgoing.Dispatch(r.id, "pos", draft.signed_date, "Resi 1")
                              for r in draft.recipients if not r.is_internal],
                      actor=users["staf"])
        db.session.commit()

        unsigned = outgoing.create_draft(outgoing.DraftInput(
            letter_type="nota_dinas", subject="Permohonan data aplikasi",
            signer_position_id=kadis.id, body_html="<p>Mohon data aplikasi terbaru.</p>",
            classification_id=_classification_id("000.1"), security="B", details={},
            to_positions=[kabid.id], cc_positions=[], external=[], chain=[kabid.id],
            uploads=[]), actor=users["staf"])
        tokens = {key: create_token("personal", "uji", user=users[key]).secret
                  for key in ("kadis", "clerk")}
        db.session.commit()
        from eoffice.archive.filing import open_berkas

        berkas = open_berkas(unit_id=dinas.id, classification_id=_classification_id("000.1"),
                             year=today.year, title="Ketatausahaan", actor=users["clerk"])
        db.session.commit()
        ids = {"letter": letter.id, "attachment": letter.attachments[0].id,
               "png_attachment": letter.attachments[1].id, "recipient": recipient.id,
               "outgoing": draft.id, "outgoing_attachment": draft.attachments[0].id,
               "draft": unsigned.id, "kadis_position": kadis.id, "berkas": berkas.id}
        usernames = {key: user.username for key, user in users.items()}
        db.session.remove()
    ids["inbound"] = receive_from_peer(site)
    return Office(usernames, extra_staff + 4, ids, tokens,
                  (today - dt.timedelta(days=7), today))


def _classification_id(code: str) -> int:
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return db.session.scalar(sa.select(Classification.id).where(Classification.code == code))


def receive_from_peer(site) -> int:
    """A letter another region's app sends here, through the exchange service; its id."""
    from eoffice.exchange import services as exchange
    from eoffice.exchange.models import InboundLetter
    from eoffice.extensions import db
    from tests.exchange.conftest import FakePeer

    with site.context():
        peer = FakePeer(site.app)
        body, headers = peer.seal(peer.letter())
        outcome = exchange.receive(body, headers)
        assert outcome.status == 201, outcome.body
        inbound_id = db.session.scalar(sa.select(sa.func.max(InboundLetter.id)))
        db.session.remove()
    return inbound_id


def signed_message(site, name: str = "Kota Kendari") -> tuple[bytes, dict]:
    """A signed letter from a newly registered peer, to POST to /exchange/v1/messages."""
    from eoffice.extensions import db
    from tests.exchange.conftest import FakePeer

    with site.context():
        peer = FakePeer(site.app, name=name)
        sealed = peer.seal(peer.letter())
        db.session.remove()
    return sealed


def json_body(reply: Reply) -> dict:
    return json.loads(reply.body)
