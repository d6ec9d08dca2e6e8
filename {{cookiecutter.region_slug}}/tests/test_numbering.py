"""Numbering: patterns, and agenda numbers that stay contiguous and unique under load.

The parallel tests cannot run inside the rolled-back ``app`` fixture (every
thread needs its own connection and real commits), so they build their own
app on their own database: a fresh SQLite file, or, when TEST_DATABASE_URL
names a PostgreSQL server, a database created on that server for the module
and dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from eoffice.numbering import PatternError, check_pattern, format_number

PARALLEL = 24
PASSWORD = "rahasia-uji-123"  # noqa: S105 - test-only password

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
seqs = st.integers(min_value=1, max_value=10_000_000)


# --- Patterns --------------------------------------------------------------------------

@given(seq=seqs, when=dates)
def test_format_number_fills_seq_and_year(seq, when):
    assert format_number("SM/{seq}/{year}", seq, when) == f"SM/{seq}/{when.year}"


@given(seq=st.integers(min_value=1, max_value=99_999), when=dates)
def test_format_number_pads_and_names_the_month(seq, when):
    number = format_number("{seq:05d}/{roman_month}/{month}/{year}", seq, when)
    padded, roman, month, year = number.split("/")
    assert len(padded) == 5 and int(padded) == seq
    assert roman == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
                     "XII"][when.month - 1]
    assert month == f"{when.month:02d}" and year == str(when.year)


@given(seq=seqs, when=dates)
def test_format_number_takes_code_and_unit(seq, when):
    number = format_number("{code}/{seq}/{unit}/{year}", seq, when,
                           {"code": "000.1.2", "unit": "DISKOMINFO"})
    assert number == f"000.1.2/{seq}/DISKOMINFO/{when.year}"


@pytest.mark.parametrize("pattern, message", [
    ("SM/{seq}/{tahun}", "unknown placeholder {tahun}"),
    ("{nomor}/{seq}", "unknown placeholder {nomor}"),
    ("SM/{year}", "must contain {seq}"),
    ("SM/{seq/{year}", "Pattern"),
    ("SM/{seq}/{year}}", "Pattern"),
])
def test_check_pattern_refuses_unusable_patterns(pattern, message):
    with pytest.raises(PatternError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("{", r"\{").replace("}", r"\}")):
        check_pattern(pattern)
    with pytest.raises(PatternError):
        format_number(pattern, 1, dt.date(2026, 1, 1))


@pytest.mark.parametrize("pattern", ["{seq}", "{seq:05d}", "SM/{seq}/{year}",
                                     "{code}/{seq}/{unit}/{year}", "{seq}/{roman_month}/{year}"])
def test_check_pattern_accepts_known_fields(pattern):
    check_pattern(pattern)


# --- Numbers under load -------------------------------------------------------------------

def _server_database(url: sa.engine.URL):
    """Create a database of our own on the PostgreSQL server; return its URL and a dropper."""
    name = f"eoffice_par_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name), drop


@pytest.fixture(scope="module")
def parallel_app(app_config, tmp_path_factory):
    """An app on a database of its own (dropped afterwards, even when the setup fails)."""
    from eoffice import create_app
    from eoffice.extensions import db

    drop = None
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server and sa.engine.make_url(server).get_backend_name() == "postgresql":
        url, drop = _server_database(sa.engine.make_url(server))
        uri = url.render_as_string(hide_password=False)
    else:
        uri = "sqlite:///" + str(tmp_path_factory.mktemp("parallel") / "parallel.db")
    app = None
    try:
        app = create_app(app_config | {
            "SQLALCHEMY_DATABASE_URI": uri,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("parallel-instance")),
        })
        _setup_office(app)
    except BaseException:
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        if drop is not None:
            drop()
        raise
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop is not None:
        drop()


def _setup_office(app) -> None:
    """The schema, then a unit with its head and one clerk per thread, each in a position."""
    from flask_migrate import upgrade

    from eoffice.auth.services import create_user
    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db
    from eoffice.org.services import save_position, save_unit
    from eoffice.staff.services import save_staff

    with app.app_context():
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        unit = save_unit(None, code="DKF", name="Dinas Kominfo", kind="opd", parent_id=None)
        kadis = save_staff(None, {"name": "Kepala Dinas", "employment_type": "non_asn",
                                  "gender": "P", "unit_id": unit.id, "status": "aktif"})
        head = save_position(None, name="Kepala Dinas", unit_id=unit.id, parent_id=None,
                             jabatan_type="jpt", is_head=True, holder_id=kadis.id)
        create_user("kadis", PASSWORD, full_name="Kepala Dinas", roles=["pimpinan", "pegawai"],
                    staff=kadis)
        clerks, positions = [], []
        for n in range(PARALLEL):
            staff = save_staff(None, {"name": f"Pencatat {n}", "employment_type": "non_asn",
                                      "gender": "L", "unit_id": unit.id, "status": "aktif"})
            positions.append(save_position(
                None, name=f"Pengadministrasi {n}", unit_id=unit.id, parent_id=head.id,
                jabatan_type="pelaksana", is_head=False, holder_id=staff.id).id)
            clerks.append(create_user(f"pencatat{n}", PASSWORD, full_name=f"Pencatat {n}",
                                      roles=["pencatat", "pegawai"], staff=staff).id)
        db.session.commit()
        app.config["_PARALLEL"] = {"head": head.id, "clerks": clerks, "positions": positions}
        db.session.remove()


def _run_in_threads(count: int, work) -> list[BaseException]:
    """Run ``work(n)`` in ``count`` threads released together; return the errors raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(n: int):
        try:
            barrier.wait(timeout=30)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a registration hung"
    return errors


