"""Dispositions: who disposes to whom, instructions, due dates, statuses, reports, the timeline."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from eoffice.dispositions.services import add_working_days
from tests.helpers import page_text
from tests.letters.conftest import EXE_BYTES, PNG_BYTES


def _fresh(obj):
    from eoffice.extensions import db

    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- Working days ------------------------------------------------------------------------

@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
       days=st.integers(min_value=1, max_value=60))
def test_add_working_days_counts_weekdays_only(start, days):
    due = add_working_days(start, days)
    assert due.weekday() < 5
    assert due > start
    between = [start + dt.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(1 for d in between if d.weekday() < 5) == days


@given(start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
       days=st.integers(min_value=1, max_value=20),
       holidays=st.sets(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2031, 3, 1)),
                        max_size=15))
def test_add_working_days_skips_holidays(start, days, holidays):
    due = add_working_days(start, days, holidays)
    assert due.weekday() < 5 and due not in holidays and due > start
    between = [start + dt.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(1 for d in between if d.weekday() < 5 and d not in holidays) == days


def test_add_working_days_over_a_weekend():
    friday = dt.date(2026, 1, 9)
    assert add_working_days(friday, 1) == dt.date(2026, 1, 12)  # Monday
    assert add_working_days(friday, 5) == dt.date(2026, 1, 16)
    assert add_working_days(dt.date(2026, 1, 10), 1) == dt.date(2026, 1, 12)  # from Saturday
    assert add_working_days(friday, 1, {dt.date(2026, 1, 12)}) == dt.date(2026, 1, 13)


@pytest.mark.parametrize("speed, days", [("amat_segera", 1), ("segera", 2), ("penting", 3),
                                         ("biasa", 5)])
def test_the_due_date_defaults_from_the_speed(app, office, register, dispose, speed, days):
    from eoffice.dispositions.services import default_due_date, due_days
    from eoffice.letters.services import today_local

    assert due_days(speed) == days
    letter = register(office, speed=speed)
    disposition = dispose(office, letter, "kadis", [office.kabid_a])
    assert disposition.due_date == add_working_days(today_local(), days)
    assert disposition.due_date == default_due_date(speed, today_local())


def test_due_days_and_holidays_are_configurable(app, office, register, dispose, monkeypatch):
    from eoffice.letters.services import today_local

    today = today_local()
    monkeypatch.setitem(app.config, "DUE_DAYS_SEGERA", 4)
    next_working_day = add_working_days(today, 1)
    monkeypatch.setitem(app.config, "HOLIDAYS", [next_working_day.isoformat(), "not-a-date"])
    letter = register(office, speed="segera")
    disposition = dispose(office, letter, "kadis", [office.kabid_a])
    assert disposition.due_date == add_working_days(today, 4, {next_working_day})
    assert disposition.due_date == add_working_days(today, 5)


def test_the_form_proposes_the_default_due_date(client, login, office, register):
    from eoffice.letters.services import today_local

    letter = register(office, speed="penting")
    login(office.users["kadis"])
    page = page_text(client.get(f"/disposisi/surat/{letter.id}/baru"))
    assert f'value="{add_working_days(today_local(), 3).isoformat()}"' in page


# --- Who disposes to whom ------------------------------------------------------------------

def test_the_addressee_disposes_to_positions_below(client, login, office, register,
                                                   instructions):
    from eoffice.audit import AuditEvent
    from eoffice.dispositions.models import Disposition
    from eoffice.extensions import db

    letter = register(office)
    login(office.users["kadis"])
    page = page_text(client.get(f"/disposisi/surat/{letter.id}/baru"))
    for name in ("Sekretaris", "Kabid Aptika", "Kabid IKP", "Pranata Komputer"):
        assert name in page  # the whole subtree, grandchildren included
    assert "Kepala Dinas Lain" not in page and "Pencatat Lain" not in page
    response = client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.kabid_a.id), str(office.staf_a.id)],
        "instruction_ids": [str(instructions["Proses lebih lanjut"].id)],
        "note": "Mohon segera", "due_date": ""})
    assert response.status_code == 302
    disposition = db.session.scalar(sa.select(Disposition))
    assert disposition.from_position_id == office.kadis.id
    assert disposition.from_name == office.users["kadis"].full_name
    assert [r.position_id for r in disposition.recipients] == [office.kabid_a.id,
                                                                office.staf_a.id]
    assert [r.status for r in disposition.recipients] == ["unread", "unread"]
    assert [i.text for i in disposition.instructions] == ["Proses lebih lanjut"]
    assert disposition.note == "Mohon segera"
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "disposition.created"))
    assert event.object_id == str(letter.id)
    assert event.data["to"] == ["Kabid Aptika", "Pranata Komputer"]
    assert event.data["from"] == "Kepala Dinas"


@pytest.mark.parametrize("target", ["kabid_b", "kabid_a", "kadis", "other_head"])
def test_not_to_a_position_outside_the_subtree(app, office, register, target):
    from eoffice.dispositions.models import Disposition
    from eoffice.dispositions.services import DispositionError, DispositionInput, dispose
    from eoffice.extensions import db

    letter = register(office, to=[office.kabid_a])
    with pytest.raises(DispositionError) as raised:
        dispose(letter, DispositionInput(to_positions=[getattr(office, target).id],
                                         note="x"), actor=office.users["kabid_a"])
    assert raised.value.errors["to_positions"] == "Recipients must be positions below yours."
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Disposition)) == 0


def test_a_position_outside_the_subtree_is_refused_over_http(client, login, office, register):
    from eoffice.dispositions.models import Disposition
    from eoffice.extensions import db

    letter = register(office, to=[office.kabid_a])
    login(office.users["kabid_a"])
    response = client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.kabid_b.id)], "note": "x"})
    assert response.status_code == 200
    assert f"'{office.kabid_b.id}' is not a valid choice" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Disposition)) == 0


@pytest.mark.parametrize("who, status", [("kabid_b", 403), ("clerk", 403), ("kabid_a", 404),
                                         ("other_head", 404)])
def test_only_the_addressee_writes_the_first_disposition(client, login, office, register, who,
                                                         status):
    from eoffice.dispositions.services import DispositionError, DispositionInput, dispose

    letter = register(office, cc=[office.kabid_b])  # addressed to the Kepala Dinas
    login(office.users[who])
    assert client.get(f"/disposisi/surat/{letter.id}/baru").status_code == status
    assert client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.staf_a.id)], "note": "x"}).status_code == status
    with pytest.raises(DispositionError):
        dispose(letter, DispositionInput(to_positions=[office.staf_a.id], note="x"),
                actor=office.users[who])


@pytest.mark.parametrize("note, instruction, ok", [
    ("", None, False), ("   ", None, False), ("Hadir", None, True), ("", "Hadiri/wakili", True),
    ("Hadir", "Hadiri/wakili", True),
])
def test_instructions_or_a_note_are_required(app, office, register, instructions, note,
                                             instruction, ok):
    from eoffice.dispositions.services import DispositionError, DispositionInput, dispose

    letter = register(office)
    data = DispositionInput(to_positions=[office.kabid_a.id], note=note,
                            instruction_ids=[instructions[instruction].id] if instruction else [])
    if ok:
        assert dispose(letter, data, actor=office.users["kadis"]).recipients
    else:
        with pytest.raises(DispositionError) as raised:
            dispose(letter, data, actor=office.users["kadis"])
        assert raised.value.errors == {"note": "Tick an instruction or write a note."}


def test_an_inactive_or_unknown_instruction_is_refused(app, office, register, instructions):
    from eoffice.dispositions.services import DispositionError, DispositionInput, dispose
    from eoffice.extensions import db

    letter = register(office)
    item = instructions["Hadiri/wakili"]
    item.active = False
    db.session.commit()
    for ids in ([item.id], [999999]):
        with pytest.raises(DispositionError) as raised:
            dispose(letter, DispositionInput(to_positions=[office.kabid_a.id], note="x",
                                             instruction_ids=ids), actor=office.users["kadis"])
        assert raised.value.errors == {"instruction_ids": "Unknown instruction."}


def test_the_due_date_cannot_be_in_the_past(app, office, register):
    from eoffice.dispositions.services import DispositionError, DispositionInput, dispose
    from eoffice.letters.services import today_local

    letter = register(office)
    with pytest.raises(DispositionError) as raised:
        dispose(letter, DispositionInput(to_positions=[office.kabid_a.id], note="x",
                                         due_date=today_local() - dt.timedelta(days=1)),
                actor=office.users["kadis"])
    assert set(raised.value.errors) == {"due_date"}


# --- Re-disposition ------------------------------------------------------------------------

def test_a_recipient_forwards_within_the_parents_due_date(client, login, office, register,
                                                          dispose):
    from eoffice.dispositions.models import Disposition
    from eoffice.dispositions.services import DispositionError, DispositionInput
    from eoffice.dispositions.services import dispose as write
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    letter = register(office)
    due = add_working_days(today_local(), 3)
    top = dispose(office, letter, "kadis", [office.kabid_a], due_date=due)
    parent = top.recipients[0]
    later = due + dt.timedelta(days=1)
    with pytest.raises(DispositionError) as raised:
        write(letter, DispositionInput(to_positions=[office.staf_a.id], note="x", due_date=later),
              actor=office.users["kabid_a"], from_recipient=parent)
    assert "cannot be later than your own" in raised.value.errors["due_date"]
    db.session.rollback()
    login(office.users["kabid_a"])
    form = page_text(client.get(f"/disposisi/{parent.id}/teruskan"))
    assert f'value="{min(due, add_working_days(today_local(), 5)).isoformat()}"' in form
    response = client.post(f"/disposisi/{parent.id}/teruskan", data={
        "to_positions": [str(office.staf_a.id)], "note": "Siapkan bahan",
        "due_date": later.isoformat()})
    assert response.status_code == 200 and "cannot be later than your own" in page_text(response)
    response = client.post(f"/disposisi/{parent.id}/teruskan", data={
        "to_positions": [str(office.staf_a.id)], "note": "Siapkan bahan",
        "due_date": due.isoformat()})
    assert response.status_code == 302
    forward = db.session.scalar(sa.select(Disposition).where(
        Disposition.parent_recipient_id == parent.id))
    assert forward.from_position_id == office.kabid_a.id and forward.due_date == due
    assert [r.position_id for r in forward.recipients] == [office.staf_a.id]
    assert _fresh(parent).status == "in_progress"  # forwarding is acting on it


def test_only_the_recipient_forwards_and_only_downwards(app, office, register, dispose):
    from eoffice.dispositions.services import DispositionError, DispositionInput
    from eoffice.dispositions.services import dispose as write

    letter = register(office)
    parent = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    for actor in ("kabid_b", "kadis", "staf_a"):
        with pytest.raises(DispositionError):
            write(letter, DispositionInput(to_positions=[office.staf_a.id], note="x"),
                  actor=office.users[actor], from_recipient=parent)
    with pytest.raises(DispositionError) as raised:
        write(letter, DispositionInput(to_positions=[office.kabid_b.id], note="x"),
              actor=office.users["kabid_a"], from_recipient=parent)
    assert "below yours" in raised.value.errors["to_positions"]


# --- Statuses --------------------------------------------------------------------------------

def test_statuses_unread_read_in_progress_done(client, login, office, register, dispose):
    letter = register(office)
    recipient = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    assert recipient.status == "unread" and recipient.read_at is None
    login(office.users["kabid_a"])
    client.get(f"/surat-masuk/{letter.id}")
    recipient = _fresh(recipient)
    assert recipient.status == "read" and recipient.read_at is not None
    response = client.post(f"/disposisi/{recipient.id}/laporan", data={
        "report": "Sudah dikoordinasikan sebagian"})  # not ticked done: a partial report
    assert response.status_code == 302
    recipient = _fresh(recipient)
    assert (recipient.status, recipient.report) == ("in_progress",
                                                    "Sudah dikoordinasikan sebagian")
    assert recipient.done_at is None
    response = client.post(f"/disposisi/{recipient.id}/laporan", data={
        "report": "Selesai, rapat sudah dihadiri", "done": "y"})
    assert response.status_code == 302
    recipient = _fresh(recipient)
    assert recipient.status == "done" and recipient.done_at is not None
    response = client.post(f"/disposisi/{recipient.id}/laporan", data={
        "report": "lagi", "done": "y"})
    assert "already closed" in page_text(response)
    assert client.get(f"/disposisi/{recipient.id}/teruskan").status_code == 403


def test_a_report_may_carry_a_checked_file(client, login, office, register, dispose):
    letter = register(office)
    recipient = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    login(office.users["kabid_a"])
    response = client.post(f"/disposisi/{recipient.id}/laporan", data={
        "report": "Laporan terlampir", "done": "y",
        "file": (io.BytesIO(EXE_BYTES), "laporan.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "laporan.pdf is refused: its content is a program" in page_text(response)
    assert _fresh(recipient).status == "unread" and _fresh(recipient).report is None
    response = client.post(f"/disposisi/{recipient.id}/laporan", data={
        "report": "Laporan terlampir", "done": "y",
        "file": (io.BytesIO(PNG_BYTES), "foto kegiatan.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    recipient = _fresh(recipient)
    assert recipient.report_file.kind == "png" and recipient.report_filename == "foto kegiatan.png"
    login(office.users["kadis"])
    download = client.get(f"/disposisi/{recipient.id}/berkas-laporan")
    assert download.status_code == 200 and download.data == PNG_BYTES
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    login(office.users["other_head"])
    assert client.get(f"/disposisi/{recipient.id}/berkas-laporan").status_code == 404


def test_a_report_without_text_is_refused(app, office, register, dispose):
    from eoffice.dispositions.services import DispositionError, report

    letter = register(office)
    recipient = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    with pytest.raises(DispositionError) as raised:
        report(recipient, "  ", None, True, actor=office.users["kabid_a"])
    assert set(raised.value.errors) == {"report"}


def test_the_sender_cancels_only_while_unread(client, login, office, register, dispose):
    letter = register(office)
    disposition = dispose(office, letter, "kadis", [office.kabid_a, office.kabid_b])
    to_a, to_b = disposition.recipients
    login(office.users["kabid_a"])
    client.get(f"/surat-masuk/{letter.id}")  # kabid_a has read it
    response = client.post(f"/disposisi/{to_b.id}/batal", follow_redirects=True)
    assert "Only the sender of the disposition can do this." in page_text(response)
    assert _fresh(to_b).status == "unread"
    login(office.users["kadis"])
    response = client.post(f"/disposisi/{to_a.id}/batal", follow_redirects=True)
    assert "It can only be cancelled while unread." in page_text(response)
    assert _fresh(to_a).status == "read"
    response = client.post(f"/disposisi/{to_b.id}/batal", follow_redirects=True)
    assert "Disposition cancelled." in page_text(response)
    assert _fresh(to_b).status == "cancelled"
    login(office.users["kabid_b"])
    assert letter.subject not in page_text(client.get("/disposisi/"))  # off the queue
    assert client.get(f"/disposisi/{to_b.id}/teruskan").status_code == 403


def test_the_sender_sends_a_done_disposition_back(client, login, office, register, dispose):
    from eoffice.dispositions.services import report

    letter = register(office)
    recipient = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    login(office.users["kadis"])
    response = client.post(f"/disposisi/{recipient.id}/kembalikan", data={"note": "Kurang"},
                           follow_redirects=True)
    assert "Only a completed disposition can be sent back." in page_text(response)
    report(recipient, "Selesai", None, True, actor=office.users["kabid_a"])
    from eoffice.extensions import db

    db.session.commit()
    response = client.post(f"/disposisi/{recipient.id}/kembalikan", data={"note": ""},
                           follow_redirects=True)
    assert "Say what is still needed." in page_text(response)
    assert _fresh(recipient).status == "done"
    login(office.users["kabid_a"])
    assert client.post(f"/disposisi/{recipient.id}/kembalikan",
                       data={"note": "x"}).status_code == 302
    assert _fresh(recipient).status == "done"  # only the sender sends back
    login(office.users["kadis"])
    client.post(f"/disposisi/{recipient.id}/kembalikan",
                data={"note": "Lampirkan daftar hadir"})
    recipient = _fresh(recipient)
    assert recipient.status == "in_progress" and recipient.done_at is None
    assert recipient.return_note == "Lampirkan daftar hadir"
    login(office.users["kabid_a"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert "Sent back to you: Lampirkan daftar hadir" in page
    client.post(f"/disposisi/{recipient.id}/laporan", data={"report": "Terlampir", "done": "y"})
    recipient = _fresh(recipient)
    assert recipient.status == "done" and recipient.return_note is None


# --- Filing, cancelled letters ---------------------------------------------------------------

def test_file_it_by_the_addressee_only(client, login, office, register):
    from eoffice.letters.models import IncomingLetter

    letter = register(office, cc=[office.kabid_b])
    for who, status in (("kabid_b", 302), ("clerk", 302), ("other_head", 404)):
        login(office.users[who])
        assert client.post(f"/surat-masuk/{letter.id}/arsipkan",
                           data={"note": "x"}).status_code == status
        assert _fresh(letter).status == "registered"
    login(office.users["kadis"])
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    assert f'action="/surat-masuk/{letter.id}/arsipkan"' in page
    response = client.post(f"/surat-masuk/{letter.id}/arsipkan",
                           data={"note": "Untuk diketahui saja"}, follow_redirects=True)
    assert "Filed: no disposition needed." in page_text(response)
    filed = _fresh(letter)
    assert (filed.status, filed.filed_note) == ("filed", "Untuk diketahui saja")
    assert isinstance(filed, IncomingLetter)
    assert 'data-action="letter.filed"' in page_text(client.get(f"/surat-masuk/{letter.id}"))


def test_a_disposed_letter_is_not_filed(app, office, register, dispose):
    from eoffice.letters.services import LetterError, file_letter

    letter = register(office)
    dispose(office, letter, "kadis", [office.kabid_a])
    with pytest.raises(LetterError, match="already has dispositions"):
        file_letter(letter, "", actor=office.users["kadis"])


def test_a_cancelled_letter_cannot_be_disposed(client, login, office, register, dispose):
    from eoffice.dispositions.services import DispositionError, DispositionInput
    from eoffice.dispositions.services import dispose as write
    from eoffice.extensions import db
    from eoffice.letters.services import cancel_letter

    letter = register(office)
    parent = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    cancel_letter(letter, "Salah catat", actor=office.users["clerk"])
    db.session.commit()
    with pytest.raises(DispositionError, match="cancelled"):
        write(letter, DispositionInput(to_positions=[office.kabid_b.id], note="x"),
              actor=office.users["kadis"])
    with pytest.raises(DispositionError, match="cancelled"):
        write(letter, DispositionInput(to_positions=[office.staf_a.id], note="x"),
              actor=office.users["kabid_a"], from_recipient=parent)
    login(office.users["kadis"])
    assert client.get(f"/disposisi/surat/{letter.id}/baru").status_code == 403
    assert client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.kabid_b.id)], "note": "x"}).status_code == 403
    login(office.users["kabid_a"])
    assert letter.subject not in page_text(client.get("/disposisi/"))
    assert client.post(f"/disposisi/{parent.id}/teruskan", data={
        "to_positions": [str(office.staf_a.id)], "note": "x"}).status_code == 200
    assert len(_fresh(letter).dispositions) == 1


# --- Timeline --------------------------------------------------------------------------------

def _timeline(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li[^>]*data-action="([\w.]+)"[^>]*>(.*?)</li>', page, re.S)


def test_the_timeline_tells_who_did_what_when(app, client, login, office, register):
    from eoffice.audit import AuditEvent
    from eoffice.extensions import db
    from eoffice.ui import filter_datetime

    letter = register(office)
    login(office.users["kadis"])
    client.get(f"/surat-masuk/{letter.id}")  # read
    client.post(f"/disposisi/surat/{letter.id}/baru", data={
        "to_positions": [str(office.kabid_a.id), str(office.kabid_b.id)], "note": "Tindak lanjuti"})
    to_a, to_b = _fresh(letter).dispositions[0].recipients
    client.post(f"/disposisi/{to_b.id}/batal")
    login(office.users["kabid_a"])
    client.get(f"/surat-masuk/{letter.id}")
    client.post(f"/disposisi/{to_a.id}/teruskan", data={
        "to_positions": [str(office.staf_a.id)], "note": "Siapkan bahan"})
    client.post(f"/disposisi/{to_a.id}/laporan", data={"report": "Sedang disiapkan"})
    client.post(f"/disposisi/{to_a.id}/laporan", data={"report": "Selesai", "done": "y"})
    login(office.users["clerk"])
    client.post(f"/surat-masuk/{letter.id}/batal", data={"reason": "Salah alamat"})
    page = page_text(client.get(f"/surat-masuk/{letter.id}"))
    entries = _timeline(page)
    actions = [action for action, _ in entries]
    assert actions == ["letter.registered", "letter.read", "disposition.created",
                       "disposition.cancelled", "disposition.read", "disposition.forwarded",
                       "disposition.reported", "disposition.done", "letter.cancelled"]
    who = {"letter.registered": "clerk", "letter.read": "kadis", "disposition.created": "kadis",
           "disposition.cancelled": "kadis", "disposition.read": "kabid_a",
           "disposition.forwarded": "kabid_a", "disposition.reported": "kabid_a",
           "disposition.done": "kabid_a", "letter.cancelled": "clerk"}
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "incoming_letters", AuditEvent.object_id == str(letter.id))
        .order_by(AuditEvent.id)).all()
    with app.test_request_context():
        for (action, text), event in zip(entries, events, strict=True):
            assert event.action == action
            assert office.users[who[action]].full_name in text, action
            assert filter_datetime(event.occurred_at) in text, action
    labels = ("Registered", "Read", "Disposition written", "Disposition cancelled",
              "Disposition read", "Forwarded", "Reported", "Done", "Cancelled")
    for (action, text), label in zip(entries, labels, strict=True):
        assert f"<strong>{label}</strong>" in text, action
    assert "Kabid Aptika, Kabid IKP" in dict(entries)["disposition.created"]
    assert "Pranata Komputer" in dict(entries)["disposition.forwarded"]
    assert "Salah alamat" in dict(entries)["letter.cancelled"]


def test_a_forward_without_a_date_stays_within_the_parents(app, office, register, dispose):
    from eoffice.letters.services import today_local

    letter = register(office, speed="biasa")  # 5 working days by default
    due = add_working_days(today_local(), 2)
    parent = dispose(office, letter, "kadis", [office.kabid_a], due_date=due).recipients[0]
    forward = dispose(office, letter, "kabid_a", [office.staf_a], parent=parent)
    assert forward.due_date == due


def test_an_overdue_disposition_can_still_be_forwarded_for_today(client, login, office,
                                                                 register, dispose):
    from eoffice.dispositions.models import Disposition
    from eoffice.dispositions.services import DispositionError, DispositionInput
    from eoffice.dispositions.services import dispose as write
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    today = today_local()
    letter = register(office)
    parent = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    parent.disposition.due_date = today - dt.timedelta(days=3)
    db.session.commit()
    with pytest.raises(DispositionError) as raised:
        write(letter, DispositionInput(to_positions=[office.staf_a.id], note="x",
                                       due_date=today + dt.timedelta(days=1)),
              actor=office.users["kabid_a"], from_recipient=parent)
    assert raised.value.errors["due_date"] == (
        f"The due date cannot be later than your own ({today.isoformat()}).")
    db.session.rollback()
    login(office.users["kabid_a"])
    form = page_text(client.get(f"/disposisi/{parent.id}/teruskan"))
    assert f'value="{today.isoformat()}"' in form
    response = client.post(f"/disposisi/{parent.id}/teruskan", data={
        "to_positions": [str(office.staf_a.id)], "note": "Segera", "due_date": today.isoformat()})
    assert response.status_code == 302
    forward = db.session.scalar(sa.select(Disposition).where(
        Disposition.parent_recipient_id == parent.id))
    assert forward.due_date == today


def test_opening_the_letter_reads_every_disposition_to_my_position(client, login, office,
                                                                   register, dispose):
    letter = register(office)
    first = dispose(office, letter, "kadis", [office.kabid_a], note="Pertama").recipients[0]
    second = dispose(office, letter, "kadis", [office.kabid_a], note="Kedua").recipients[0]
    other = dispose(office, letter, "kadis", [office.kabid_b]).recipients[0]
    login(office.users["kabid_a"])
    client.get(f"/surat-masuk/{letter.id}")
    assert (_fresh(first).status, _fresh(second).status) == ("read", "read")
    assert _fresh(other).status == "unread"
    login(office.users["kadis"])  # the sender can no longer withdraw what was seen
    client.post(f"/disposisi/{second.id}/batal")
    assert _fresh(second).status == "read"


def test_a_filed_letter_cannot_be_disposed(app, office, register):
    from eoffice.dispositions.services import DispositionError, DispositionInput
    from eoffice.dispositions.services import dispose as write
    from eoffice.extensions import db
    from eoffice.letters.services import file_letter

    letter = register(office)
    file_letter(letter, "Untuk diketahui", actor=office.users["kadis"])
    db.session.commit()
    with pytest.raises(DispositionError, match="not open for dispositions"):
        write(letter, DispositionInput(to_positions=[office.kabid_a.id], note="x"),
              actor=office.users["kadis"])


def test_no_report_on_a_cancelled_letter(app, office, register, dispose):
    from eoffice.dispositions.services import DispositionError, report
    from eoffice.extensions import db
    from eoffice.letters.services import cancel_letter

    letter = register(office)
    recipient = dispose(office, letter, "kadis", [office.kabid_a]).recipients[0]
    cancel_letter(letter, "Salah catat", actor=office.users["clerk"])
    db.session.commit()
    with pytest.raises(DispositionError, match="cancelled"):
        report(recipient, "Sudah", None, True, actor=office.users["kabid_a"])
    assert recipient.status == "unread"


def test_the_recipient_rows_carry_the_senders_position_and_due_date(app, office, register,
                                                                   dispose):
    """The copies that let "overdue dispositions I gave" read one index range: set when
    the disposition is given or forwarded, and kept in step when its due date moves."""
    from eoffice.dispositions.models import Disposition, DispositionRecipient
    from eoffice.dispositions.services import disposition_queue_counts, queue_page
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    letter = register(office, to=[office.kadis])
    due = today_local() + dt.timedelta(days=5)
    first = dispose(office, letter, "kadis", [office.kabid_a, office.kabid_b], due_date=due)
    forward = dispose(office, letter, "kabid_a", [office.staf_a],
                      parent=first.recipients[0], due_date=due)

    def copies():
        rows = db.session.execute(sa.select(
            DispositionRecipient.from_position_id, DispositionRecipient.due_date,
            Disposition.from_position_id, Disposition.due_date).join(
            Disposition, Disposition.id == DispositionRecipient.disposition_id)).all()
        return len(rows), all(r[0] == r[2] and r[1] == r[3] for r in rows)

    assert copies() == (3, True)
    assert disposition_queue_counts(office.users["kadis"])["dispositions_given_overdue"] == 0
    first.due_date = forward.due_date = today_local() - dt.timedelta(days=1)
    db.session.commit()
    assert copies() == (3, True)
    # Both of the Kadis's recipients are open and overdue; the Kabid's forward is not
    # the Kadis's to count.
    assert disposition_queue_counts(office.users["kadis"])["dispositions_given_overdue"] == 2
    assert disposition_queue_counts(office.users["kabid_a"])["dispositions_given_overdue"] == 1
    listed = queue_page(office.users["kadis"], "sent_overdue").items
    assert sorted(r.position_id for r in listed) == sorted([office.kabid_a.id,
                                                            office.kabid_b.id])
    first.recipients[1].status = "done"
    db.session.commit()
    assert disposition_queue_counts(office.users["kadis"])["dispositions_given_overdue"] == 1
