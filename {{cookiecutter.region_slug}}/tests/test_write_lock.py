"""A slow client never holds the database, and a busy database is a clear 503.

On SQLite one writer at a time holds the database (BEGIN IMMEDIATE). A request must
therefore have its whole body before it asks for the lock: a client that sends its
headers and then dribbles the body (a bad link, or on purpose, on the CSRF-exempt
exchange endpoint that anyone can reach) would otherwise keep every clerk from
registering a letter. Here a real server gets such a request over a real socket while a
clerk registers a letter. And when the database stays busy beyond the timeout, the user
is told to try again (HTTP 503), never shown a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import socket
import sqlite3
import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.live import HOST, Browser, Office, Server, build_office, serve, signed_message
from tests.maintenance.conftest import SiteFactory
from tests.maintenance.databases import postgres_server_url

KINDS = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
BUSY_SECONDS = 1  # how long a write waits for the lock here (production: 15 s)


class SlowClient:
    """Sends a request's head and part of its body, then waits until told to go on."""

    def __init__(self, server: Server, path: str, body: bytes, headers: dict):
        self.body = body
        self.socket = socket.create_connection((HOST, server.port), timeout=30)
        head = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{server.port}",
                f"Content-Length: {len(body)}", "Connection: close",
                *(f"{k}: {v}" for k, v in headers.items())]
        self.socket.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:len(body) // 2])

    def finish(self) -> tuple[int, bytes]:
        self.socket.sendall(self.body[len(self.body) // 2:])
        response = http.client.HTTPResponse(self.socket, method="POST")
        try:
            response.begin()
            return response.status, response.read()
        finally:
            response.close()
            self.socket.close()


@dataclass
class Served:
    server: Server
    office: Office
    site: object


def make_site(kind: str, app_config: dict, folder, **config):
    factory = SiteFactory(app_config | {"SQLITE_BUSY_TIMEOUT_SECONDS": BUSY_SECONDS, **config},
                          folder)
    return factory, factory(kind)


@pytest.fixture(scope="module", params=KINDS)
def served(request, app_config, tmp_path_factory):
    factory, site = make_site(request.param, app_config, tmp_path_factory.mktemp("lock"))
    try:
        office = build_office(site, extra_staff=0)
        with serve(site.app) as server:
            yield Served(server, office, site)
    finally:
        factory.close()


_numbers = iter(range(1000, 100000))


def letter_form(office: Office) -> dict:
    today = dt.date.today()
    return {"sender": "Kementerian Dalam Negeri", "sender_number": f"000.1/{next(_numbers)}/SJ",
            "letter_date": (today - dt.timedelta(days=3)).isoformat(),
            "received_date": today.isoformat(), "subject": "Undangan rapat koordinasi SPBE",
            "summary": "", "security": "B", "speed": "biasa", "physical_attachments": "0",
            "to_positions": [str(office.ids["kadis_position"])]}


def letter_json(office: Office) -> dict:
    return {key: value for key, value in letter_form(office).items()
            if key not in ("summary", "physical_attachments")} | {
        "to_positions": [office.ids["kadis_position"]]}


def slow_request(served: Served, where: str) -> SlowClient:
    if where == "exchange":
        body, headers = signed_message(served.site, name=f"Kota {next(_numbers)}")
        return SlowClient(served.server, "/exchange/v1/messages", body, headers)
    body = json.dumps(letter_json(served.office)).encode()
    return SlowClient(served.server, "/api/v1/letters", body, {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {served.office.tokens['clerk']}"})


def register_letter(browser: Browser, office: Office):
    started = time.monotonic()
    reply = browser.post_form("/surat-masuk/baru", letter_form(office))
    return reply, time.monotonic() - started


@pytest.mark.parametrize("where", ["exchange", "api"])
def test_a_slow_upload_does_not_keep_a_clerk_from_registering(served, where):
    clerk = Browser(served.server).login(served.office.users["clerk"])
    slow = slow_request(served, where)
    try:
        time.sleep(0.3)  # the server has the head and waits for the rest of the body
        reply, seconds = register_letter(clerk, served.office)
    finally:
        status, body = slow.finish()
    assert reply.status == 302, (reply.status, reply.body[:500])
    assert "/surat-masuk/" in reply.headers["Location"]
    assert seconds < BUSY_SECONDS, seconds
    assert status == 201, body[:500]
    assert not served.server.errors, served.server.errors


# --- A database busy beyond the timeout ------------------------------------------------------

@contextlib.contextmanager
def database_held(site):
    """Another process holds the write lock (SQLite) or the counters (PostgreSQL)."""
    if site.kind == "sqlite":
        holder = sqlite3.connect(sa.engine.make_url(site.url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = sa.create_engine(site.url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(sa.text("LOCK TABLE counters IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=KINDS)
def busy_site(request, app_config, tmp_path_factory):
    """A site whose writes give up after BUSY_SECONDS (PostgreSQL: lock_timeout)."""
    extra = {} if request.param == "sqlite" else {"SQLALCHEMY_ENGINE_OPTIONS": {
        "pool_pre_ping": True,
        "connect_args": {"options": f"-c lock_timeout={BUSY_SECONDS * 1000}"}}}
    factory, site = make_site(request.param, app_config, tmp_path_factory.mktemp("busy"),
                              **extra)
    try:
        office = build_office(site, extra_staff=0)
        with serve(site.app) as server:
            yield Served(server, office, site)
    finally:
        factory.close()


def test_a_busy_database_asks_the_user_to_try_again(busy_site):
    served = busy_site
    clerk = Browser(served.server).login(served.office.users["clerk"])
    with database_held(served.site):
        reply, seconds = register_letter(clerk, served.office)
        api = Browser(served.server).request(
            "POST", "/api/v1/letters", json.dumps(letter_json(served.office)).encode(),
            {"Content-Type": "application/json",
             "Authorization": f"Bearer {served.office.tokens['clerk']}"})
    assert reply.status == 503, (reply.status, reply.body[:300])
    assert reply.mimetype == "text/html"
    text = reply.text()
    assert "The database is busy" in text and "try again" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert int(reply.headers["Retry-After"]) > 0
    assert seconds < BUSY_SECONDS + 5
    assert api.status == 503 and json.loads(api.body)["error"] == "busy", api.body[:300]
    assert not served.server.errors, served.server.errors
    again, _seconds = register_letter(clerk, served.office)  # and then it works
    assert again.status == 302, again.body[:300]


def test_a_busy_database_on_the_exchange_endpoint_answers_503(busy_site):
    served = busy_site
    body, headers = signed_message(served.site, name=f"Kota {next(_numbers)}")
    with database_held(served.site):
        reply = Browser(served.server).request("POST", "/exchange/v1/messages", body, headers)
    assert reply.status == 503, (reply.status, reply.body[:300])
    assert json.loads(reply.body)["error"] == "busy"
    assert int(reply.headers["Retry-After"]) > 0
