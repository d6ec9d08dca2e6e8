"""pytest plugin: app, database, client, login helpers and ``create_*`` factories.

Loaded by ``tests/conftest.py`` (and by the ``pytest11`` entry point when the
region is installed), so a local plugin's tests can use the same fixtures.

The schema is built once per test session by running the real migrations, on
SQLite by default or on the server named by ``TEST_DATABASE_URL``
(PostgreSQL). Each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

TEST_PASSWORD = "rahasia-uji-123"  # noqa: S105 - test-only password
#: The signing passphrase of every official enrolled by ``enrol_signer`` (deliberately not
#: the account password: signing with the password must fail).
TEST_SIGNING_PASSPHRASE = "frasa-tte-uji-456"  # noqa: S105 - test-only passphrase


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def reset_database(url: str) -> None:
    """Empty the test database (PostgreSQL: drop and recreate the public schema).

    On PostgreSQL a statement of the tests that runs for more than a minute is cancelled:
    a runaway plan fails the test that ran it instead of stalling the whole suite."""
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
                name = connection.execute(sa.text("SELECT current_database()")).scalar_one()
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(sa.text(
                    f"ALTER DATABASE {quoted} SET statement_timeout = '60s'"))  # nosec B608
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    """Configuration passed to ``create_app``; override this fixture to change it."""
    url = test_database_url(tmp_path_factory)
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SIGNING_KDF": "scrypt:1024:8:1",  # the least the option allows: fast tests
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "SERVER_NAME": None,
        # Jobs run at once in the test's process (eoffice/jobs.py); a failed job is tried
        # again at once, so a test sees the retry too.
        "JOBS_BACKEND": "immediate",
        "JOBS_RETRY_DELAY_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def _session_app(app_config):
    from flask_migrate import upgrade

    from eoffice import create_app
    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db

    reset_database(app_config["SQLALCHEMY_DATABASE_URI"])
    app = create_app(app_config)
    with app.app_context():
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _connection_bound_session_class():
    from eoffice.events import EventSession

    class ConnectionBoundSession(EventSession):
        """A session that runs everything on the test's connection.

        Flask-SQLAlchemy's ``get_bind`` picks the app's engine and ignores the
        session's ``bind``, which would commit for real outside the test's
        transaction.
        """

        def get_bind(self, *args, **kwargs):
            return self.bind

    return ConnectionBoundSession


_ConnectionBoundSession = _connection_bound_session_class()


@pytest.fixture
def app(_session_app):
    """The app, in an app context, inside a transaction rolled back after the test."""
    from eoffice import pagecache
    from eoffice.extensions import db

    with _session_app.app_context():
        cache = pagecache.cache_of(_session_app)
        if cache is not None:  # a page kept by the previous test, whose data is gone
            cache.clear()
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": _ConnectionBoundSession})
        try:
            yield _session_app
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app):
    """A test client whose responses are read and closed at once (files included)."""
    from flask.testing import FlaskClient

    class BufferedClient(FlaskClient):
        def open(self, *args, **kwargs):
            kwargs.setdefault("buffered", True)
            return super().open(*args, **kwargs)

    return BufferedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as ``user`` (password TEST_PASSWORD)."""

    def _login(user, password: str = TEST_PASSWORD):
        client.post("/keluar")
        response = client.post("/masuk", data={"username": user.username, "password": password})
        assert response.status_code == 302, "login failed"
        return user

    return _login


_numbers = itertools.count(1)


def unique_number() -> int:
    return next(_numbers)


@pytest.fixture
def create_unit(app):
    from eoffice.org.services import save_unit

    def _create(code: str | None = None, name: str | None = None, kind: str = "opd",
                parent=None):
        n = unique_number()
        return save_unit(None, code=code or f"U{n}", name=name or f"Unit {n}", kind=kind,
                         parent_id=parent.id if parent else None)

    return _create


