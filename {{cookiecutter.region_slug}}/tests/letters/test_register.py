"""Registering incoming letters: fields, duplicates, bad input, agenda numbers, cancelling."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from tests.helpers import page_text
from tests.letters.conftest import PDF_BYTES, PNG_BYTES, letter_count, letter_form


def _letter(sender_number: str):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    return db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == sender_number))


def _agenda_counter(year: int) -> int:
    from eoffice.numbering import peek

    return peek("agenda", str(year))


def _audit_actions() -> list[str]:
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db

    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _code(code: str):
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return db.session.scalar(sa.select(Classification).where(Classification.code == code))


def test_register_with_every_field(client, login, office):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    today = today_local()
    login(office.users["clerk"])
    code = _code("000.1.2")
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, sender="Kementerian PANRB", sender_number="B/123/M.SM.01/2026",
        letter_date=(today - dt.timedelta(days=4)).isoformat(),
        received_date=(today - dt.timedelta(days=2)).isoformat(),
        subject="Percepatan SPBE", summary="Ringkasan isi surat", security="T",
        speed="amat_segera", classification_id=str(code.id), physical_attachments="3",
        to_positions=[str(office.kadis.id), str(office.kabid_a.id)],
        cc_positions=[str(office.sekretaris.id)],
        files=[(io.BytesIO(PDF_BYTES), "surat.pdf"), (io.BytesIO(PNG_BYTES), "lampiran.png")],
    ), content_type="multipart/form-data")
    assert response.status_code == 302
    letter = _letter("B/123/M.SM.01/2026")
    assert response.headers["Location"].endswith(f"/surat-masuk/{letter.id}")
    assert (letter.sender, letter.subject, letter.summary) == (
        "Kementerian PANRB", "Percepatan SPBE", "Ringkasan isi surat")
    assert letter.letter_date == today - dt.timedelta(days=4)
    assert letter.received_date == today - dt.timedelta(days=2)
    assert (letter.security, letter.speed, letter.physical_attachments) == ("T", "amat_segera", 3)
    assert letter.classification.code == "000.1.2"
    assert sorted(r.position_id for r in letter.addressees) == sorted(
        [office.kadis.id, office.kabid_a.id])
    assert [r.position_id for r in letter.copies] == [office.sekretaris.id]
    assert [(a.filename, a.file.kind) for a in letter.attachments] == [
        ("surat.pdf", "pdf"), ("lampiran.png", "png")]
    assert letter.status == "registered"
    assert letter.registered_by_id == office.users["clerk"].id
    assert letter.registering_unit_id == office.dinas.id
    assert (letter.agenda_year, letter.agenda_seq, letter.agenda_number) == (
        letter.received_date.year, 1, "00001")
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "letter.registered", AuditEvent.object_id == str(letter.id)))
    assert event.actor_id == office.users["clerk"].id
    assert event.data["agenda_number"] == "00001" and event.data["files"] == 2
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    for text in ("Kementerian PANRB", "B/123/M.SM.01/2026", "Percepatan SPBE",
                 "000.1.2 Perjalanan Dinas Dalam Negeri", "Kabid Aptika", "Sekretaris",
                 "surat.pdf", "lampiran.png", "Ringkasan isi surat"):
        assert text in page


def test_only_clerks_register(client, login, office):
    login(office.users["kabid_a"])
    assert client.get("/surat-masuk/baru").status_code == 403
    assert client.post("/surat-masuk/baru", data=letter_form(office)).status_code == 403
    assert letter_count() == 0
    login(office.users["clerk"])
    page = page_text(client.get("/surat-masuk/baru"))
    assert 'name="sender"' in page and "Kabid Aptika" in page


def test_the_same_letter_twice_in_a_year_asks_first(client, login, office):
    login(office.users["clerk"])
    first = letter_form(office, sender="Bappeda Provinsi", sender_number="050/12/BPD")
    assert client.post("/surat-masuk/baru", data=first).status_code == 302
    year = _letter("050/12/BPD").agenda_year
    again = letter_form(office, sender="  bappeda provinsi ", sender_number="050/12/bpd ",
                        subject="Sama, dicatat lagi")
    response = client.post("/surat-masuk/baru", data=again)
    page = page_text(response)
    assert response.status_code == 200
    assert 'id="duplicate-warning"' in page
    assert "was already registered this year as agenda 00001" in page
    assert 'name="confirm_duplicate"' in page
    assert letter_count() == 1 and _agenda_counter(year) == 1  # nothing saved, no number used
    response = client.post("/surat-masuk/baru", data=again | {"confirm_duplicate": "y"})
    assert response.status_code == 302
    assert letter_count() == 2 and _agenda_counter(year) == 2
    assert "letter.registered" in _audit_actions()


def test_the_same_number_in_another_year_is_not_a_duplicate(app, office, register):
    last_year = dt.date(dt.date.today().year - 1, 12, 30)
    register(office, sender="Bappeda", sender_number="050/1", received_date=last_year,
             letter_date=last_year)
    letter = register(office, sender="Bappeda", sender_number="050/1")
    assert letter.agenda_seq == 1  # the counter starts again each year


def test_the_duplicate_check_is_a_service_rule(app, office, register):
    from eoffice.letters.services import LetterError, LetterInput, register_letter

    earlier = register(office, sender="Inspektorat", sender_number="700/5")
    data = LetterInput(sender="Inspektorat", sender_number="700/5",
                       letter_date=earlier.letter_date, received_date=earlier.received_date,
                       subject="Lagi", to_positions=[office.kadis.id])
    with pytest.raises(LetterError) as raised:
        register_letter(data, actor=office.users["clerk"])
    assert set(raised.value.errors) == {"duplicate"}
    assert earlier.agenda_number in raised.value.errors["duplicate"]
    data.confirm_duplicate = True
    assert register_letter(data, actor=office.users["clerk"]).agenda_seq == 2


def _bad_inputs(office, today: dt.date) -> dict:
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    return {
        "future letter date": ({"letter_date": tomorrow}, "letter_date",
                               "The letter date is in the future."),
        "future received date": ({"received_date": tomorrow}, "received_date",
                                 "The date received is in the future."),
        "received before written": ({"letter_date": today.isoformat(),
                                     "received_date": (today - dt.timedelta(days=1)).isoformat()},
                                    "received_date",
                                    "A letter cannot be received before it was written."),
        "no addressee": ({"to_positions": []}, "to_positions",
                         "Choose at least one addressee position."),
        "both to and copy": ({"cc_positions": [str(office.kadis.id)]}, "cc_positions",
                             "A position cannot be both addressee and copy."),
        "no subject": ({"subject": " "}, "subject", "This field is required."),
    }


BAD_INPUTS = ["future letter date", "future received date", "received before written",
              "no addressee", "both to and copy", "no subject"]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gives_field_errors_and_saves_nothing(client, login, office, case):
    from eoffice.letters.services import today_local

    overrides, field, message = _bad_inputs(office, today_local())[case]
    login(office.users["clerk"])
    events = len(_audit_actions())
    response = client.post("/surat-masuk/baru", data=letter_form(office, **overrides))
    page = page_text(response)
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert message in page
    assert f'name="{field}"' in page
    assert letter_count() == 0
    assert len(_audit_actions()) == events
    assert _agenda_counter(today_local().year) == 0


def test_an_inactive_classification_is_refused(client, login, office):
    from eoffice.extensions import db
    from eoffice.letters.services import LetterError, LetterInput, register_letter, today_local

    code = _code("000.1.2")
    code.active = False
    db.session.commit()
    login(office.users["clerk"])
    response = client.post("/surat-masuk/baru",
                           data=letter_form(office, classification_id=str(code.id)))
    assert response.status_code == 200
    assert "Choose an active classification code." in page_text(response)
    response = client.post("/surat-masuk/baru",  # typed in the picker: refused the same
                           data=letter_form(office, classification_code="000.1.2"))
    assert "Choose an active classification code." in page_text(response)
    today = today_local()
    data = LetterInput(sender="A", sender_number="1", letter_date=today, received_date=today,
                       subject="S", classification_id=code.id, to_positions=[office.kadis.id])
    with pytest.raises(LetterError) as raised:
        register_letter(data, actor=office.users["clerk"])
    assert raised.value.errors == {"classification_id": "Choose an active classification code."}
    assert letter_count() == 0


@pytest.mark.parametrize("overrides, field", [
    ({"sender": ""}, "sender"), ({"sender_number": " "}, "sender_number"),
    ({"letter_date": None}, "letter_date"), ({"received_date": None}, "received_date"),
    ({"security": "X"}, "security"), ({"speed": "kilat"}, "speed"),
    ({"physical_attachments": -1}, "physical_attachments"),
    ({"to_positions": [999999]}, "to_positions"),
])
def test_the_service_names_the_wrong_field(app, office, overrides, field):
    from eoffice.letters.services import LetterError, LetterInput, register_letter, today_local

    today = today_local()
    values = {"sender": "A", "sender_number": "1", "letter_date": today,
              "received_date": today, "subject": "S", "to_positions": [office.kadis.id]}
    with pytest.raises(LetterError) as raised:
        register_letter(LetterInput(**(values | overrides)), actor=office.users["clerk"])
    assert field in raised.value.errors
    assert letter_count() == 0


def test_an_inactive_position_cannot_be_addressed(app, office):
    from eoffice.extensions import db
    from eoffice.letters.services import LetterError, LetterInput, register_letter, today_local

    office.kabid_b.active = False
    db.session.commit()
    today = today_local()
    with pytest.raises(LetterError) as raised:
        register_letter(LetterInput(sender="A", sender_number="1", letter_date=today,
                                    received_date=today, subject="S",
                                    to_positions=[office.kadis.id],
                                    cc_positions=[office.kabid_b.id]),
                        actor=office.users["clerk"])
    assert "to_positions" in raised.value.errors


def test_the_agenda_number_follows_the_configured_pattern(app, office, register):
    """The pattern of the agenda's numbering series (made from AGENDA_PATTERN, then edited
    by an administrator: eoffice.series)."""
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    db.session.execute(sa.update(NumberingSeries).where(
        NumberingSeries.default_for == "agenda").values(pattern="SM/{seq}/{year}"))
    first, second = register(office), register(office)
    year = first.received_date.year
    assert (first.agenda_number, second.agenda_number) == (f"SM/1/{year}", f"SM/2/{year}")


def test_the_default_pattern_pads_the_agenda_number(app, office, register):
    assert [register(office).agenda_number for _ in range(3)] == ["00001", "00002", "00003"]


def test_cancelling_keeps_the_number_used(client, login, office, register):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    letter = register(office, subject="Salah catat")
    login(office.users["clerk"])
    response = client.post(f"/surat-masuk/{letter.id}/batal", data={"reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(IncomingLetter, letter.id).status == "registered"  # a reason is needed
    response = client.post(f"/surat-masuk/{letter.id}/batal",
                           data={"reason": "Dicatat dua kali"}, follow_redirects=True)
    assert "its agenda number stays used" in page_text(response)
    db.session.expire_all()
    cancelled = db.session.get(IncomingLetter, letter.id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Dicatat dua kali")
    assert cancelled.agenda_number == "00001"
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "Dicatat dua kali" in page and 'data-action="letter.cancelled"' in page
    assert cancelled.agenda_number in page_text(client.get("/surat-masuk/?status=cancelled"))
    assert register(office).agenda_number == "00002"  # the next letter takes the next number
    assert letter_count() == 2
    assert client.delete(f"/surat-masuk/{letter.id}").status_code == 405  # never deleted


def test_a_cancelled_letter_cannot_be_cancelled_again(app, office, register):
    from eoffice.letters.services import LetterError, cancel_letter

    letter = register(office)
    cancel_letter(letter, "Salah", actor=office.users["clerk"])
    with pytest.raises(LetterError):
        cancel_letter(letter, "Lagi", actor=office.users["clerk"])


@pytest.mark.parametrize("who, allowed", [
    ("clerk", True), ("clerk2", True), ("other_clerk", False), ("kadis", False),
    ("sekretaris", False),
])
def test_only_the_registering_units_clerks_cancel(app, office, register, create_staff,
                                                  create_user, who, allowed):
    from eoffice.letters.services import LetterError, can_cancel, cancel_letter

    if who == "clerk2":
        staff = create_staff(name="Pencatat Kedua", unit=office.dinas)
        office.users["clerk2"] = create_user(username="clerk2", roles=["pencatat", "pegawai"],
                                             staff=staff)
    letter = register(office)
    actor = office.users[who]
    assert can_cancel(letter, actor) is allowed
    if allowed:
        cancel_letter(letter, "Salah catat", actor=actor)
        assert letter.status == "cancelled"
    else:
        with pytest.raises(LetterError):
            cancel_letter(letter, "Salah catat", actor=actor)
        assert letter.status == "registered"


def test_cancel_over_http_by_others(client, login, office, register):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    letter = register(office)
    login(office.users["kadis"])  # sees the letter, is no clerk
    assert client.post(f"/surat-masuk/{letter.id}/batal",
                       data={"reason": "x"}).status_code == 403
    login(office.users["other_clerk"])  # a clerk, of another unit: the letter is not there
    assert client.post(f"/surat-masuk/{letter.id}/batal",
                       data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(IncomingLetter, letter.id).status == "registered"


def test_sender_suggestions_come_only_from_letters_one_may_see(client, login, office, register):
    register(office, sender="Komisi Pemberantasan Korupsi", security="SR")
    register(office, sender="Kementerian Keuangan")
    login(office.users["clerk"])
    page = page_text(client.get("/surat-masuk/baru"))
    assert '<option value="Komisi Pemberantasan Korupsi">' in page
    assert '<option value="Kementerian Keuangan">' in page
    login(office.users["other_clerk"])
    page = page_text(client.get("/surat-masuk/baru"))
    assert "Komisi Pemberantasan Korupsi" not in page and "Kementerian Keuangan" not in page


@pytest.mark.parametrize("first_by, security, again_by, warned", [
    ("clerk", "B", "clerk", True),
    ("clerk", "T", "clerk2", True),  # a colleague of the same unit sees B/T letters
    ("clerk", "SR", "clerk", True),
    ("clerk", "R", "clerk2", False),  # ... but not R/SR: the warning must not reveal it
    ("clerk", "B", "other_clerk", False),  # another unit registers its own copy
])
def test_duplicates_are_looked_for_in_the_clerks_unit(app, office, register, create_staff,
                                                      create_user, first_by, security,
                                                      again_by, warned):
    from eoffice.letters.services import LetterError

    staff = create_staff(name="Pencatat Kedua", unit=office.dinas)
    office.users["clerk2"] = create_user(username="clerk2", roles=["pencatat", "pegawai"],
                                         staff=staff)
    first = register(office, by=first_by, sender="Gubernur", sender_number="800/1",
                     security=security)
    to = [office.other_head] if again_by == "other_clerk" else None
    if warned:
        with pytest.raises(LetterError) as raised:
            register(office, by=again_by, to=to, sender="Gubernur", sender_number="800/1")
        assert first.agenda_number in raised.value.errors["duplicate"]
    else:
        assert register(office, by=again_by, to=to, sender="Gubernur",
                        sender_number="800/1").agenda_seq == 2


def test_speed_levels_speak_the_readers_language(client, login, office, register):
    """English mode once showed "Segera (urgent)" in forms and "Segera" on badges."""
    from tests.helpers import page_text

    letter = register(office, speed="segera", subject="Cepat")
    login(office.users["clerk"])
    english = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "Urgent" in english and "Segera" not in english
    form = page_text(client.get("/surat-masuk/baru"))
    assert "Very urgent" in form and "(urgent)" not in form
