"""Signing and numbering: the passphrase, the number's pattern and counter, frozen content,
and numbers that stay contiguous and unique when many letters are signed at once."""

from __future__ import annotations

import hashlib
import os
import re
import threading

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.outgoing.conftest import PASSPHRASE, PASSWORD, log_in, sign
from tests.test_numbering import _run_in_threads, _server_database

PARALLEL = 20


def reload(letter):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    db.session.expire_all()
    return db.session.get(OutgoingLetter, letter.id)


def events(letter, action: str) -> list:
    from eoffice import audit

    return [e for e in audit.events_for("outgoing_letters", letter.id) if e.action == action]


def seq_of(number: str) -> int:
    return int(number.split("/")[1])


# --- The passphrase ---------------------------------------------------------------------

def test_a_wrong_passphrase_signs_nothing_and_is_recorded(client, office, make_draft, advance):
    from eoffice import numbering
    from eoffice.letters.services import today_local

    letter = advance(make_draft(), "approved")
    year = str(today_local().year)
    before = numbering.peek("surat", year)
    log_in(client, office.users["kadis"])
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": "bukan-sandinya"}, follow_redirects=True))
    assert "The signing passphrase is wrong." in page
    page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                 data={"passphrase": ""}, follow_redirects=True))
    assert "Type your signing passphrase to sign." in page
    letter = reload(letter)
    assert letter.status == "approved" and letter.number is None and letter.pdf_file_id is None
    assert letter.verify_token is None and numbering.peek("surat", year) == before
    refused = events(letter, "outgoing.sign_refused")
    assert len(refused) == 1 and refused[0].actor_id == office.users["kadis"].id
    assert events(letter, "outgoing.signed") == []


def test_wrong_signing_passphrases_lock_signing_and_login(app, client, office, make_draft,
                                                           advance):
    """Guessing the signatory's passphrase at the signature counts like failed logins: the
    lock ends the signatory's sessions too (a stranger at an open desk is thrown out)."""
    letter = advance(make_draft(), "approved")
    kadis = office.users["kadis"]
    log_in(client, kadis)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(f"/surat-keluar/{letter.id}/tandatangani", data={"passphrase": "tebakan-1"})
    response = client.post(f"/surat-keluar/{letter.id}/tandatangani",
                           data={"passphrase": PASSPHRASE}, follow_redirects=True)
    assert response.request.path == "/masuk"
    assert "your account is locked until" in page_text(response)
    assert reload(letter).status == "approved"
    assert client.post("/masuk", data={"username": kadis.username,
                                       "password": PASSWORD}).status_code == 200  # locked


def test_the_signatory_is_warned_before_the_lock_and_told_its_end(app, client, office,
                                                                   make_draft, advance):
    """Each wrong passphrase says how many tries are left before the account (login
    included) is locked; the sign box says it too before the next try; the try that
    locks logs out with the time the lock ends."""
    letter = advance(make_draft(), "approved")
    tries = app.config["LOGIN_MAX_FAILURES"]
    minutes = app.config["LOGIN_LOCK_MINUTES"]
    log_in(client, office.users["kadis"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert 'id="signing-tries"' not in page
    assert re.search(r'<label[^>]*for="sign-passphrase"[^>]*>Signing passphrase</label>', page)
    for left in range(tries - 1, 0, -1):
        page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                     data={"passphrase": "tebakan"}, follow_redirects=True))
        assert "The signing passphrase is wrong." in page
        warning = (f"{left} more wrong password or passphrase locks your account for "
                   f"{minutes} minutes" if left == 1 else
                   f"{left} more wrong passwords or passphrases lock your account for "
                   f"{minutes} minutes")
        assert warning in page, left
        box = page.split('id="signing-tries"', 1)[1].split("</div>", 1)[0]
        assert warning in box
    response = client.post(f"/surat-keluar/{letter.id}/tandatangani",
                           data={"passphrase": "tebakan"}, follow_redirects=True)
    assert response.request.path == "/masuk"
    page = page_text(response)
    assert "your account is locked until" in page
    zone = r"(WIB|WITA|WIT)"  # the region's own time zone
    assert re.search(r"locked until \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M " + zone, page)


def test_only_the_signatory_signs(client, office, make_draft, advance):
    letter = advance(make_draft(), "approved")
    for key in ("staf_a", "kabid_a", "sekretaris"):
        log_in(client, office.users[key])
        page = page_text(client.post(f"/surat-keluar/{letter.id}/tandatangani",
                                     data={"passphrase": PASSPHRASE}, follow_redirects=True))
        assert "This letter is not waiting for your signature." in page, key
    assert reload(letter).status == "approved"