def _agenda_state(app, year: int, tag: str):
    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter
    from eoffice.numbering import peek

    with app.app_context():
        rows = db.session.execute(sa.select(IncomingLetter.agenda_seq, IncomingLetter.subject)
                                  .where(IncomingLetter.agenda_year == year)
                                  .order_by(IncomingLetter.agenda_seq)).all()
        chain = audit.verify_chain()
        last = peek("agenda", str(year))
        db.session.remove()
    return [r.agenda_seq for r in rows], [r.subject for r in rows if tag in r.subject], chain, last


def _letter_input(head_id: int, n: int, tag: str, received: dt.date):
    from eoffice.letters.services import LetterInput

    return LetterInput(sender=f"Kementerian {tag}", sender_number=f"{tag}/{n}",
                       letter_date=received, received_date=received, subject=f"{tag} {n}",
                       to_positions=[head_id])


def test_parallel_registrations_take_contiguous_unique_numbers(parallel_app):
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.services import register_letter, today_local

    setup = parallel_app.config["_PARALLEL"]
    with parallel_app.app_context():
        received = today_local()
        before, _, _, _ = _agenda_state(parallel_app, received.year, "service")

    def work(n: int):
        with parallel_app.app_context():
            actor = db.session.get(User, setup["clerks"][n])
            register_letter(_letter_input(setup["head"], n, "service", received), actor=actor)
            db.session.commit()

    errors = _run_in_threads(PARALLEL, work)
    assert errors == []
    seqs, tagged, chain, last = _agenda_state(parallel_app, received.year, "service")
    assert len(tagged) == PARALLEL
    assert seqs == list(range(1, len(before) + PARALLEL + 1))  # no gap, no duplicate
    assert last == len(seqs)
    assert chain.ok, f"audit chain broken at event {chain.broken_at}"


