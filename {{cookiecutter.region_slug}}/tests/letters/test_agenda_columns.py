"""The agenda book's Disposisi and Catatan columns and the cancelled-letter marker
(issue 11), the same in HTML, CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.helpers import page_text
from tests.letters.test_pdf import pdf_text

DISPOSED = "Kabid Aptika: Proses lebih lanjut; Sekretaris: Arsipkan/untuk diketahui"


def _url(fmt: str) -> str:
    today = dt.date.today()
    return (f"/surat-masuk/agenda?date_from={(today - dt.timedelta(days=10)).isoformat()}"
            f"&date_to={today.isoformat()}&format={fmt}")


@pytest.fixture
def book(app, office, register, instructions):
    """A disposed letter (with a forward below it), a cancelled one, a filed one and a
    secret (R) letter the Kadis may not see whose disposition carries a secret note."""
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db
    from eoffice.letters.services import cancel_letter

    yesterday = dt.date.today() - dt.timedelta(days=1)
    disposed = register(office, subject="Surat didisposisi", received_date=yesterday)
    first = dispose(disposed, DispositionInput(
        to_positions=[office.kabid_a.id], note="Segera koordinasikan",
        instruction_ids=[instructions["Proses lebih lanjut"].id]), actor=office.users["kadis"])
    dispose(disposed, DispositionInput(
        to_positions=[office.sekretaris.id], note="Arsipkan salinan",
        instruction_ids=[instructions["Arsipkan/untuk diketahui"].id]), actor=office.users["kadis"])
    # a forward is the Kabid's own business, not the agenda's
    dispose(disposed, DispositionInput(to_positions=[office.staf_a.id], note="Catatan turunan"),
            actor=office.users["kabid_a"], from_recipient=first.recipients[0])
    cancelled = register(office, subject="Surat salah catat", received_date=yesterday)
    cancel_letter(cancelled, "Tercatat dua kali", actor=office.users["clerk"])
    secret = register(office, to=[office.kabid_a], security="R", subject="Surat rahasia",
                      received_date=yesterday)
    dispose(secret, DispositionInput(to_positions=[office.staf_a.id],
                                     note="Catatan sangat rahasia"),
            actor=office.users["kabid_a"])
    db.session.commit()
    return {"disposed": disposed, "cancelled": cancelled, "secret": secret}


def _csv_rows(client) -> dict[str, dict[str, str]]:
    text = client.get(_url("csv")).get_data(as_text=True).lstrip("\ufeff")
    return {row["Perihal"]: row for row in csv.DictReader(io.StringIO(text))}


def test_csv_has_disposition_notes_and_cancel_columns(client, login, office, book):
    login(office.users["clerk"])
    rows = _csv_rows(client)
    disposed = rows["Surat didisposisi"]
    assert disposed["Disposisi"] == DISPOSED
    assert disposed["Catatan"] == "Segera koordinasikan; Arsipkan salinan"
    assert disposed["Dibatalkan"] == ""
    cancelled = rows["Surat salah catat"]
    # The cancelling day in the region's timezone (after 17:00 UTC it is already the
    # next day in WIB).
    from eoffice.letters.services import today_local

    today = today_local().isoformat()
    assert cancelled["Dibatalkan"] == f"DIBATALKAN {today}: Tercatat dua kali"
    assert cancelled["Disposisi"] == "" and cancelled["Status"] == "cancelled"


def test_xlsx_has_the_same_columns(client, login, office, book):
    from openpyxl import load_workbook

    login(office.users["clerk"])
    sheet = load_workbook(io.BytesIO(client.get(_url("xlsx")).data), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    by_subject = {r[header.index("Perihal")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    disposed = by_subject["Surat didisposisi"]
    assert disposed["Disposisi"] == DISPOSED
    assert disposed["Catatan"] == "Segera koordinasikan; Arsipkan salinan"
    assert by_subject["Surat salah catat"]["Dibatalkan"].startswith("DIBATALKAN ")
    assert by_subject["Surat salah catat"]["Dibatalkan"].endswith(": Tercatat dua kali")


def test_html_marks_the_cancelled_letter(client, login, office, book):
    login(office.users["clerk"])
    html = client.get(_url("html")).get_data(as_text=True)
    table = html.split('id="agenda-table"')[1]
    row = [r for r in table.split("<tr") if "Surat salah catat" in r][0]
    assert "agenda-cancelled" in row and "CANCELLED" in row and "Tercatat dua kali" in row
    text = page_text(client.get(_url("html")))
    for expected in ("Disposition", "Notes", "Kabid Aptika: Proses lebih lanjut",
                     "Sekretaris: Arsipkan/untuk diketahui", "Segera koordinasikan",
                     "Arsipkan salinan"):
        assert expected in text, expected
    assert "Catatan turunan" not in text


def test_pdf_marks_the_cancelled_letter(client, login, office, book):
    login(office.users["clerk"])
    text = " ".join(pdf_text(client.get(_url("pdf")).data).split())
    for expected in ("Disposisi", "Catatan", "DIBATALKAN", "Tercatat dua kali",
                     "Proses lebih lanjut", "Segera koordinasikan"):
        assert expected in text, expected


def test_notes_of_a_letter_the_viewer_may_not_see_do_not_leak(client, login, office, book):
    login(office.users["kadis"])
    assert "Catatan sangat rahasia" not in _csv_rows(client).__repr__()
    assert "Catatan sangat rahasia" not in client.get(_url("html")).get_data(as_text=True)
    assert "Catatan sangat rahasia" not in pdf_text(client.get(_url("pdf")).data)
    assert b"Catatan sangat rahasia" not in client.get(_url("xlsx")).data  # shared strings
    # the Kabid it was addressed to does see it
    login(office.users["kabid_a"])
    assert "Catatan sangat rahasia" in page_text(client.get(_url("html")))


def test_statements_do_not_grow_with_rows(app, client, login, office, register, instructions,
                                          count_queries):
    """Every format of the book: dispositions, instructions, positions and cancel dates
    are read in bulk, so 12 letters take as many statements as 3."""
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db
    from eoffice.letters.services import cancel_letter
    from tests.letters.conftest import Office
    from tests.letters.test_query_counts import measure

    kadis, clerk = office.users["kadis"], office.users["clerk"]
    kabid_a, sekretaris, staf_a = office.kabid_a.id, office.sekretaris.id, office.staf_a.id
    chosen = [instructions["Proses lebih lanjut"].id, instructions["Hadiri/wakili"].id]

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            letter = register(office, subject=f"Surat {n}")
            if n % 3 == 2:
                cancel_letter(letter, f"Alasan {n}", actor=clerk)
            else:
                first = dispose(letter, DispositionInput(
                    to_positions=[kabid_a, sekretaris], note=f"Catatan {n}",
                    instruction_ids=chosen), actor=kadis)
                dispose(letter, DispositionInput(to_positions=[staf_a], note="Turunan"),
                        actor=office.users["kabid_a"], from_recipient=first.recipients[0])
            db.session.commit()

    def measure_all() -> dict[str, tuple[int, int]]:
        login(clerk)
        return {fmt: measure(client, count_queries, _url(fmt))
                for fmt in ("html", "csv", "xlsx", "pdf")}

    add(3, 0)
    few = measure_all()
    db.session.expunge_all()  # measuring detached everything: attach the office again
    office = Office(*[db.session.merge(getattr(office, f)) if f != "users" else
                      {k: db.session.merge(u) for k, u in office.users.items()}
                      for f in Office.__dataclass_fields__])
    kadis, clerk = office.users["kadis"], office.users["clerk"]
    add(9, 3)
    many = measure_all()
    assert {k: c for k, (c, _) in many.items()} == {k: c for k, (c, _) in few.items()}
    assert all(count < 20 for count, _ in few.values()), few
    assert all(many[k][1] > few[k][1] for k in few)
    text = _csv_rows(client)
    assert text["Surat 11"]["Dibatalkan"].endswith(": Alasan 11")
    assert text["Surat 10"]["Disposisi"] == (
        "Kabid Aptika: Proses lebih lanjut, Hadiri/wakili; "
        "Sekretaris: Proses lebih lanjut, Hadiri/wakili")
