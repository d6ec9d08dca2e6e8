"""Two OPDs numbering at the same moment: each gets its own contiguous series.

Like the parallel tests of ``tests/test_numbering.py``, these run on a database of
their own (a SQLite file, or a new database on the TEST_DATABASE_URL server) with
real commits from many threads.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE
from tests.test_numbering import _run_in_threads, _server_database

EACH = 25
# Letters signed per OPD: every signature renders a PDF while it holds the write lock, so
# on SQLite 2 x 10 at once is what fits the busy timeout on a small machine (like the
# 20 of tests/outgoing/test_signing.py).
SIGN_EACH = 10
PASSWORD = "rahasia-uji-123"  # noqa: S105 - test-only password
OPDS = ("DKA", "DKB")


@pytest.fixture(scope="module")
def two_opds(app_config, tmp_path_factory):
    """Two OPDs, each with a head (signatory), a drafter, EACH clerks, its own agenda series
    and its own series for nota dinas."""
    from flask_migrate import upgrade

    from eoffice import create_app
    from eoffice.auth.models import User
    from eoffice.auth.services import create_user
    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db
    from eoffice.org.services import save_position, save_unit
    from eoffice.series.services import save_series
    from eoffice.staff.services import save_staff
    from eoffice.testing.pytest_plugin import enrol_test_signer

    drop = None
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server and sa.engine.make_url(server).get_backend_name() == "postgresql":
        url, drop = _server_database(sa.engine.make_url(server))
        uri = url.render_as_string(hide_password=False)
    else:
        uri = "sqlite:///" + str(tmp_path_factory.mktemp("opds") / "opds.db")
    app = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": uri, "PUBLIC_BASE_URL": "https://eoffice.contoh.go.id",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("opds-instance"))})
    setup: dict = {}
    try:
        with app.app_context():
            upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")

            def person(unit, name, parent, roles, is_head=False):
                staff = save_staff(None, {"name": name, "employment_type": "non_asn",
                                          "gender": "L", "unit_id": unit.id, "status": "aktif"})
                position = save_position(None, name=name, unit_id=unit.id, parent_id=parent,
                                         jabatan_type="jpt" if is_head else "pelaksana",
                                         is_head=is_head, holder_id=staff.id)
                user = create_user(name.lower().replace(" ", ""), PASSWORD, full_name=name,
                                   roles=roles, staff=staff)
                return position.id, user.id

            for code in OPDS:
                unit = save_unit(None, code=code, name=f"Dinas {code}", kind="opd",
                                 parent_id=None)
                head = person(unit, f"Kepala {code}", None, ["pimpinan", "pegawai"], True)
                enrol_test_signer(db.session.get(User, head[1]))  # signs with a certificate
                drafter = person(unit, f"Konseptor {code}", head[0], ["pegawai"])
                clerks = [person(unit, f"Pencatat {code} {n}", head[0], ["pencatat", "pegawai"])
                          [1] for n in range(EACH)]
                for kinds, pattern in ((["agenda"], code + "/AG/{seq}"),
                                       (["outgoing:nota_dinas"], "{code}/{seq}/{opd}/{year}")):
                    save_series(None, actor=None, name=f"{code} {kinds[0]}", scope="opd",
                                unit_id=unit.id, kinds=kinds, classification_codes=[],
                                pattern=pattern, yearly_reset=True, per_code=False, active=True)
                setup[code] = {"head": head, "drafter": drafter, "clerks": clerks}
            db.session.commit()
            db.session.remove()
        app.config["_OPDS"] = setup
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        if drop is not None:
            drop()


def test_two_opds_register_in_parallel_into_two_contiguous_books(two_opds):
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter
    from eoffice.letters.services import LetterInput, register_letter, today_local

    setup = two_opds.config["_OPDS"]
    with two_opds.app_context():
        received = today_local()
    jobs = [(code, n) for code in OPDS for n in range(EACH)]

    def work(i: int):
        code, n = jobs[i]
        with two_opds.app_context():
            try:
                actor = db.session.get(User, setup[code]["clerks"][n])
                register_letter(LetterInput(
                    sender="Kementerian", sender_number=f"{code}/{n}", letter_date=received,
                    received_date=received, subject=f"{code} {n}",
                    to_positions=[setup[code]["head"][0]]), actor=actor)
                db.session.commit()
            finally:
                db.session.remove()

    assert _run_in_threads(len(jobs), work) == []
    with two_opds.app_context():
        for code in OPDS:
            numbers = db.session.scalars(sa.select(IncomingLetter.agenda_number).where(
                IncomingLetter.sender_number.like(f"{code}/%")).order_by(
                IncomingLetter.agenda_seq)).all()
            assert numbers == [f"{code}/AG/{n}" for n in range(1, EACH + 1)]
        db.session.remove()


def test_two_opds_sign_in_parallel_with_two_contiguous_series(two_opds):
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter
    from tests.outgoing.conftest import classification_id

    setup = two_opds.config["_OPDS"]
    jobs: list[tuple[str, int]] = []
    with two_opds.app_context():
        year = today_local().year
        for code in OPDS:
            drafter = db.session.get(User, setup[code]["drafter"][1])
            for n in range(SIGN_EACH):
                letter = services.create_draft(services.DraftInput(
                    letter_type="nota_dinas", subject=f"{code} {n}",
                    signer_position_id=setup[code]["head"][0], body_html=f"<p>Isi {n}.</p>",
                    classification_id=classification_id(),
                    to_positions=[setup[code]["drafter"][0]]), actor=drafter)
                services.submit(letter, actor=drafter)
                db.session.commit()
                jobs.append((code, letter.id))
        db.session.remove()

    def work(i: int):
        code, letter_id = jobs[i]
        with two_opds.app_context():
            try:
                signer = db.session.get(User, setup[code]["head"][1])
                services.sign(db.session.get(OutgoingLetter, letter_id), actor=signer,
                              passphrase=TEST_SIGNING_PASSPHRASE)
                db.session.commit()
            finally:
                db.session.remove()

    assert _run_in_threads(len(jobs), work) == []
    with two_opds.app_context():
        for code in OPDS:
            ids = [letter_id for c, letter_id in jobs if c == code]
            rows = db.session.execute(sa.select(OutgoingLetter.number_seq, OutgoingLetter.number)
                                      .where(OutgoingLetter.id.in_(ids))
                                      .order_by(OutgoingLetter.number_seq)).all()
            assert [seq for seq, _ in rows] == list(range(1, SIGN_EACH + 1))
            assert [number for _, number in rows] == [
                f"000.1/{n}/{code}/{year}" for n in range(1, SIGN_EACH + 1)]
        db.session.remove()