def test_parallel_registrations_over_http(parallel_app):
    from eoffice.letters.services import today_local

    setup = parallel_app.config["_PARALLEL"]
    with parallel_app.app_context():
        received = today_local()
    clients = []
    for n in range(PARALLEL):
        client = parallel_app.test_client()
        response = client.post("/masuk", data={"username": f"pencatat{n}", "password": PASSWORD})
        assert response.status_code == 302
        clients.append(client)
    before, _, _, _ = _agenda_state(parallel_app, received.year, "http")
    statuses: dict[int, int] = {}

    def work(n: int):
        response = clients[n].post("/surat-masuk/baru", data={
            "sender": "Kementerian HTTP", "sender_number": f"http/{n}",
            "letter_date": received.isoformat(), "received_date": received.isoformat(),
            "subject": f"http {n}", "security": "B", "speed": "biasa",
            "to_positions": [str(setup["head"])], "physical_attachments": "0"})
        statuses[n] = response.status_code

    errors = _run_in_threads(PARALLEL, work)
    assert errors == []
    assert statuses == {n: 302 for n in range(PARALLEL)}
    seqs, tagged, chain, last = _agenda_state(parallel_app, received.year, "http")
    assert len(tagged) == PARALLEL
    assert seqs == list(range(1, len(before) + PARALLEL + 1))
    assert last == len(seqs)
    assert chain.ok, f"audit chain broken at event {chain.broken_at}"


def test_parallel_duplicates_are_caught_under_the_counter_lock(parallel_app):
    """The same letter registered by every clerk at once: one is saved, the rest warned."""
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.services import LetterError, register_letter, today_local

    setup = parallel_app.config["_PARALLEL"]
    with parallel_app.app_context():
        received = today_local()
    before, _, _, _ = _agenda_state(parallel_app, received.year, "duplicate")
    warned = []

    def work(n: int):
        with parallel_app.app_context():
            actor = db.session.get(User, setup["clerks"][n])
            try:
                register_letter(_letter_input(setup["head"], 1, "duplicate", received),
                                actor=actor)
            except LetterError as exc:
                db.session.rollback()
                warned.append(exc.errors)
            else:
                db.session.commit()

    assert _run_in_threads(PARALLEL, work) == []
    seqs, tagged, chain, last = _agenda_state(parallel_app, received.year, "duplicate")
    assert tagged == ["duplicate 1"]
    assert len(warned) == PARALLEL - 1 and all("duplicate" in e for e in warned)
    assert seqs == list(range(1, len(before) + 2)) and last == len(seqs)
    assert chain.ok


def test_opening_letters_while_others_register(parallel_app):
    """Reading a letter writes (read receipt, audit event): it must not fail with
    'database is locked' while registrations run, and every number stays in place."""
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.models import LetterRecipient
    from eoffice.letters.services import register_letter, today_local

    setup = parallel_app.config["_PARALLEL"]
    half = PARALLEL // 2
    with parallel_app.app_context():
        received = today_local()
        clerk = db.session.get(User, setup["clerks"][0])
        letter_ids = []
        for n in range(half):
            letter = register_letter(_letter_input(setup["head"], n, "toread", received),
                                     actor=clerk)
            db.session.commit()
            letter_ids.append(letter.id)
        db.session.remove()
    readers, writers = [], []
    for n in range(half):
        reader, writer = parallel_app.test_client(), parallel_app.test_client()
        assert reader.post("/masuk", data={"username": "kadis", "password": PASSWORD}
                           ).status_code == 302
        assert writer.post("/masuk", data={"username": f"pencatat{n}", "password": PASSWORD}
                           ).status_code == 302
        readers.append(reader)
        writers.append(writer)
    before, _, _, _ = _agenda_state(parallel_app, received.year, "mixed")
    statuses: dict[int, int] = {}

    def work(n: int):
        if n < half:
            response = readers[n].get(f"/surat-masuk/{letter_ids[n]}")
        else:
            response = writers[n - half].post("/surat-masuk/baru", data={
                "sender": "Kementerian Campur", "sender_number": f"mixed/{n}",
                "letter_date": received.isoformat(), "received_date": received.isoformat(),
                "subject": f"mixed {n}", "security": "B", "speed": "biasa",
                "to_positions": [str(setup["head"])], "physical_attachments": "0"})
        statuses[n] = response.status_code

    assert _run_in_threads(2 * half, work) == []
    assert statuses == {n: 200 if n < half else 302 for n in range(2 * half)}
    seqs, tagged, chain, last = _agenda_state(parallel_app, received.year, "mixed")
    assert len(tagged) == half
    assert seqs == list(range(1, len(before) + half + 1)) and last == len(seqs)
    assert chain.ok, f"audit chain broken at event {chain.broken_at}"
    with parallel_app.app_context():
        unread = db.session.scalar(sa.select(sa.func.count()).select_from(LetterRecipient).where(
            LetterRecipient.letter_id.in_(letter_ids), LetterRecipient.read_at.is_(None)))
        db.session.remove()
    assert unread == 0