# --- The number -------------------------------------------------------------------------

def test_the_number_follows_the_pattern_with_the_signing_unit(client, office, make_draft,
                                                              advance, app):
    from eoffice.letters.services import today_local

    assert app.config["LETTER_PATTERN"] == "{code}/{seq}/{unit}/{year}"
    year = today_local().year
    # Signed by the Kepala Dinas: the Dinas's code. By the Kabid Aptika: the bidang's.
    by_head = advance(make_draft(code="000.1"), "signed")
    by_kabid = advance(make_draft(code="800", drafter="staf_a", chain=(office.sekretaris,),
                                  signer=office.kabid_a), "signed", signer="kabid_a")
    assert re.fullmatch(rf"000\.1/\d+/{re.escape(office.dinas.code)}/{year}", by_head.number)
    assert re.fullmatch(rf"800/\d+/{re.escape(office.bidang_a.code)}/{year}", by_kabid.number)
    assert seq_of(by_kabid.number) == seq_of(by_head.number) + 1  # one shared counter
    assert (by_head.number_series, by_head.number_year) == ("surat", year)
    assert by_head.signed_date == today_local() and by_head.signed_by_id == \
        office.users["kadis"].id
    assert re.fullmatch(r"[0-9a-f]{40}", by_head.verify_token)
    log_in(client, office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{by_head.id}"))
    assert f'<span id="letter-number">{by_head.number}</span>' in page


def _edit_outgoing_series(**values) -> None:
    """Change the region's outgoing numbering series (made from LETTER_PATTERN and
    LETTER_COUNTER, then edited by an administrator: eoffice.series)."""
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    db.session.execute(sa.update(NumberingSeries).where(
        NumberingSeries.default_for == "outgoing").values(**values))


def test_a_region_pattern_with_padding_and_roman_month(office, make_draft, advance, app):
    from eoffice.letters.services import today_local
    from eoffice.numbering import ROMAN_MONTHS

    _edit_outgoing_series(pattern="{seq:04d}/{code}/{unit}/{roman_month}/{year}")
    today = today_local()
    letter = advance(make_draft(code="000.1"), "signed")
    seq = letter.number_seq
    assert letter.number == (f"{seq:04d}/000.1/{office.dinas.code}/"
                             f"{ROMAN_MONTHS[today.month - 1]}/{today.year}")


def test_the_counter_is_shared_by_default(office, make_draft, advance):
    letters = [advance(make_draft(code=code), "signed") for code in ("000.1", "800", "000.1")]
    seqs = [seq_of(letter.number) for letter in letters]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    assert {letter.number_series for letter in letters} == {"surat"}


def test_the_counter_runs_per_classification_code_when_chosen(office, make_draft, advance,
                                                              app):
    from eoffice import numbering
    from eoffice.letters.services import today_local

    _edit_outgoing_series(per_code=True)
    year = str(today_local().year)
    start = {code: numbering.peek(f"surat:{code}", year) for code in ("000.1", "800")}
    shared = numbering.peek("surat", year)
    letters = [advance(make_draft(code=code), "signed")
               for code in ("000.1", "800", "000.1", "800", "800")]
    assert [(letter.classification.code, seq_of(letter.number)) for letter in letters] == [
        ("000.1", start["000.1"] + 1), ("800", start["800"] + 1),
        ("000.1", start["000.1"] + 2), ("800", start["800"] + 2), ("800", start["800"] + 3)]
    assert letters[0].number_series == "surat:000.1"
    assert numbering.peek("surat", year) == shared  # the shared counter was not touched


def test_the_preview_announces_no_number(client, office, make_draft, advance):
    """The number is taken at signing; a preview that showed it would pass for the letter."""
    from tests.outgoing.conftest import pdf_text

    letter = advance(make_draft(), "approved")
    log_in(client, office.users["kadis"])
    preview = pdf_text(client.get(f"/surat-keluar/{letter.id}/pratinjau.pdf").data)
    sign(letter, office.users["kadis"])
    assert reload(letter).number not in preview
    assert "Nomor (diberikan saat ditandatangani)" in preview


def test_the_signatory_is_told_the_preview_is_a_draft(client, office, make_draft, advance):
    letter = advance(make_draft(), "approved")
    log_in(client, office.users["kadis"])
    text = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "it is marked KONSEP and has no number or QR code until you sign" in text
    assert "exactly what will be issued" not in text


# --- Frozen once signed -------------------------------------------------------------------

def test_the_signed_content_is_frozen(client, office, make_draft, advance):
    from eoffice import files
    from eoffice.outgoing import services
    from tests.outgoing.conftest import draft_form

    letter = advance(make_draft(), "signed")
    signed = {"subject": letter.subject, "body": letter.body_html, "revision": letter.revision,
              "number": letter.number, "sha": letter.pdf_sha256}
    stored = files.read(letter.pdf_file)
    assert hashlib.sha256(stored).hexdigest() == letter.pdf_sha256
    log_in(client, office.users["staf_a"])
    download = client.get(f"/surat-keluar/{letter.id}/surat.pdf")
    assert download.status_code == 200 and download.data == stored
    assert download.mimetype == "application/pdf"
    assert client.get(f"/surat-keluar/{letter.id}/ubah").status_code == 403
    assert client.post(f"/surat-keluar/{letter.id}/ubah",
                       data=draft_form(office, subject="Diubah")).status_code == 403
    client.post(f"/surat-keluar/{letter.id}/ajukan")
    for key, action in (("kabid_a", "setujui"), ("kabid_a", "kembalikan"),
                        ("kadis", "kembalikan"), ("kadis", "tandatangani")):
        log_in(client, office.users[key])
        client.post(f"/surat-keluar/{letter.id}/{action}",
                    data={"note": "Ubah", "passphrase": PASSPHRASE})
    with pytest.raises(services.OutgoingError):
        services.update_draft(letter, services.DraftInput("nota_dinas", "Diubah",
                                                          office.kadis.id),
                              actor=office.users["staf_a"])
    letter = reload(letter)
    assert letter.status == "signed"
    assert {"subject": letter.subject, "body": letter.body_html, "revision": letter.revision,
            "number": letter.number, "sha": letter.pdf_sha256} == signed
    assert files.read(letter.pdf_file) == stored
    assert len(events(letter, "outgoing.signed")) == 1


# --- Under load ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signing_app(app_config, tmp_path_factory):
    """An app on a database of its own (SQLite file, or a new database on the
    TEST_DATABASE_URL server), with a Dinas, its head (the signatory) and a drafter."""
    from flask_migrate import upgrade

    from eoffice import create_app
    from eoffice.auth.services import create_user
    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db
    from eoffice.org.services import save_position, save_unit
    from eoffice.staff.services import save_staff
    from eoffice.testing.pytest_plugin import enrol_test_signer

    drop = None
    server = os.environ.get("TEST_DATABASE_URL", "")
    if server and sa.engine.make_url(server).get_backend_name() == "postgresql":
        url, drop = _server_database(sa.engine.make_url(server))
        uri = url.render_as_string(hide_password=False)
    else:
        uri = "sqlite:///" + str(tmp_path_factory.mktemp("signing") / "signing.db")
    app = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": uri, "PUBLIC_BASE_URL": "https://eoffice.contoh.go.id",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("signing-instance")),
    })
    with app.app_context():
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        unit = save_unit(None, code="DKF", name="Dinas Kominfo", kind="opd", parent_id=None)
        people = {}
        for key, name in (("head", "Kepala Dinas"), ("drafter", "Pranata Komputer"),
                          ("addressee", "Sekretaris")):
            staff = save_staff(None, {"name": f"Pejabat {name}", "employment_type": "non_asn",
                                      "gender": "L", "unit_id": unit.id, "status": "aktif"})
            position = save_position(None, name=name, unit_id=unit.id,
                                     parent_id=people["head"][0] if people else None,
                                     jabatan_type="jpt" if key == "head" else "pelaksana",
                                     is_head=key == "head", holder_id=staff.id)
            user = create_user(key, PASSWORD, full_name=staff.name,
                               roles=["pimpinan", "pegawai"], staff=staff)
            if key == "head":
                enrol_test_signer(user)
            db.session.commit()
            people[key] = (position.id, user.id)
        app.config["_SIGNING"] = people
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop is not None:
        drop()


