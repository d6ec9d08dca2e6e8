"""The page cache (eoffice/pagecache.py): a session's busy pages are served again while
nothing was written, and never to another session, after a write, a logout, a flash,
the session's idle limit, or from another browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from eoffice import pagecache
from eoffice.testing.pytest_plugin import TEST_PASSWORD
from tests.letters.conftest import office, register  # noqa: F401 - shared fixtures

LIST = "/surat-masuk/"
CACHED_PAGES = ["/", "/surat-masuk/", "/surat-masuk/?antrian=to_read", "/disposisi/",
                "/surat-keluar/"]
NONCE = re.compile(rb'nonce="([^"]+)"')


def stats(app) -> tuple[int, int]:
    cache = pagecache.cache_of(app)
    return cache.hits, len(cache)


def without_nonce(body: bytes) -> bytes:
    return NONCE.sub(b"", body)


def second_client(app, user):
    other = app.test_client()
    assert other.post("/masuk", data={"username": user.username,
                                      "password": TEST_PASSWORD}).status_code == 302
    return other


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_a_page_seen_again_comes_from_the_cache(app, client, login, office, register, url):  # noqa: F811
    register(office, subject="Rapat pertama")
    login(office.users["kadis"])
    first = client.get(url)
    assert first.status_code == 200
    hits, _ = stats(app)
    again = client.get(url)
    assert stats(app)[0] > hits
    assert without_nonce(again.data) == without_nonce(first.data)


def test_a_write_anywhere_shows_at_once(app, client, login, office, register):  # noqa: F811
    register(office, subject="Rapat pertama")
    login(office.users["kadis"])
    assert b"Rapat pertama" in client.get(LIST).data
    client.get(LIST)
    register(office, subject="Rapat kedua yang baru")
    assert b"Rapat kedua yang baru" in client.get(LIST).data


def test_each_hit_has_its_own_style_nonce_matching_its_policy(app, client, login, office):  # noqa: F811
    login(office.users["kadis"])
    nonces = set()
    for _ in range(3):
        page = client.get(LIST)
        found = NONCE.search(page.data)
        assert found, "the layout uses a style nonce"
        assert f"'nonce-{found.group(1).decode()}'" in page.headers["Content-Security-Policy"]
        nonces.add(found.group(1))
    assert len(nonces) == 3


def test_another_user_never_gets_the_page(app, client, login, office, register):  # noqa: F811
    register(office, subject="Surat untuk kepala dinas saja", to=[office.kadis])
    login(office.users["kadis"])
    other = second_client(app, office.users["other_head"])
    assert b"Surat untuk kepala dinas saja" in client.get(LIST).data
    assert b"Surat untuk kepala dinas saja" in client.get(LIST).data  # now cached
    for _ in range(2):
        page = other.get(LIST)
        assert page.status_code == 200
        assert b"Surat untuk kepala dinas saja" not in page.data


def test_the_same_user_in_another_session_builds_its_own(app, client, login, office):  # noqa: F811
    login(office.users["kadis"])
    client.get(LIST)
    _, stored = stats(app)
    other = second_client(app, office.users["kadis"])
    other.get(LIST)
    assert stats(app)[1] == stored + 1


def test_a_cookie_replayed_after_logout_gets_no_page(app, client, login, office, register):  # noqa: F811
    register(office, subject="Rapat rahasia dinas")
    login(office.users["kadis"])
    client.get(LIST)
    assert b"Rapat rahasia dinas" in client.get(LIST).data
    cookie = client.get_cookie("session").value
    client.post("/keluar")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    page = thief.get(LIST)
    assert page.status_code == 302 and "/masuk" in page.location
    assert b"Rapat rahasia dinas" not in page.data


def test_a_cookie_from_another_browser_goes_the_whole_way(app, client, login, office):  # noqa: F811
    """The client's identifier (address and browser: Flask-Login's session protection)
    is part of the key: the same cookie from elsewhere is checked as on any page."""
    from eoffice.auth import sessions

    login(office.users["kadis"])
    client.get(LIST)
    client.get(LIST)
    loads = []
    original = sessions.load

    def counting(secret):
        loads.append(secret)
        return original(secret)

    app.login_manager._user_callback = counting  # noqa: SLF001
    try:
        client.get(LIST)
        assert loads == []
        client.get(LIST, headers={"User-Agent": "Mozilla/5.0 (somebody else)"})
        assert len(loads) == 1
    finally:
        app.login_manager._user_callback = original  # noqa: SLF001


def test_the_idle_limit_still_ends_the_session(app, client, login, office, monkeypatch):  # noqa: F811
    from eoffice.auth import sessions

    login(office.users["kadis"])
    client.get(LIST)
    client.get(LIST)
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(
        minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    monkeypatch.setattr(pagecache, "utcnow", lambda: later)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    page = client.get(LIST)
    assert page.status_code == 302 and "/masuk" in page.location


def test_the_idle_clock_moves_on_cached_pages(app, client, login, office, monkeypatch):  # noqa: F811
    """Past the touch interval the request goes the whole way once, which moves the
    session's idle clock, and is then served from the cache again."""
    from eoffice.auth import sessions
    from eoffice.auth.models import UserSession
    from eoffice.extensions import db

    user = login(office.users["kadis"])
    client.get(LIST)
    seen = db.session.scalar(sa.select(sa.func.max(UserSession.last_seen_at))
                             .where(UserSession.user_id == user.id))
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=2)
    monkeypatch.setattr(pagecache, "utcnow", lambda: later)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    hits, _ = stats(app)
    assert client.get(LIST).status_code == 200
    assert stats(app)[0] == hits + 1  # the whole way, then the cached copy
    db.session.expire_all()
    moved = db.session.scalar(sa.select(sa.func.max(UserSession.last_seen_at))
                              .where(UserSession.user_id == user.id))
    assert moved > seen