def test_parallel_first_audit_events_start_one_chain(parallel_app):
    """On an empty log the head row does not exist yet: concurrent first events must
    neither fail on creating it nor fork the chain."""
    from eoffice import audit, numbering
    from eoffice.extensions import db
    from eoffice.maintenance.chain import guards_lifted

    with parallel_app.app_context():
        with guards_lifted(db.session.connection()):  # the log is append-only
            db.session.execute(sa.delete(audit.AuditEvent))
            db.session.execute(sa.delete(audit.AuditHead))
        db.session.commit()
        db.session.remove()

    def work(n: int):
        with parallel_app.app_context():
            numbering.begin_write()
            audit.record("test.parallel", ("tests", n), data={"n": n})
            db.session.commit()

    assert _run_in_threads(PARALLEL, work) == []
    with parallel_app.app_context():
        chain = audit.verify_chain()
        head = db.session.get(audit.AuditHead, 1)
        count = head.count
        db.session.remove()
    assert chain.ok and chain.checked == PARALLEL and count == PARALLEL


def test_parallel_reports_with_the_same_new_file(parallel_app):
    """Every recipient reports at once with the same new file: it is stored once, and no
    report fails on the file's unique hash."""
    import hashlib

    from eoffice.auth.models import User
    from eoffice.dispositions.models import DispositionRecipient
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db
    from eoffice.files import StoredFile
    from eoffice.letters.services import register_letter, today_local

    setup = parallel_app.config["_PARALLEL"]
    proof = b"%PDF-1.4\n% the same proof " + uuid.uuid4().bytes + b"\n%%EOF\n"
    with parallel_app.app_context():
        received = today_local()
        clerk = db.session.get(User, setup["clerks"][0])
        letter = register_letter(_letter_input(setup["head"], 0, "report", received),
                                 actor=clerk)
        db.session.commit()
        kadis = db.session.scalar(sa.select(User).where(User.username == "kadis"))
        disposition = dispose(letter, DispositionInput(to_positions=setup["positions"],
                                                       note="Laporkan"), actor=kadis)
        db.session.commit()
        recipients = {r.position_id: r.id for r in disposition.recipients}
        db.session.remove()

    def work(n: int):
        with parallel_app.app_context():
            recipient = db.session.get(DispositionRecipient, recipients[setup["positions"][n]])
            report(recipient, f"Selesai {n}", ("bukti.pdf", proof), True,
                   actor=db.session.get(User, setup["clerks"][n]))
            db.session.commit()

    assert _run_in_threads(PARALLEL, work) == []
    with parallel_app.app_context():
        files = db.session.scalars(sa.select(StoredFile.id).where(
            StoredFile.sha256 == hashlib.sha256(proof).hexdigest())).all()
        done = db.session.scalars(sa.select(DispositionRecipient.report_file_id).where(
            DispositionRecipient.id.in_(recipients.values()),
            DispositionRecipient.status == "done")).all()
        chain = audit_chain()
        db.session.remove()
    assert len(files) == 1 and done == files * PARALLEL
    assert chain.ok


def audit_chain():
    from eoffice import audit

    return audit.verify_chain()