def _approved_letters(app, count: int, tag: str) -> list[int]:
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from tests.outgoing.conftest import classification_id

    people = app.config["_SIGNING"]
    ids = []
    with app.app_context():
        drafter = db.session.get(User, people["drafter"][1])
        for n in range(count):
            letter = services.create_draft(services.DraftInput(
                letter_type="nota_dinas", subject=f"{tag} {n}",
                signer_position_id=people["head"][0], body_html=f"<p>Isi {tag} {n}.</p>",
                classification_id=classification_id(),
                to_positions=[people["addressee"][0]]), actor=drafter)
            services.submit(letter, actor=drafter)
            db.session.commit()
            ids.append(letter.id)
        db.session.remove()
    return ids


def _sign_in_thread(app, letter_id: int, outcomes: list) -> None:
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter

    with app.app_context():
        try:
            letter = db.session.get(OutgoingLetter, letter_id)
            signer = db.session.get(User, app.config["_SIGNING"]["head"][1])
            services.sign(letter, actor=signer, passphrase=PASSPHRASE)
            db.session.commit()
            outcomes.append("signed")
        except services.OutgoingError as exc:
            db.session.rollback()
            outcomes.append(exc.errors)
        finally:
            db.session.remove()


def _signed_state(app, year: int):
    from eoffice import audit, files, numbering
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    with app.app_context():
        letters = db.session.scalars(sa.select(OutgoingLetter).where(
            OutgoingLetter.number_year == year).order_by(OutgoingLetter.number_seq)).all()
        rows = [(letter.id, letter.number_seq, letter.number, letter.status,
                 hashlib.sha256(files.read(letter.pdf_file)).hexdigest() == letter.pdf_sha256)
                for letter in letters]
        last = numbering.peek("surat", str(year))
        chain = audit.verify_chain()
        db.session.remove()
    return rows, last, chain


