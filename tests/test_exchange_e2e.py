"""Two regions baked from this template exchange a letter over HTTP, end to end.

Region A (Kabupaten Contoh) and region B (Kota Bau-Bau) are baked with different
answers, each set up with its own SQLite database and demo data, and served on
127.0.0.1 (Flask's server, in a subprocess). Each registers the other as a peer
with the key printed by the other's CLI. Then:

1. A's drafter writes a letter to B's e-office, A's head signs it: it is delivered
   at once and waits in B's inbox as an incoming letter with B's agenda number;
   B's clerk accepts it and A's delivery turns "accepted".
2. Requests crafted with A's key: a replay of a signed request and a tampered
   payload are refused by B.
3. B is stopped: A's next delivery fails and waits; once B is back,
   `flask eoffice exchange run` delivers it, exactly once.

Only loopback addresses are used; every wait is bounded.
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import run_cookiecutter_cli

PASSWORD = "demo-eoffice1"  # noqa: S105 - the demo data's password
SIGNING_PASSPHRASE = "demo-tte-eoffice1"  # noqa: S105 - the demo signatories' (eoffice/demo.py)
REGIONS = {
    "a": {"region_name": "Kabupaten Contoh", "region_code": "33.99"},
    "b": {"region_name": "Kota Bau-Bau", "region_type": "kota", "region_code": "74.72",
          "timezone": "Asia/Makassar", "default_locale": "en"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Region:
    """One baked region: its folder, database, port, server process and CLI."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.url = f"http://127.0.0.1:{port}"
        self.db = folder / "instance" / "e2e.db"
        self.server: subprocess.Popen | None = None
        self.env = {**os.environ, "PYTHONPATH": str(folder), "FLASK_APP": "wsgi:app",
                    "DATABASE_URL": f"sqlite:///{self.db}", "EOFFICE_ENV": "development",
                    "EOFFICE_PUBLIC_BASE_URL": self.url, "PYTHONDONTWRITEBYTECODE": "1",
                    "EOFFICE_EXCHANGE_RETRY_BASE_SECONDS": "1",
                    "EOFFICE_EXCHANGE_TIMEOUT_SECONDS": "5", "NO_PROXY": "127.0.0.1",
                    "SECRET_KEY": hashlib.sha256(str(folder).encode()).hexdigest()}
        for name in ("FLASK_DEBUG", "EOFFICE_INSTANCE_PATH", "EOFFICE_REGION_TOML"):
            self.env.pop(name, None)

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=self.folder,
                                env=self.env, capture_output=True, text=True, timeout=300,
                                check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> None:
        log = (self.folder / "server.log").open("ab")
        self.server = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port",
             str(self.port), "--no-reload"], cwd=self.folder, env=self.env, stdout=log,
            stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health",  # noqa: S310
                                            timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not start:\n" + self.log())

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=20)
        self.server = None

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def count(self, sql: str, *params) -> int:
        with sqlite3.connect(self.db) as connection:
            return connection.execute(sql, params).fetchone()[0]

    def key(self) -> dict:
        return json.loads(self.flask("eoffice", "exchange", "show-key", "--json").stdout)


class Browser:
    """A person in a browser: cookies, CSRF tokens from the pages, forms posted."""

    def __init__(self, region: Region):
        self.region = region
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf, **data}, doseq=True).encode()
        try:
            with self.opener.open(self.region.url + path, data=body, timeout=60) as response:
                text = response.read().decode("utf-8", "replace")
                status, url = response.status, response.url
        except urllib.error.HTTPError as exc:
            text, status, url = exc.read().decode("utf-8", "replace"), exc.code, exc.url
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return status, url, text

    def login(self, username: str) -> Browser:
        self.open("/masuk")
        status, url, _text = self.open("/masuk", {"username": username, "password": PASSWORD})
        assert status == 200 and "/masuk" not in url, f"login of {username} failed"
        self.open("/")  # a fresh CSRF token for the new session
        return self


def api(region: Region, token: str, path: str) -> dict:
    request = urllib.request.Request(region.url + "/api/v1" + path,  # noqa: S310 - loopback
                                     headers={"Authorization": f"Bearer {token}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def post_signed(region: Region, body: bytes, key_id: str, signature: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback http
        region.url + "/exchange/v1/messages", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Eoffice-Key-Id": key_id,
                 "X-Eoffice-Signature": signature})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def draft_and_sign(a: Region, peer_id: str, token: str, subject: str) -> int:
    """A's pegawai drafts a letter to the peer; A's pimpinan signs it. Returns its id."""
    positions = api(a, token, "/org/positions?per_page=100")["items"]
    head = next(p for p in positions if p["name"] == "Kepala Dinas Komunikasi dan Informatika")
    code = api(a, token, "/classifications?q=000.1&per_page=1")["items"][0]
    drafter = Browser(a).login("pegawai")
    status, url, text = drafter.open("/surat-keluar/baru", {
        "letter_type": "biasa", "subject": subject, "classification_id": str(code["id"]),
        "security": "B", "speed": "segera", "peer_to": [peer_id],
        "body_html": "<p>Dengan hormat, kami mengundang Bapak/Ibu.</p>",
        "signer_position_id": str(head["id"])})
    match = re.search(r"/surat-keluar/(\d+)$", url)
    assert status == 200 and match, text[:3000]
    letter_id = int(match.group(1))
    drafter.open(f"/surat-keluar/{letter_id}/ajukan", {})
    signer = Browser(a).login("pimpinan")
    status, _url, text = signer.open(f"/surat-keluar/{letter_id}/tandatangani",
                                     {"passphrase": SIGNING_PASSPHRASE})
    assert status == 200 and 'id="letter-number"' in text, text[:3000]
    return letter_id


def delivery(a: Region, token: str, letter_id: int) -> dict | None:
    deliveries = api(a, token, f"/outgoing/{letter_id}")["deliveries"]
    return deliveries[0] if deliveries else None