@pytest.fixture
def make_nip():
    """A fresh valid NIP for each call."""
    from eoffice.staff.nip import make_nip as compose

    def _unique(gender: str = "L", birth: dt.date = dt.date(1985, 6, 15)) -> str:
        n = unique_number()
        year = 1960 + n % 40
        return compose(dt.date(year, 1 + n % 12, 1 + n % 28), year + 20 + n % 5, 1 + n % 12,
                       gender, 1 + (n // 40) % 999)

    return _unique


@pytest.fixture
def create_staff(app, make_nip):
    from eoffice.staff.services import save_staff

    def _create(name: str = "Budi Santoso", employment_type: str = "pns", unit=None,
                golongan_code: str | None = "III/a", **extra):
        raw = {"name": name, "employment_type": employment_type,
               "unit_id": unit.id if unit else None, "status": "aktif"}
        if employment_type == "pns":
            raw.update(nip=extra.pop("nip", None) or make_nip(extra.get("gender", "L")),
                       golongan_code=golongan_code)
        elif employment_type == "pppk":
            raw.update(pppk_number=extra.pop("pppk_number", None)
                       or f"{unique_number():018d}", gender=extra.pop("gender", "P"))
        else:
            raw.update(gender=extra.pop("gender", "L"))
        raw.update(extra)
        return save_staff(None, raw)

    return _create


@pytest.fixture
def create_position(app):
    from eoffice.org.services import save_position

    def _create(unit, name: str | None = None, *, holder=None, parent=None, is_head=False,
                jabatan_type: str = "pelaksana"):
        return save_position(None, name=name or f"Jabatan {unique_number()}", unit_id=unit.id,
                             parent_id=parent.id if parent else None, jabatan_type=jabatan_type,
                             is_head=is_head, holder_id=holder.id if holder else None)

    return _create


@pytest.fixture
def create_user(app):
    from eoffice.auth.services import create_user as make

    def _create(username: str | None = None, roles=("pegawai",), staff=None,
                password: str = TEST_PASSWORD, **extra):
        user = make(username or f"user{unique_number()}", password,
                    full_name=extra.pop("full_name", "Pengguna Uji"), roles=list(roles),
                    staff=staff, **extra)
        from eoffice.extensions import db

        db.session.commit()
        return user

    return _create


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...``; then ``counter.count`` statements ran."""
    from eoffice.extensions import db

    @contextlib.contextmanager
    def _count() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def _before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", _before)

    return _count


# --- Signing certificates (issue 10) ------------------------------------------------------

@functools.cache
def signing_ca():
    """(key, certificate) of a CA made once per test session, in memory (EC P-256, like
    the region CA of ``flask eoffice ca``); the trust root of every test signature."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA Uji Pytest (BUKAN CA NASIONAL)"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    return key, certificate


def issue_test_certificate(common_name: str, *, days: int = 365, starts_in_days: int = -1):
    """(key, certificate) issued by :func:`signing_ca` for document signing; negative
    ``days`` gives one that has already expired, a positive ``starts_in_days`` one that
    is not valid yet."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_key, ca_certificate = signing_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    start = now + dt.timedelta(days=starts_in_days)
    end = now + dt.timedelta(days=days)
    if end <= start:
        start = end - dt.timedelta(days=30)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]))
        .issuer_name(ca_certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256()))
    return key, certificate


def enrol_test_signer(user, passphrase: str = TEST_SIGNING_PASSPHRASE, **certificate):
    """Enrol ``user`` with a fresh certificate of :func:`signing_ca` (cheap: EC keys and the
    test configuration's small scrypt cost). Usable outside fixtures (an app of its own)."""
    from eoffice.signing.sertifikat import store_certificate

    key, cert = issue_test_certificate(user.full_name or user.username, **certificate)
    return store_certificate(user, key, cert, [signing_ca()[1]], passphrase, actor=None)


@pytest.fixture
def enrol_signer(app):
    """``enrol_signer(user, passphrase=TEST_SIGNING_PASSPHRASE, days=365)`` gives ``user``
    a signing certificate, committed, so that they can sign letters."""
    from eoffice.extensions import db

    def _enrol(user, passphrase: str = TEST_SIGNING_PASSPHRASE, **certificate):
        row = enrol_test_signer(user, passphrase, **certificate)
        db.session.commit()
        return row

    return _enrol