def test_parallel_signing_gives_contiguous_unique_numbers(signing_app):
    from eoffice.letters.services import today_local

    ids = _approved_letters(signing_app, PARALLEL, "paralel")
    with signing_app.app_context():
        year = today_local().year
    before, _, _ = _signed_state(signing_app, year)
    outcomes: list = []
    errors = _run_in_threads(PARALLEL, lambda n: _sign_in_thread(signing_app, ids[n], outcomes))
    assert errors == [] and outcomes == ["signed"] * PARALLEL
    rows, last, chain = _signed_state(signing_app, year)
    assert [seq for _, seq, _, _, _ in rows] == list(range(1, len(before) + PARALLEL + 1))
    assert last == len(rows)
    mine = [row for row in rows if row[0] in ids]
    assert len(mine) == PARALLEL and len({number for _, _, number, _, _ in mine}) == PARALLEL
    assert all(status == "signed" and intact for _, _, _, status, intact in mine)
    assert all(re.fullmatch(rf"000\.1/{seq}/DKF/{year}", number)
               for _, seq, number, _, _ in mine)
    assert chain.ok, f"audit chain broken at event {chain.broken_at}"


def test_one_letter_signed_twice_at_once_takes_one_number(signing_app):
    """A double click (or two tabs): the letter is signed once, the counter moves once."""
    from eoffice.letters.services import today_local

    [letter_id] = _approved_letters(signing_app, 1, "dobel")
    with signing_app.app_context():
        year = today_local().year
    before, last_before, _ = _signed_state(signing_app, year)
    outcomes: list = []
    tries = 8
    errors = _run_in_threads(tries, lambda n: _sign_in_thread(signing_app, letter_id, outcomes))
    assert errors == []
    assert outcomes.count("signed") == 1 and len(outcomes) == tries
    assert all(o == {"passphrase": "The letter changed meanwhile; reload."} or
               o == {"passphrase": "This letter is not waiting for your signature."}
               for o in outcomes if o != "signed")
    rows, last, chain = _signed_state(signing_app, year)
    assert last == last_before + 1 and len(rows) == len(before) + 1
    assert [seq for _, seq, _, _, _ in rows] == list(range(1, len(rows) + 1))
    assert chain.ok



def test_the_pdf_is_rendered_and_signed_outside_the_write_lock(signing_app, monkeypatch):
    """While the first letter's PDF is being rendered, another letter of the same series
    is signed from start to end: it would wait for the lock (and fail or time out) if
    rendering held it. The first letter then takes the next number, and its PDF is made
    again with that number, so the numbers stay contiguous and each PDF shows its own."""
    from eoffice import files
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter
    from tests.outgoing.conftest import pdf_text

    first, second = _approved_letters(signing_app, 2, "di luar kunci")
    real, seen = services.render_letter_pdf, {}

    def render(letter, **kwargs):
        if not seen:
            seen["predicted"] = kwargs["number"]
            outcomes: list = []
            other = threading.Thread(target=_sign_in_thread,
                                     args=(signing_app, second, outcomes))
            other.start()
            other.join(timeout=60)
            seen["other"] = outcomes
        return real(letter, **kwargs)

    monkeypatch.setattr(services, "render_letter_pdf", render)
    outcomes: list = []
    _sign_in_thread(signing_app, first, outcomes)
    assert seen["other"] == ["signed"] and outcomes == ["signed"]
    with signing_app.app_context():
        one, two = (db.session.get(OutgoingLetter, i) for i in (first, second))
        assert two.number == seen["predicted"] and one.number_seq == two.number_seq + 1
        for letter in (one, two):
            data = files.read(letter.pdf_file)
            assert hashlib.sha256(data).hexdigest() == letter.pdf_sha256
            assert letter.number in pdf_text(data)
        db.session.remove()