def test_a_flash_is_shown_and_not_kept(app, client, login, office):  # noqa: F811
    login(office.users["kadis"])
    client.get(LIST)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Pesan sekali tampil")]
    assert b"Pesan sekali tampil" in client.get(LIST).data
    assert b"Pesan sekali tampil" not in client.get(LIST).data


def test_the_language_of_the_session_keys_the_page(app, client, login, office):  # noqa: F811
    login(office.users["kadis"])
    client.get(LIST)
    client.get(LIST)
    hits, stored = stats(app)
    with client.session_transaction() as session:
        session["locale"] = "id"
    client.get(LIST)
    assert stats(app) == (hits, stored + 1), "built again, not the other language's copy"


def test_unsaved_writes_of_the_request_are_never_cached(app, client, login, office, register):  # noqa: F811
    """Rows flushed but not committed (a test's session, a view that wrote) make the
    page go the whole way: the token only moves at the commit."""
    from eoffice.extensions import db

    register(office, subject="Rapat pertama")
    login(office.users["kadis"])
    client.get(LIST)
    db.session.execute(sa.text("UPDATE incoming_letters SET subject = 'Diubah belum disimpan'"))
    assert b"Diubah belum disimpan" in client.get(LIST).data


def test_the_token_moves_with_writes_only(app, office):  # noqa: F811
    from eoffice.auth.models import UserSession
    from eoffice.extensions import db

    before = pagecache.current_token()
    db.session.scalar(sa.select(sa.func.count()).select_from(UserSession))
    db.session.commit()
    assert pagecache.current_token() == before, "a read-only commit keeps the token"
    db.session.execute(sa.update(UserSession).values(last_seen_at=sa.func.current_timestamp()),
                       execution_options={pagecache.QUIET_OPTION: True})
    db.session.commit()
    assert pagecache.current_token() == before, "the idle clock keeps the token"
    office.dinas.name = "Dinas Komunikasi dan Informatika"
    db.session.commit()
    assert pagecache.current_token() != before


@pytest.mark.parametrize(("statement", "table"), [
    ("SELECT * FROM incoming_letters", None),
    ("  select 1", None),
    ("INSERT INTO incoming_letters (subject) VALUES (?)", "incoming_letters"),
    ('INSERT OR REPLACE INTO "access_grants" VALUES (1)', "access_grants"),
    ("UPDATE users SET full_name=? WHERE users.id = ?", "users"),
    ("update ONLY dispositions set x = 1", "dispositions"),
    ("DELETE FROM letter_recipients WHERE id = 1", "letter_recipients"),
    ("REPLACE INTO counters VALUES (1)", "counters"),
    ("WITH RECURSIVE t(n) AS (SELECT 1) SELECT n FROM t", None),
    ("WITH x AS (SELECT 1) DELETE FROM users WHERE id IN (SELECT * FROM x)", "*"),
    ("CREATE INDEX ix ON users (id)", "*"),
    ("PRAGMA optimize", None),
    ("SAVEPOINT sa_savepoint_1", None),
])
def test_which_table_a_statement_writes(statement, table):
    assert pagecache.written_table(statement) == table


def test_a_region_may_turn_it_off(_session_app, app_config):
    from eoffice import create_app

    quiet = create_app(app_config | {"PAGE_CACHE_SECONDS": 0})
    assert pagecache.cache_of(quiet) is None
    assert pagecache.serve_early not in quiet.before_request_funcs.get(None, [])
