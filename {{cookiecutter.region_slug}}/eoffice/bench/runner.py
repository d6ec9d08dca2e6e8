"""Time the daily pages of a seeded benchmark database, under gunicorn as deployed.

``run_benchmark(url, options)`` starts ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``
from the region's folder on a free loopback port, with the benchmark's database, a
fresh SECRET_KEY, cookies allowed over plain http and the bare route on
(``BENCHMARK_ROUTE``); workers are not recycled unless ``max_requests`` says so. It
logs in as the four personas of ``eoffice.bench.org`` through the real login form
(CSRF on), asks for every page once per worker (so that no timed request is a
worker's first), then for each persona and each page of ``PAGES`` sends ``warmup``
requests and ``requests`` timed ones, one after the other: p50 and p95 in
milliseconds, and the status (anything but 200 is an error).
Then the throughput: ``concurrency`` client threads for ``duration`` seconds on the
letter list (as the head of the office), then on the bare route; the ratio of the two.

Timings are reported against ``TARGETS_MS``; they fail the command only with
``--strict``. A page marked ``optional`` that answers 404 is "not available".
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import click
import sqlalchemy as sa

from eoffice.bench import org as org_plan
from eoffice.bench import target
from eoffice.bench import vocabulary as words
from eoffice.bench.seed import BENCH_PASSWORD
from eoffice.config import REGION_ROOT


@dataclass(frozen=True)
class Page:
    """A page to time. ``url`` may hold {cursor} (the letter list about five years
    back), {letter_id} (a letter the persona may see), {rare} and {common} (the
    search words); ``target`` is a key of TARGETS_MS (None: no target)."""

    name: str
    url: str
    target: str | None
    optional: bool = False  # a 404 means "not available here", not an error


# The pages, in the order they are timed. Adjust here.
PAGES = (
    Page("dashboard", "/", "list"),
    Page("letters", "/surat-masuk/", "list"),
    Page("letters, 5 years back", "/surat-masuk/?cursor={cursor}", "list"),
    Page("letters to read", "/surat-masuk/?antrian=to_read", "list"),
    Page("dispositions", "/disposisi/", "list"),
    Page("letter detail", "/surat-masuk/{letter_id}", None),
    Page("search narrow", "/surat-masuk/?q={rare}", "narrow"),
    Page("search broad", "/surat-masuk/?q={common}", "broad"),
    Page("global search narrow", "/cari/?q={rare}", "narrow", optional=True),
    Page("global search broad", "/cari/?q={common}", "broad", optional=True),
    Page("outgoing letters", "/surat-keluar/", "list"),
)
TARGETS_MS = {"list": 50, "narrow": 100, "broad": 300}  # p95
THROUGHPUT_PAGE = "/surat-masuk/"
BARE_PAGE = "/_bench/ok"
THROUGHPUT_TARGET = 0.5  # letter list requests/s over bare route requests/s
YEARS_BACK = 5


@dataclass
class RunOptions:
    requests: int = 30
    warmup: int = 3
    concurrency: int = 8
    duration: float = 10.0
    workers: int | None = None
    json_path: str | None = None
    max_requests: int = 0  # gunicorn's worker recycling (0: off; the deployment: 1000)


@dataclass
class PageResult:
    page: str
    persona: str
    url: str
    target_ms: int | None
    samples: list[float] = field(default_factory=list)
    status: int | None = None
    error: str | None = None
    available: bool = True

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if not self.available:
            return "n/a"
        if self.target_ms is None or self.p95 is None:
            return "-"
        return "PASS" if self.p95 <= self.target_ms else "FAIL"

    def as_dict(self) -> dict:
        return {"page": self.page, "persona": self.persona, "url": self.url,
                "p50_ms": _round(self.p50), "p95_ms": _round(self.p95),
                "target_p95_ms": self.target_ms, "status": self.status,
                "requests": len(self.samples), "result": self.verdict, "error": self.error}


@dataclass
class Throughput:
    name: str
    url: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Report:
    pages: list[PageResult] = field(default_factory=list)
    throughput: list[Throughput] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if len(self.throughput) < 2 or not self.throughput[1].per_second:
            return None
        return self.throughput[0].per_second / self.throughput[1].per_second

    @property
    def built_ratio(self) -> float | None:
        """The list built on every request (as after any write) against the bare route."""
        if len(self.throughput) < 3 or not self.throughput[1].per_second:
            return None
        return self.throughput[2].per_second / self.throughput[1].per_second

    @property
    def failed(self) -> bool:
        """A page or login answered wrongly (never a timing)."""
        return bool(self.errors) or any(r.error for r in self.pages) or any(
            t.errors for t in self.throughput)

    @property
    def missed(self) -> bool:
        """A timing target was missed."""
        return any(r.verdict == "FAIL" for r in self.pages) or (
            self.ratio is not None and self.ratio < THROUGHPUT_TARGET)

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.failed or (strict and self.missed) else 0

    def as_dict(self) -> dict:
        return {"info": self.info, "pages": [r.as_dict() for r in self.pages],
                "throughput": [{"name": t.name, "url": t.url, "requests": t.requests,
                                "errors": t.errors, "seconds": round(t.seconds, 2),
                                "per_second": round(t.per_second, 1)} for t in self.throughput],
                "ratio": None if self.ratio is None else round(self.ratio, 3),
                "built_ratio": _round3(self.built_ratio),
                "targets": {"p95_ms": TARGETS_MS, "ratio": THROUGHPUT_TARGET},
                "errors": self.errors, "failed": self.failed, "missed": self.missed}


def _round3(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- A small HTTP client with cookies ------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One keep-alive connection (opened again when the server closes it, as gunicorn's
    sync workers do after each answer) and a cookie jar."""

    def __init__(self, host: str, port: int, timeout: float = 120.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: dict | None = None,
                cookies: bool = True) -> Answer:
        headers = {"Accept": "text/html", "Accept-Encoding": "identity"}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=self.timeout)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # a kept-alive connection the server had closed meanwhile
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            if cookies:
                self._remember(response.headers.get_all("Set-Cookie") or [])
            return Answer(response.status, response.headers, content)
        raise AssertionError("unreachable")

    def _remember(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in (morsel["expires"] or ""):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def login(self, username: str, password: str) -> None:
        """Through the login form, as a browser: its CSRF token, then the POST."""
        page = self.request("GET", "/masuk")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
        if page.status != 200 or not found:
            raise RuntimeError(f"GET /masuk answered {page.status} without a CSRF token")
        answer = self.request("POST", "/masuk", {"csrf_token": found.group(1),
                                                 "username": username, "password": password})
        location = answer.headers.get("Location", "")
        if answer.status != 302 or "/masuk" in location:
            raise RuntimeError(f"login as {username} failed (HTTP {answer.status})")


# --- The server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the region's deploy/gunicorn.conf.py, on the benchmark's database."""

    def __init__(self, url: str, workers: int | None, log_path: Path, max_requests: int = 0):
        self.url, self.workers, self.log_path = url, workers, log_path
        self.max_requests = max_requests
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._log = None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FLASK_", "WERKZEUG_"))}
        env.update({
            "EOFFICE_BIND": f"127.0.0.1:{self.port}",
            "DATABASE_URL": self.url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "EOFFICE_ENV": "production",
            "EOFFICE_SECURE_COOKIES": "false",  # plain http on loopback
            "EOFFICE_BENCHMARK_ROUTE": "true",
            # No uploaded file is seeded: the region's instance/ stays untouched.
            "EOFFICE_INSTANCE_PATH": str(self.log_path.parent / "instance"),
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        if self.workers:
            env["EOFFICE_WORKERS"] = str(self.workers)
        return env

    def start(self, timeout: float = 120.0) -> None:
        self._log = self.log_path.open("wb")
        # deploy/gunicorn.conf.py as it is, but for the recycling of workers after about
        # 1,000 requests: at benchmark rates it restarts every worker every few seconds
        # and the figures would mostly time the app's start-up (--max-requests to keep it).
        command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                   "--max-requests", str(self.max_requests), "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=REGION_ROOT,  # noqa: S603 - fixed command
                                        env=self.environment(), stdout=self._log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise click.ClickException(f"gunicorn stopped (exit {self.process.returncode}):\n"
                                           + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                client = Client("127.0.0.1", self.port, timeout=30)
                if client.request("GET", "/masuk").status == 200:
                    client.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise click.ClickException(f"gunicorn did not answer within {timeout:.0f} s:\n"
                                   + self.log_tail())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def worker_count(self) -> int | None:
        """Workers gunicorn started (from its log)."""
        try:
            return self.log_path.read_text("utf-8", "replace").count("Booting worker with pid")
        except OSError:
            return None


# --- Measuring ----------------------------------------------------------------------------

def facts(url: str) -> dict:
    """What the pages need from the database: the cursor of the letter list about five
    years back, the number of letters."""
    from types import SimpleNamespace

    from eoffice import paging
    from eoffice.letters.models import IncomingLetter

    letter = IncomingLetter.__table__.c  # the table's columns: no mapper needed
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            letters = connection.scalar(sa.select(sa.func.count(letter.id))) or 0
            latest = connection.scalar(sa.select(sa.func.max(letter.received_date)))
            outgoing = connection.scalar(sa.text("SELECT count(*) FROM outgoing_letters"))
            dispositions = connection.scalar(sa.text("SELECT count(*) FROM dispositions"))
            row = None
            if latest is not None:
                back = latest - dt.timedelta(days=round(365.25 * YEARS_BACK))
                row = connection.execute(
                    sa.select(letter.received_date, letter.id)
                    .where(letter.received_date <= back)
                    .order_by(letter.received_date.desc(), letter.id.desc()).limit(1)).first()
                if row is None:  # fewer years than that: the oldest letter
                    row = connection.execute(
                        sa.select(letter.received_date, letter.id)
                        .order_by(letter.received_date, letter.id).limit(1)).first()
    finally:
        engine.dispose()
    cursor = ""
    if row is not None:
        # The list's own key when it has one (eoffice.letters.services.letter_key).
        from eoffice.letters import services

        key_of = getattr(services, "letter_key", None)
        item = SimpleNamespace(received_date=row[0], id=row[1])
        key = key_of(item) if key_of else (row[0], row[1])
        cursor = paging.encode_cursor(key, True)
    return {"letters": letters, "dispositions": dispositions, "outgoing": outgoing,
            "cursor": cursor, "cursor_date": row[0].isoformat() if row else None}


def first_letter_id(client: Client) -> int | None:
    """A letter the logged-in persona may see: the first of their letter list."""
    answer = client.request("GET", "/surat-masuk/")
    found = re.search(r'href="/surat-masuk/(\d+)"', answer.text)
    return int(found.group(1)) if found else None


def built_each_time(url: str, n: int) -> str:
    """``url`` made unique with a parameter no page reads: the page cache
    (eoffice/pagecache.py) never has it, so the page is built as after any write."""
    return f"{url}{'&' if '?' in url else '?'}_={n}"


def time_page(client: Client, result: PageResult, warmup: int, requests: int,
              optional: bool = False) -> None:
    """Each request built anew (``built_each_time``): the figures are the queries and
    the rendering, not the page cache."""
    for i in range(warmup + requests):
        started = time.perf_counter()
        answer = client.request("GET", built_each_time(result.url, i))
        elapsed = (time.perf_counter() - started) * 1000
        if i == 0 and answer.status == 404 and optional:
            result.available, result.status = False, 404
            return
        if answer.status != 200:
            result.status = answer.status
            result.error = f"HTTP {answer.status}"
            return
        result.status = 200
        if i >= warmup:
            result.samples.append(elapsed)


def throughput(name: str, port: int, path: str, cookies: dict[str, str], threads: int,
               seconds: float, unique: bool = False) -> Throughput:
    """``threads`` clients asking for ``path`` as fast as they can for ``seconds``;
    answers that arrive after that are not counted. ``unique``: each request a URL of
    its own (``built_each_time``), so that no page comes from the page cache."""
    result = Throughput(name, path)
    numbers = itertools.count()
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def work() -> None:
        client = Client("127.0.0.1", port, timeout=60)
        client.cookies = dict(cookies)
        done = bad = 0
        ready.wait()
        while time.perf_counter() < stop_at[0]:
            try:
                url = built_each_time(path, next(numbers)) if unique else path
                answer = client.request("GET", url, cookies=bool(cookies))
            except OSError:
                bad += 1
                client.close()
                continue
            if time.perf_counter() > stop_at[0]:
                break
            if answer.status == 200:
                done += 1
            else:
                bad += 1
        client.close()
        with lock:
            result.requests += done
            result.errors += bad

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    ready.wait()
    for worker in workers:
        worker.join()
    result.seconds = seconds
    return result


def run_benchmark(url: str, options: RunOptions, echo=click.echo) -> Report:
    """Start the server, time every page for every persona, measure the throughput,
    print the report (and write the JSON file when asked)."""
    target.require_bench(url)
    report = Report()
    report.info = {"database": sa.engine.make_url(url).get_backend_name(), **facts(url),
                   "requests": options.requests, "warmup": options.warmup,
                   "concurrency": options.concurrency, "duration": options.duration,
                   "max_requests": options.max_requests,
                   "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    values = {"cursor": report.info["cursor"], "rare": words.RARE_WORD.lower(),
              "common": words.COMMON_WORD}
    with tempfile.TemporaryDirectory(prefix="eoffice-bench-") as folder:
        server = Server(url, options.workers, Path(folder) / "gunicorn.log",
                        options.max_requests)
        echo(f"Starting gunicorn on 127.0.0.1:{server.port} "
             f"({report.info['letters']:,} letters, {report.info['database']}) ...")
        server.start()
        try:
            report.info["workers"] = server.worker_count()
            clients = _log_in(server.port, report, echo)
            _time_pages(server.port, clients, values, options, report, echo)
            _throughput(server.port, clients, options, report, echo)
            for client in clients.values():
                client.close()
        finally:
            server.stop()
            if report.failed:
                tail = server.log_tail(40)
                if tail:
                    echo("gunicorn's log, last lines:\n" + tail)
    print_report(report, echo)
    if options.json_path:
        Path(options.json_path).write_text(json.dumps(report.as_dict(), indent=2,
                                                      ensure_ascii=False), encoding="utf-8")
        echo(f"Figures written to {options.json_path}")
    return report


def _log_in(port: int, report: Report, echo) -> dict[str, Client]:
    clients = {}
    for persona, username in org_plan.PERSONAS.items():
        client = Client("127.0.0.1", port)
        try:
            client.login(username, BENCH_PASSWORD)
        except (RuntimeError, OSError) as exc:
            report.errors.append(f"{persona}: {exc}")
            echo(f"  {persona}: {exc}")
            continue
        clients[persona] = client
    return clients


def warm_up(port: int, jobs: list[tuple[dict[str, str], str]], workers: int) -> None:
    """Every page once per worker, ``workers`` at a time, so that no timed request is a
    worker's first of its kind (templates compiled, connection opened, caches read)."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(job: tuple[dict[str, str], str]) -> None:
        client = Client("127.0.0.1", port)
        client.cookies = dict(job[0])
        try:
            client.request("GET", job[1])
        except OSError:
            pass  # the timed requests will say what is wrong
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(fetch, [job for job in jobs for _ in range(workers)]))


def _time_pages(port: int, clients: dict[str, Client], values: dict, options: RunOptions,
                report: Report, echo) -> None:
    plans: list[tuple[str, Page, PageResult]] = []
    for persona, client in clients.items():
        letter_id = first_letter_id(client)
        for page in PAGES:
            result = PageResult(page.name, persona, "", TARGETS_MS.get(page.target or ""))
            report.pages.append(result)
            if "{letter_id}" in page.url and letter_id is None:
                result.error = "no letter visible to this persona"
                continue
            result.url = page.url.format(letter_id=letter_id, **values)
            plans.append((persona, page, result))
    workers = report.info.get("workers") or 1
    echo(f"  warming up: every page once per worker ({len(plans) * workers:,} requests) ...")
    warm_up(port, [(clients[persona].cookies, result.url) for persona, _, result in plans],
            workers)
    for persona, client in clients.items():
        echo(f"  timing {len(PAGES)} pages as {org_plan.PERSONA_LABELS[persona]} "
             f"({org_plan.PERSONAS[persona]}) ...")
        for who, page, result in plans:
            if who != persona:
                continue
            try:
                time_page(client, result, options.warmup, options.requests, page.optional)
            except OSError as exc:
                result.error = f"{type(exc).__name__}: {exc}"


def _throughput(port: int, clients: dict[str, Client], options: RunOptions, report: Report,
                echo) -> None:
    head = clients.get("head")
    if head is None:
        return
    echo(f"  throughput: {options.concurrency} clients for {options.duration:g} s each ...")
    report.throughput.append(throughput("letter list (head of OPD)", port, THROUGHPUT_PAGE,
                                        head.cookies, options.concurrency, options.duration))
    report.throughput.append(throughput("bare route", port, BARE_PAGE, {},
                                        options.concurrency, options.duration))
    report.throughput.append(throughput("letter list, built each time", port,
                                        THROUGHPUT_PAGE, head.cookies, options.concurrency,
                                        options.duration, unique=True))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def print_report(report: Report, echo=click.echo) -> None:
    info = report.info
    echo("")
    echo(f"Benchmark: {info.get('letters', 0):,} letters, {info.get('dispositions', 0):,} "
         f"dispositions, {info.get('outgoing', 0):,} outgoing letters on "
         f"{info.get('database')}; gunicorn with {info.get('workers') or '?'} workers"
         f"{'' if info.get('max_requests') else ' (not recycled)'}; "
         f"{info.get('requests')} timed requests per row after {info.get('warmup')} warm-up")
    headers = ("Page", "Persona", "p50 ms", "p95 ms", "Target", "Result", "Status")
    rows = []
    for r in report.pages:
        status = "-" if r.status is None else str(r.status)
        if not r.available:
            status = "404: not available"
        elif r.error and not r.error.startswith("HTTP"):
            status = r.error
        rows.append((r.page, r.persona, _ms(r.p50), _ms(r.p95),
                     f"<= {r.target_ms}" if r.target_ms else "-", r.verdict, status))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    right = {2, 3, 4}

    def line(cells) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    echo(line(headers))
    echo(line(["-" * w for w in widths]))
    for row in rows:
        echo(line(row))
    if report.throughput:
        echo("")
        echo("Throughput (requests/s, all clients together):")
        for t in report.throughput:
            echo(f"  {t.name:<28} {t.per_second:>9,.1f}  ({t.requests:,} in {t.seconds:.1f} s"
                 + (f", {t.errors} errors" if t.errors else "") + ")")
        ratio = report.ratio
        if ratio is not None:
            echo(f"  ratio {ratio:.2f} (target >= {THROUGHPUT_TARGET}): "
                 + ("PASS" if ratio >= THROUGHPUT_TARGET else "FAIL"))
        if report.built_ratio is not None:
            echo(f"  ratio of the list built each time (no page cache) {report.built_ratio:.2f}")
    for error in report.errors:
        echo(f"ERROR: {error}")
    passed = sum(r.verdict == "PASS" for r in report.pages)
    failed = sum(r.verdict == "FAIL" for r in report.pages)
    broken = sum(r.verdict == "ERROR" for r in report.pages) + len(report.errors)
    echo(f"\nTargets (p95): lists and queues <= {TARGETS_MS['list']} ms, narrow search <= "
         f"{TARGETS_MS['narrow']} ms, broad search <= {TARGETS_MS['broad']} ms; "
         f"throughput ratio >= {THROUGHPUT_TARGET}. {passed} PASS, {failed} FAIL, "
         f"{broken} errors.")
