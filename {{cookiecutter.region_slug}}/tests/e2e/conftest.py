"""Browser tests: the real app served over HTTP, driven by Chromium through Playwright.

The app here is not the plugin's rolled-back ``app`` fixture: a live server
needs real commits. It gets its own SQLite file in a temporary folder (never
``TEST_DATABASE_URL``), built by the real migrations and filled by
``eoffice.demo.load_demo()``. CSRF protection stays on, as in production.

Chromium: ``EOFFICE_E2E_CHROMIUM`` or ``/usr/bin/chromium`` (Debian's package);
when neither exists, Playwright's own browser (``playwright install chromium``).
Screenshots go to ``EOFFICE_E2E_SCREENSHOTS`` or a pytest temporary folder.

Every browser context records its traffic; after each test the recorder fails
the test on a request to another host than the live server (no CDN), on a
server error (5xx), on a missing asset (4xx for CSS, JS, images, fonts), on an
uncaught JavaScript error and on anything the Content-Security-Policy blocked (an
inline script or style, a handler attribute: see docs/dev/security-headers.md).
"""

from __future__ import annotations

import gettext
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from eoffice.config import REGION_ROOT

HOST = "127.0.0.1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ASSET_TYPES = {"stylesheet", "script", "image", "font"}
# Runs in every page before its own scripts (Playwright's init scripts are not subject
# to the page's policy): each violation is kept for the test and logged as an error.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var text = "CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber + " " + (e.sample || "");
  window.__cspViolations.push(text);
  console.error(text);
});
"""
CATALOG_DIR = REGION_ROOT / "eoffice" / "translations"
LOCAL_CATALOG_DIR = REGION_ROOT / "local" / "translations"


def pytest_collection_modifyitems(items):
    """Everything under tests/e2e is an e2e test, whatever its module says."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


# --- The live server ----------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    """No line per request in the test output; errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    app: object
    url: str

    def run(self, fn):
        """``fn()`` inside the live app's context (for reading what the browser wrote)."""
        from eoffice.extensions import db

        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from eoffice import create_app
    from eoffice.demo import load_demo
    from eoffice.extensions import db

    folder = tmp_path_factory.mktemp("e2e")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / "e2e.db"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "INSTANCE_PATH": str(folder / "instance"),
        "BABEL_DEFAULT_LOCALE": "id",
        "SERVER_NAME": None,
        # WTF_CSRF_ENABLED is left on: the browser sends real tokens.
    })
    with app.app_context():
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        load_demo()
        db.session.remove()

    server = make_server(HOST, 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://{HOST}:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-base-url: page.goto("/pegawai/") goes to the live server."""
    return live_server.url


# --- Chromium -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "headless": True, "args": CHROMIUM_ARGS}
    executable = os.environ.get("EOFFICE_E2E_CHROMIUM", "/usr/bin/chromium")
    if Path(executable).exists():
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser set up as in an Indonesian office (date inputs, time zone)."""
    return {**browser_context_args, "locale": "id-ID", "timezone_id": "Asia/Jakarta"}


@dataclass
class NetworkLog:
    """What one browser context asked for and got."""

    base_host: str
    requests: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("page", lambda page: page.on("pageerror", self._on_page_error))
        context.on("console", self._on_console)

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != self.base_host:
            self.problems.append(f"request to another host: {request.url}")

    def _on_response(self, response) -> None:
        self.responses.append((response.url, response.status))
        kind = response.request.resource_type
        if response.status >= 500:
            self.problems.append(f"server error {response.status}: {response.url}")
        elif response.status >= 400 and kind in ASSET_TYPES:
            self.problems.append(f"missing {kind} {response.status}: {response.url}")

    def _on_page_error(self, error) -> None:
        self.problems.append(f"JavaScript error: {error}")

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.problems.append(f"{text} (on {message.page.url if message.page else '?'})")

    def status_of(self, path: str) -> int | None:
        """The status of the first response for ``path`` (later ones may be 304)."""
        for url, status in self.responses:
            if urlsplit(url).path == path:
                return status
        return None


@pytest.fixture
def network_logs(live_server) -> list[NetworkLog]:
    return []


@pytest.fixture
def new_context(new_context, network_logs, live_server):
    """Every context (also the ones a test makes itself) records its traffic."""

    def _new_context(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(15_000)
        log = NetworkLog(urlsplit(live_server.url).hostname)
        log.attach(context)
        network_logs.append(log)
        return context

    yield _new_context
    problems = [p for log in network_logs for p in log.problems]
    assert not problems, "browser traffic problems:\n" + "\n".join(problems)


@pytest.fixture
def network(context, network_logs) -> NetworkLog:
    """The traffic of the default ``context``/``page``."""
    return network_logs[0]


# --- Helpers ------------------------------------------------------------------------

@pytest.fixture
def login_as(live_server):
    """``login_as(page, "admin")`` logs in with the demo password through the form."""
    from eoffice.demo import DEMO_PASSWORD

    def _login(page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/masuk")
        form = page.locator("main form")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        if password == DEMO_PASSWORD:
            assert urlsplit(page.url).path == "/", f"login as {username} failed: {page.url}"

    return _login


@pytest.fixture
def nav_link():
    """``nav_link(page, "Staff")``: the main navigation's link with this label.

    The icon glyph before the label (from the icon font) is ignored.
    """

    def _link(page, label: str):
        return page.locator("#mainNav .nav-link").filter(
            has_text=re.compile(rf"^\W*{re.escape(label)}\s*$"))

    return _link


@pytest.fixture
def user_full_name(live_server):
    def _full_name(username: str) -> str:
        import sqlalchemy as sa

        from eoffice.auth.models import User
        from eoffice.extensions import db

        return live_server.run(lambda: db.session.scalar(
            sa.select(User.full_name).where(User.username == username)))

    return _full_name


def indonesian_catalog() -> gettext.NullTranslations | None:
    """The compiled Indonesian catalogs (core, then the region's local/ one as a
    fallback for plugin strings), or None while the core's is not compiled yet."""
    mo = CATALOG_DIR / "id" / "LC_MESSAGES" / "messages.mo"
    if not mo.is_file():
        return None
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    local = LOCAL_CATALOG_DIR / "id" / "LC_MESSAGES" / "messages.mo"
    if local.is_file():
        with local.open("rb") as handle:
            catalog.add_fallback(gettext.GNUTranslations(handle))
    return catalog


@pytest.fixture
def id_catalog() -> gettext.NullTranslations | None:
    return indonesian_catalog()


@pytest.fixture
def tr_id(id_catalog):
    """``tr_id("Staff")``: what the Indonesian UI shows for a message id.

    Without a compiled catalog the UI shows the English message ids, and so does this.
    """
    return id_catalog.gettext if id_catalog else (lambda message: message)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("EOFFICE_E2E_SCREENSHOTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    """``screenshot(page, "staff-list")`` saves a full-page PNG of the current page."""

    def _shoot(page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot
