"""Sending: internal recipients get one registered incoming letter; external ones are
recorded as dispatched and listed in the expedition book (HTML, PDF, XLSX)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from tests.helpers import count, page_text
from tests.outgoing.conftest import log_in, pdf_text

EXTERNAL = [("Kepala Dinas Kesehatan", "Pemerintah Kabupaten Tetangga", "Jl. Merdeka No. 2"),
            ("Rektor", "Universitas Contoh", "Jl. Kampus No. 1")]


def reload(model, id_):
    from eoffice.extensions import db

    db.session.expire_all()
    return db.session.get(model, id_)


def incoming_of(letter):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    return db.session.scalars(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == letter.number)).all()


def dispatch_form(letter, method: str = "pos", when: dt.date | None = None) -> dict:
    data = {}
    for r in letter.recipients:
        if not r.is_internal:
            data[f"method_{r.id}"] = method
            data[f"date_{r.id}"] = (when or letter.signed_date).isoformat()
            data[f"note_{r.id}"] = f"Resi {r.id}"
    return data


# --- Internal ---------------------------------------------------------------------------

def test_internal_recipients_get_one_registered_incoming_letter(client, office, make_draft,
                                                               advance):
    from eoffice import numbering
    from eoffice.letters.models import IncomingLetter
    from eoffice.letters.services import AGENDA_SERIES, today_local
    from eoffice.outgoing.models import OutgoingLetter
    from eoffice.security import can_view_letter

    letter = advance(make_draft(subject="Permohonan data aplikasi", to=[office.kabid_b,
                                office.kabid_a], cc=[office.sekretaris], code="000.1"),
                     "signed")
    year = str(today_local().year)
    agenda_before = numbering.peek(AGENDA_SERIES, year)
    letters_before = count(IncomingLetter)
    log_in(client, office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "Internal recipients receive it at once as an incoming letter:" in page
    response = client.post(f"/surat-keluar/{letter.id}/kirim", follow_redirects=True)
    assert "The letter has been sent." in page_text(response)

    letter = reload(OutgoingLetter, letter.id)
    assert letter.status == "sent" and letter.sent_at is not None
    [incoming] = incoming_of(letter)
    assert count(IncomingLetter) == letters_before + 1  # ONE letter for all its recipients
    assert numbering.peek(AGENDA_SERIES, year) == agenda_before + 1
    assert (incoming.agenda_seq, incoming.agenda_year) == (agenda_before + 1, int(year))
    assert incoming.agenda_number == f"{agenda_before + 1:05d}"  # AGENDA_PATTERN {seq:05d}
    assert (incoming.sender, incoming.subject, incoming.letter_date, incoming.received_date) == (
        "Kepala Dinas", letter.subject, letter.signed_date, today_local())
    assert (incoming.classification_id, incoming.security, incoming.speed) == (
        letter.classification_id, letter.security, letter.speed)
    assert sorted((r.position.name, r.kind) for r in incoming.recipients) == [
        ("Kabid Aptika", "to"), ("Kabid IKP", "to"), ("Sekretaris", "cc")]
    [attachment] = incoming.attachments
    assert attachment.file_id == letter.pdf_file_id and attachment.filename == \
        letter.number.replace("/", "-") + ".pdf"
    assert all(r.incoming_letter_id == incoming.id and r.dispatch_method == "eoffice"
               for r in letter.recipients)
    for key in ("kabid_a", "kabid_b", "sekretaris"):
        assert can_view_letter(office.users[key], incoming), key
    assert not can_view_letter(office.users["other_head"], incoming)

    # The addressee finds it in their queue and opens the signed PDF.
    log_in(client, office.users["kabid_b"])
    queue = page_text(client.get("/surat-masuk/?antrian=to_read"))
    assert f'href="/surat-masuk/{incoming.id}"' in queue
    download = client.get(f"/surat-masuk/{incoming.id}/berkas/{attachment.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    log_in(client, office.users["sekretaris"])  # the copy, as tembusan
    assert f'href="/surat-masuk/{incoming.id}"' in page_text(
        client.get("/surat-masuk/?antrian=copies"))


def test_a_disposition_on_the_delivered_letter(client, office, make_draft, advance,
                                               create_staff, create_position):
    """Ready for disposition: the addressee sends it down to a position below."""
    from eoffice.dispositions.models import Disposition
    from eoffice.extensions import db

    staff = create_staff(name="Staf IKP", unit=office.bidang_b)
    below = create_position(office.bidang_b, "Pranata Humas", holder=staff,
                            parent=office.kabid_b)
    db.session.commit()
    letter = advance(make_draft(), "sent")
    [incoming] = incoming_of(letter)
    log_in(client, office.users["kabid_b"])
    assert client.get(f"/disposisi/surat/{incoming.id}/baru").status_code == 200
    response = client.post(f"/disposisi/surat/{incoming.id}/baru", data={
        "to_positions": [str(below.id)], "note": "Siapkan data"})
    assert response.status_code == 302
    assert count(Disposition, Disposition.letter_id == incoming.id) == 1


def test_sending_twice_is_refused(client, office, make_draft, advance):
    from eoffice.letters.models import IncomingLetter

    letter = advance(make_draft(), "signed")
    log_in(client, office.users["staf_a"])
    client.post(f"/surat-keluar/{letter.id}/kirim")
    before = count(IncomingLetter)
    page = page_text(client.post(f"/surat-keluar/{letter.id}/kirim", follow_redirects=True))
    assert "You cannot send this letter." in page
    assert count(IncomingLetter) == before and len(incoming_of(letter)) == 1


def test_the_drafters_unit_clerk_sends_it(client, people, make_draft, advance):
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.models import OutgoingLetter

    letter = advance(make_draft(), "signed")
    log_in(client, people.users["clerk_a"])
    client.post(f"/surat-keluar/{letter.id}/kirim")
    assert reload(OutgoingLetter, letter.id).status == "sent"
    [incoming] = incoming_of(letter)
    assert reload(IncomingLetter, incoming.id).registered_by_id == people.users["clerk_a"].id


# --- External ---------------------------------------------------------------------------

@pytest.fixture
def external_letter(office, make_draft, advance):
    """A signed surat biasa to two external recipients and one internal position."""
    return advance(make_draft(letter_type="biasa", subject="Undangan narasumber",
                              to=[office.kabid_b], external=EXTERNAL), "signed")


@pytest.mark.parametrize("change, message", [
    (lambda form: {k: v for k, v in form.items() if not k.startswith("method_")},
     "Give the method and date for every external recipient."),
    (lambda form: {k: ("" if k.startswith("date_") else v) for k, v in form.items()},
     "Give the method and date for every external recipient."),
    (lambda form: {k: ("merpati" if k.startswith("method_") else v) for k, v in form.items()},
     "Give the method and date for every external recipient."),
    (lambda form: dict(list(form.items())[:3]),  # the second recipient left out
     "Give the method and date for every external recipient."),
    (lambda form: {k: ((dt.date.fromisoformat(v) - dt.timedelta(days=1)).isoformat()
                       if k.startswith("date_") else v) for k, v in form.items()},
     "The dispatch date must be between the signing date and today."),
    (lambda form: {k: ((dt.date.fromisoformat(v) + dt.timedelta(days=1)).isoformat()
                       if k.startswith("date_") else v) for k, v in form.items()},
     "The dispatch date must be between the signing date and today."),
])
def test_external_dispatch_needs_method_and_a_date_in_range(client, office, external_letter,
                                                            change, message):
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.models import OutgoingLetter

    letter = external_letter
    before = count(IncomingLetter)
    log_in(client, office.users["staf_a"])
    page = page_text(client.post(f"/surat-keluar/{letter.id}/kirim",
                                 data=change(dispatch_form(letter)), follow_redirects=True))
    assert message in page
    letter = reload(OutgoingLetter, letter.id)
    assert letter.status == "signed" and count(IncomingLetter) == before
    assert all(r.dispatched_on is None and r.dispatch_method is None for r in letter.recipients)


@pytest.mark.parametrize("method", ["pos", "kurir", "email", "langsung"])
def test_external_dispatch_is_recorded(client, office, external_letter, method):
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.outgoing.models import OutgoingLetter

    letter = external_letter
    letter.signed_date = today_local() - dt.timedelta(days=3)  # signed earlier this week
    db.session.commit()
    log_in(client, office.users["staf_a"])
    when = today_local() - dt.timedelta(days=1)
    page = page_text(client.post(f"/surat-keluar/{letter.id}/kirim",
                                 data=dispatch_form(letter, method, when),
                                 follow_redirects=True))
    assert "The letter has been sent." in page
    letter = reload(OutgoingLetter, letter.id)
    external = [r for r in letter.recipients if not r.is_internal]
    assert [(r.name, r.dispatch_method, r.dispatched_on, r.dispatch_note) for r in external] == [
        (name, method, when, f"Resi {r.id}") for (name, _, _), r in zip(EXTERNAL, external,
                                                                         strict=True)]
    assert all(r.dispatched_by_id == office.users["staf_a"].id for r in external)
    assert len(incoming_of(letter)) == 1  # the internal one still got its incoming letter


# --- The expedition book ------------------------------------------------------------------

@pytest.fixture
def book(people, make_draft, advance):
    """Dispatched letters: a B letter this week, an R letter this week, a B letter from
    two months ago (outside the range)."""
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    today = today_local()
    open_letter = advance(make_draft(letter_type="biasa", subject="Surat terbuka", to=[],
                                     external=EXTERNAL), "sent")
    secret = advance(make_draft(letter_type="biasa", subject="Surat rahasia", security="R",
                                to=[], external=EXTERNAL[:1]), "sent")
    old = advance(make_draft(letter_type="biasa", subject="Surat lama", to=[],
                             external=EXTERNAL[:1]), "sent")
    for r in old.recipients:
        r.dispatched_on = today - dt.timedelta(days=60)
    db.session.commit()
    return {"open": open_letter, "secret": secret, "old": old,
            "range": f"date_from={(today - dt.timedelta(days=7)).isoformat()}"
                     f"&date_to={today.isoformat()}"}


def expedition(client, book, fmt: str):
    response = client.get(f"/surat-keluar/ekspedisi?{book['range']}&format={fmt}")
    assert response.status_code == 200, response.status_code
    return response


def subjects_in_xlsx(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True)["Buku Ekspedisi"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Tanggal Kirim", "Nomor Surat", "Tanggal Surat", "Perihal", "Kepada",
                       "Cara Kirim", "Keterangan")
    return [(row[1], row[3], row[4], row[5]) for row in rows[1:]]


@pytest.mark.parametrize("person, sees", [
    ("kadis", {"open", "secret"}),  # the signatory
    ("kabid_a", {"open", "secret"}),  # in the chain
    ("clerk_a", {"open"}),  # clerk of the drafter's unit: B and T only
    ("other_clerk", set()),
    ("other_head", set()),
])
def test_the_expedition_book_lists_what_the_user_may_see(client, people, book, person, sees):
    log_in(client, people.users[person])
    html = page_text(expedition(client, book, "html"))
    pdf = pdf_text(expedition(client, book, "pdf").data)
    xlsx = subjects_in_xlsx(expedition(client, book, "xlsx").data)
    for key in ("open", "secret", "old"):
        letter = book[key]
        shown = key in sees
        assert (letter.number in html) is shown, (key, "html")
        assert (letter.subject in pdf) is shown, (key, "pdf")
        assert any(row[0] == letter.number for row in xlsx) is shown, (key, "xlsx")
    if "open" in sees:
        assert ("Kepala Dinas Kesehatan, Pemerintah Kabupaten Tetangga" in html and
                "Rektor, Universitas Contoh" in html)
        assert (book["open"].number, "Surat terbuka", "Rektor, Universitas Contoh", "pos") in xlsx
        assert "BUKU EKSPEDISI SURAT KELUAR" in pdf and "Rektor, Universitas Contoh" in pdf
        assert "Resi" in pdf
    else:
        assert "Nothing sent in this period." in html or "secret" in sees


def test_the_expedition_book_checks_its_range(client, people, book):
    log_in(client, people.users["kadis"])
    page = page_text(client.get("/surat-keluar/ekspedisi?date_from=2026-02-01&date_to=2026-01-01"
                                "&format=html"))
    assert "The end date is before the start date." in page
    assert client.get("/surat-keluar/ekspedisi").status_code == 200  # a blank form first
    log_in(client, people.users["staf_a"])  # a pegawai keeps no expedition book
    assert client.get(f"/surat-keluar/ekspedisi?{book['range']}").status_code == 403