@pytest.fixture(scope="module")
def regions(template, cookiecutter_config, tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange-e2e")
    made: dict[str, Region] = {}
    try:
        for name, answers in REGIONS.items():
            out = base / name
            result = run_cookiecutter_cli(template, out, answers, cookiecutter_config)
            assert result.returncode == 0, result.stderr
            folder = next(p for p in out.iterdir() if p.is_dir())
            region = Region(folder, free_port())
            region.flask("db", "upgrade", "heads")
            region.flask("eoffice", "demo")
            made[name] = region
        a, b = made["a"], made["b"]
        key_a, key_b = a.key(), b.key()
        assert key_a["public_key"] != key_b["public_key"]
        a.flask("eoffice", "exchange", "add-peer", "--name", "Kota Bau-Bau", "--url", b.url,
                "--key", key_b["public_key"], "--agency", key_b["agency"])
        b.flask("eoffice", "exchange", "add-peer", "--name", "Kabupaten Contoh", "--url", a.url,
                "--key", key_a["public_key"], "--agency", key_a["agency"])
        a.start()
        b.start()
        yield made
    finally:
        for region in made.values():
            region.stop()


@pytest.fixture(scope="module")
def tokens(regions):
    a = regions["a"]
    out = a.flask("eoffice", "token", "create", "--name", "e2e", "--user", "pegawai").stdout
    peers = a.flask("eoffice", "exchange", "peers").stdout.split()
    return {"pegawai": out.strip().splitlines()[-1], "peer_id": peers[0]}


def test_a_letter_goes_from_a_to_b_and_is_accepted(regions, tokens):
    a, b = regions["a"], regions["b"]
    token = tokens["pegawai"]
    letter_id = draft_and_sign(a, tokens["peer_id"], token, "Undangan rapat koordinasi SPBE")
    sent = wait_for(lambda: (d := delivery(a, token, letter_id)) and d["status"] == "delivered"
                    and d, "A's delivery to B")
    assert sent["attempts"] == 1 and sent["remote_agenda_number"]
    # in B: an incoming letter with B's own agenda number, waiting for a clerk
    assert b.count("SELECT count(*) FROM incoming_letters WHERE status = 'awaiting'") == 1
    clerk = Browser(b).login("pencatat")
    _status, _url, inbox = clerk.open("/pertukaran/")
    assert sent["remote_agenda_number"] in inbox and "Kabupaten Contoh" in inbox
    inbound_id = re.search(r'href="/pertukaran/masuk/(\d+)"', inbox).group(1)
    _status, _url, page = clerk.open(f"/pertukaran/masuk/{inbound_id}")
    kadis = re.search(r'<option value="(\d+)">Kepala Dinas Komunikasi dan Informatika', page)
    status, url, _text = clerk.open(f"/pertukaran/masuk/{inbound_id}/terima",
                                    {"to_positions": [kadis.group(1)]})
    assert status == 200 and "/surat-masuk/" in url
    assert b.count("SELECT count(*) FROM incoming_letters WHERE status = 'registered' "
                   "AND sender_number LIKE '%/2%'") >= 1
    # A sees it accepted, reported back by B's signed receipt
    accepted = wait_for(lambda: (d := delivery(a, token, letter_id)) and
                        d["status"] == "accepted" and d, "B's receipt at A")
    assert accepted["remote_agenda_number"] == sent["remote_agenda_number"]


def test_tampered_and_replayed_requests_are_refused(regions):
    from cryptography.hazmat.primitives import serialization

    a, b = regions["a"], regions["b"]
    key = serialization.load_pem_private_key(
        (a.folder / "instance" / "exchange_ed25519.pem").read_bytes(), password=None)
    key_a, key_b = a.key(), b.key()
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def message(**letter) -> dict:
        return {"version": 1, "type": "letter", "message_id": str(__import__("uuid").uuid4()),
                "nonce": os.urandom(8).hex(), "timestamp": now,
                "from": {"key_id": key_a["key_id"], "agency": key_a["agency"]},
                "to": {"key_id": key_b["key_id"]},
                "letter": {"number": "000.1/999/UJI/2026", "date": now[:10],
                           "subject": "Surat buatan uji", "security": "B", "speed": "biasa",
                           "sha256": hashlib.sha256(pdf).hexdigest(), **letter},
                "pdf": base64.b64encode(pdf).decode()}

    def seal(payload: dict) -> tuple[bytes, str]:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return body, base64.b64encode(key.sign(body)).decode()

    before = b.count("SELECT count(*) FROM incoming_letters")
    body, signature = seal(message())
    assert post_signed(b, body, key_a["key_id"], signature)[0] == 201
    status, answer = post_signed(b, body, key_a["key_id"], signature)  # the same request again
    assert (status, answer["error"]) == (409, "replay")
    tampered = body.replace(b"Surat buatan uji", b"Surat palsu uji!")
    status, answer = post_signed(b, tampered, key_a["key_id"], signature)
    assert (status, answer["error"]) == (401, "bad_signature")
    wrong_pdf, wrong_signature = seal(message(sha256="0" * 64))
    status, answer = post_signed(b, wrong_pdf, key_a["key_id"], wrong_signature)
    assert (status, answer["error"]) == (422, "tampered")
    assert b.count("SELECT count(*) FROM incoming_letters") == before + 1


def test_with_b_down_the_letter_waits_and_arrives_exactly_once(regions, tokens):
    a, b = regions["a"], regions["b"]
    token = tokens["pegawai"]
    received_before = b.count("SELECT count(*) FROM exchange_inbound")
    b.stop()
    letter_id = draft_and_sign(a, tokens["peer_id"], token, "Surat saat server mitra mati")
    failed = wait_for(lambda: (d := delivery(a, token, letter_id)) and d["attempts"] >= 1 and d,
                      "the failed attempt")
    assert failed["status"] == "failed" and failed["next_attempt_at"]
    assert "refused" in (failed["last_error"] or "").lower()
    run = a.flask("eoffice", "exchange", "run", check=False)  # still down: waits again
    assert run.returncode in (0, 3)
    assert delivery(a, token, letter_id)["status"] == "failed"
    b.start()
    time.sleep(4.5)  # past the backoff (base 1 s: 1 s, then 2 s)
    run = a.flask("eoffice", "exchange", "run")
    assert "1 terkirim" in run.stdout, run.stdout
    assert delivery(a, token, letter_id)["status"] == "delivered"
    again = a.flask("eoffice", "exchange", "run")
    assert "0 dicoba" in again.stdout
    a.flask("eoffice", "exchange", "run", "--force")
    subject = "Surat saat server mitra mati"
    assert b.count("SELECT count(*) FROM incoming_letters WHERE subject = ?", subject) == 1
    assert b.count("SELECT count(*) FROM exchange_inbound") == received_before + 1
