"""Inboxes: dashboard counters, list filters and pages, the agenda book in four formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from tests.helpers import page_text
from tests.letters.test_pdf import pdf_text


def dashboard_counters(client) -> dict[str, int]:
    """The dashboard's counters, by the list they link to."""
    page = client.get("/").get_data(as_text=True)
    pairs = re.findall(r'eo-card-value">\s*(\d+)\s*</div>\s*<a class="stretched-link" '
                       r'href="([^"]+)"', page)
    return {html_unescape(url): int(value) for value, url in pairs}


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def listed_letters(client, url: str) -> list[int]:
    """Ids of the letters in a letters list page, in order."""
    page = client.get(url)
    assert page.status_code == 200
    body = page.get_data(as_text=True).split('id="letters-table"')[1].split("</table>")[0]
    return [int(i) for i in re.findall(r'href="/surat-masuk/(\d+)"', body)]


def listed_dispositions(client, url: str) -> list[int]:
    page = client.get(url)
    assert page.status_code == 200
    body = page.get_data(as_text=True).split('id="dispositions-table"')[1].split("</table>")[0]
    return [int(i) for i in re.findall(r'href="/surat-masuk/(\d+)"', body)]


# --- Counters ---------------------------------------------------------------------------

@pytest.fixture
def inbox(app, office, register):
    """Letters in every state around the Kabid Aptika."""
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db

    kabid = office.kabid_a
    unread = [register(office, to=[kabid], subject=f"Untuk dibaca {n}") for n in range(3)]
    read = register(office, to=[kabid], subject="Sudah dibaca")
    copies = [register(office, cc=[kabid], subject=f"Tembusan {n}") for n in range(2)]
    secret_copy = register(office, cc=[kabid], security="R", subject="Tembusan rahasia")
    secret_to = register(office, to=[kabid], security="SR", subject="Sangat rahasia")
    cancelled = register(office, to=[kabid], subject="Dibatalkan")
    filed = register(office, subject="Diarsipkan")
    from eoffice.letters.services import cancel_letter, file_letter, mark_read

    mark_read(read, office.users["kabid_a"])
    cancel_letter(cancelled, "Salah", actor=office.users["clerk"])
    file_letter(filed, "", actor=office.users["kadis"])
    dispositions = []
    for n, due in enumerate((None, dt.date.today() + dt.timedelta(days=30), None)):
        letter = register(office, subject=f"Disposisi {n}")
        dispositions.append(dispose(letter, DispositionInput(
            to_positions=[kabid.id], note="x", due_date=due), actor=office.users["kadis"]))
    dispositions[0].due_date = dt.date.today() - dt.timedelta(days=3)  # overdue
    report(dispositions[2].recipients[0], "Selesai", None, True, actor=office.users["kabid_a"])
    db.session.commit()
    return {"unread": unread, "read": read, "copies": copies, "secret_copy": secret_copy,
            "secret_to": secret_to, "cancelled": cancelled, "filed": filed,
            "dispositions": dispositions}


def test_dashboard_counters_match_the_lists(client, login, office, inbox):
    login(office.users["kabid_a"])
    counters = dashboard_counters(client)
    to_read = listed_letters(client, "/surat-masuk/?antrian=to_read")
    copies = listed_letters(client, "/surat-masuk/?antrian=copies")
    open_ = listed_dispositions(client, "/disposisi/?antrian=open")
    overdue = listed_dispositions(client, "/disposisi/?antrian=overdue")
    assert counters["/surat-masuk/?antrian=to_read"] == len(to_read) == 4  # 3 unread + SR
    assert sorted(to_read) == sorted([letter.id for letter in inbox["unread"]]
                                     + [inbox["secret_to"].id])
    assert counters["/surat-masuk/?antrian=copies"] == len(copies) == 2  # not the R copy
    assert inbox["secret_copy"].id not in copies
    assert counters["/disposisi/?antrian=open"] == len(open_) == 2
    assert counters["/disposisi/?antrian=overdue"] == len(overdue) == 1
    assert overdue == [inbox["dispositions"][0].letter_id]
    assert "/surat-masuk/?antrian=registered_by_me" not in counters  # no clerk
    done = listed_dispositions(client, "/disposisi/?antrian=done")
    assert done == [inbox["dispositions"][2].letter_id]
    client.get(f"/surat-masuk/{inbox['unread'][0].id}")  # reading takes it off the counter
    assert dashboard_counters(client)["/surat-masuk/?antrian=to_read"] == 3


def test_the_clerks_counter_matches_their_list(client, login, office, inbox, register):
    register(office, by="other_clerk", to=[office.other_head])
    login(office.users["clerk"])
    counters = dashboard_counters(client)
    mine = listed_letters(client, "/surat-masuk/?antrian=registered_by_me&per_page=100")
    assert counters["/surat-masuk/?antrian=registered_by_me"] == len(mine) == 13
    login(office.users["other_clerk"])
    assert dashboard_counters(client)["/surat-masuk/?antrian=registered_by_me"] == 1


def test_the_sent_queue_lists_what_i_disposed(client, login, office, inbox):
    login(office.users["kadis"])
    sent = listed_dispositions(client, "/disposisi/?antrian=sent")
    assert sorted(sent) == sorted(d.letter_id for d in inbox["dispositions"])
    assert listed_dispositions(client, "/disposisi/?antrian=open") == []
    assert listed_dispositions(client, "/disposisi/?antrian=unknown") == []  # falls back to open


# --- Filters and pages --------------------------------------------------------------------

@pytest.fixture
def letters(app, office, register):
    import sqlalchemy as sa

    from eoffice.archive.models import Classification
    from eoffice.extensions import db
    from eoffice.letters.services import cancel_letter, file_letter

    codes = {c.code: c.id for c in db.session.scalars(sa.select(Classification))}
    today = dt.date.today()
    made = {
        "kemendagri": register(office, sender="Kementerian Dalam Negeri",
                               sender_number="100.1/1/SJ", subject="Rapat koordinasi",
                               received_date=today - dt.timedelta(days=10),
                               letter_date=today - dt.timedelta(days=12),
                               classification_id=codes["000.1"]),
        "bappeda": register(office, sender="Bappeda Provinsi", sender_number="050/9/BPD",
                            subject="Musrenbang kabupaten", security="T", speed="segera",
                            received_date=today - dt.timedelta(days=5),
                            letter_date=today - dt.timedelta(days=6),
                            classification_id=codes["000.1.2"]),
        "bpk": register(office, sender="BPK RI", sender_number="700/3/BPK", subject="Pemeriksaan",
                        security="R", speed="amat_segera", classification_id=codes["700.1"],
                        received_date=today - dt.timedelta(days=1),
                        letter_date=today - dt.timedelta(days=2)),
        "arsip": register(office, sender="Dinas Arsip", sender_number="045/1", subject="Edaran",
                          speed="penting", received_date=today - dt.timedelta(days=1),
                          letter_date=today - dt.timedelta(days=3)),
    }
    cancel_letter(made["bpk"], "Salah", actor=office.users["clerk"])
    file_letter(made["arsip"], "", actor=office.users["kadis"])
    db.session.commit()
    return made


@pytest.mark.parametrize("query, expected", [
    ("", {"kemendagri", "bappeda", "bpk", "arsip"}),
    ("date_from={d11}&date_to={d4}", {"kemendagri", "bappeda"}),
    ("date_from={d5}", {"bappeda", "bpk", "arsip"}),
    ("date_to={d5}", {"kemendagri", "bappeda"}),
    ("classification_id={000.1}", {"kemendagri", "bappeda"}),  # sub-codes included
    ("classification_id={000}", {"kemendagri", "bappeda"}),
    ("classification_id={000.1.2}", {"bappeda"}),
    ("classification_id={700}", {"bpk"}),
    ("security=T", {"bappeda"}),
    ("security=R", {"bpk"}),
    ("speed=segera", {"bappeda"}),
    ("speed=amat_segera", {"bpk"}),
    ("status=cancelled", {"bpk"}),
    ("status=filed", {"arsip"}),
    ("status=registered", {"kemendagri", "bappeda"}),
    ("sender=bappeda", {"bappeda"}),
    ("sender=BPK", {"bpk"}),
    ("q=musrenbang", {"bappeda"}),  # subject
    ("q=dalam+negeri", {"kemendagri"}),  # sender
    ("q=050/9", {"bappeda"}),  # sender's number
    ("q={agenda_bpk}", {"bpk"}),  # agenda number
    ("q=tidak+ada", set()),
    ("security=T&speed=biasa", set()),
    ("date_from=bukan-tanggal", {"kemendagri", "bappeda", "bpk", "arsip"}),  # ignored
])
def test_list_filters(client, login, office, letters, query, expected):
    import sqlalchemy as sa

    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    today = dt.date.today()
    codes = {c.code: c.id for c in db.session.scalars(sa.select(Classification))}
    values = {f"d{n}": (today - dt.timedelta(days=n)).isoformat() for n in range(15)}
    values |= {code: str(pk) for code, pk in codes.items()}
    values["agenda_bpk"] = letters["bpk"].agenda_number
    query = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], query)
    login(office.users["clerk"])
    found = listed_letters(client, "/surat-masuk/?" + query)
    assert set(found) == {letters[k].id for k in expected}
    assert len(found) == len(set(found))


def pager_link(client, url: str, rel: str) -> str | None:
    """The href of the pager's rel="next" / rel="prev" link on a list page."""
    import html

    found = re.search(rf'rel="{rel}" href="([^"]+)"', client.get(url).get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


def test_lists_are_newest_first_and_paged_by_keys(client, login, office, register):
    made = [register(office, subject=f"Surat {n:02d}") for n in range(7)]
    login(office.users["clerk"])
    urls = ["/surat-masuk/?per_page=3&security=B"]
    while (following := pager_link(client, urls[-1], "next")) is not None:
        urls.append(following)
    pages = [listed_letters(client, url) for url in urls]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sum(pages, []) == [letter.id for letter in reversed(made)]
    assert all("security=B" in url and "per_page=3" in url for url in urls[1:])
    assert "7 in all" in page_text(client.get("/surat-masuk/?per_page=3"))  # first page only
    # Under a filter checked letter by letter the list does not count, unless one page
    # holds everything.
    assert "in all" not in page_text(client.get(urls[0]))
    assert "7 in all" in page_text(client.get("/surat-masuk/?per_page=10&security=B"))
    # Back from the last page: the same middle page again.
    assert listed_letters(client, pager_link(client, urls[2], "prev")) == pages[1]
    assert pager_link(client, urls[0], "prev") is None
    # A cursor that is not ours (edited, truncated, absurd) starts from the first page.
    for bad in ("x", "bm90LWpzb24", "W1sibiJdXQ", "9" * 30, "%00", "a" * 600):
        assert listed_letters(client, f"/surat-masuk/?per_page=3&cursor={bad}") == pages[0]


def test_the_count_stops_at_the_cap(client, login, office, register, monkeypatch):
    from eoffice.letters import services

    monkeypatch.setattr(services, "COUNT_CAP", 4)
    for n in range(6):
        register(office, subject=f"Surat {n}")
    login(office.users["clerk"])
    assert "More than 4" in page_text(client.get("/surat-masuk/?per_page=2"))
    assert "6 in all" not in page_text(client.get("/surat-masuk/?per_page=2"))


# --- Agenda book ------------------------------------------------------------------------------

AGENDA_COLUMNS = ["No. Agenda", "Tanggal Diterima", "Pengirim", "Nomor Surat", "Tanggal Surat",
                  "Perihal", "Klasifikasi", "Sifat", "Kecepatan", "Kepada", "Status",
                  "Disposisi", "Catatan", "Dibatalkan"]


@pytest.fixture
def agenda(app, office, register):
    today = dt.date.today()
    yesterday = today - dt.timedelta(days=1)
    return {
        "seen": register(office, subject="Terlihat oleh kadis", received_date=yesterday,
                         sender="=HYPERLINK(\"http://x\")"),
        "seen_too": register(office, to=[office.kabid_b], subject="Untuk Kabid IKP",
                             received_date=yesterday),
        "secret": register(office, to=[office.kabid_a], security="R", subject="Rahasia kabid",
                           received_date=yesterday),
        "other": register(office, by="other_clerk", to=[office.other_head],
                          subject="Dinas lain", received_date=yesterday),
        "old": register(office, subject="Bulan lalu", received_date=today - dt.timedelta(days=40),
                        letter_date=today - dt.timedelta(days=41)),
    }


def _agenda_url(fmt: str, days: int = 10) -> str:
    today = dt.date.today()
    return (f"/surat-masuk/agenda?date_from={(today - dt.timedelta(days=days)).isoformat()}"
            f"&date_to={today.isoformat()}&format={fmt}")


def test_the_agenda_book_in_html(client, login, office, agenda):
    login(office.users["kadis"])
    page = client.get(_agenda_url("html")).get_data(as_text=True)
    table = page.split('id="agenda-table"')[1]
    ids = [int(i) for i in re.findall(r'href="/surat-masuk/(\d+)"', table)]
    assert ids == [agenda["seen"].id, agenda["seen_too"].id]  # in agenda order
    assert "Rahasia kabid" not in page and "Dinas lain" not in page and "Bulan lalu" not in page
    assert "Bulan lalu" in page_text(client.get(_agenda_url("html", days=60)))


def test_the_agenda_book_as_csv(client, login, office, agenda):
    login(office.users["kadis"])
    response = client.get(_agenda_url("csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == AGENDA_COLUMNS
    assert [r[5] for r in rows[1:]] == ["Terlihat oleh kadis", "Untuk Kabid IKP"]
    first = dict(zip(AGENDA_COLUMNS, rows[1], strict=True))
    letter = agenda["seen"]
    assert first["No. Agenda"] == letter.agenda_number
    assert first["Tanggal Diterima"] == letter.received_date.isoformat()
    assert first["Nomor Surat"] == letter.sender_number
    assert first["Kepada"] == "Kepala Dinas" and first["Sifat"] == "B"
    assert first["Pengirim"] == "'=HYPERLINK(\"http://x\")"  # no formula runs in a spreadsheet


def test_the_agenda_book_as_xlsx(client, login, office, agenda):
    from openpyxl import load_workbook

    login(office.users["kadis"])
    response = client.get(_agenda_url("xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [list(r) for r in workbook["Buku Agenda"].iter_rows(values_only=True)]
    workbook.close()
    assert rows[0] == AGENDA_COLUMNS
    assert [r[5] for r in rows[1:]] == ["Terlihat oleh kadis", "Untuk Kabid IKP"]
    assert rows[1][0] == agenda["seen"].agenda_number
    assert rows[1][2].startswith("'=")


def test_the_agenda_book_as_pdf(client, login, office, agenda):
    login(office.users["kadis"])
    response = client.get(_agenda_url("pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "BUKU AGENDA SURAT MASUK" in text
    for key in ("seen", "seen_too"):
        letter = agenda[key]
        assert letter.agenda_number in text and letter.subject in text
        assert letter.sender_number in text
    assert "Rahasia kabid" not in text and "Dinas lain" not in text and "Bulan lalu" not in text
    assert "Jumlah: 2 surat." in text


def test_the_clerk_sees_the_units_whole_book(client, login, office, agenda):
    login(office.users["clerk"])
    rows = list(csv.reader(io.StringIO(client.get(_agenda_url("csv")).get_data(as_text=True)[1:])))
    assert [r[5] for r in rows[1:]] == ["Terlihat oleh kadis", "Untuk Kabid IKP", "Rahasia kabid"]
    login(office.users["other_clerk"])
    rows = list(csv.reader(io.StringIO(client.get(_agenda_url("csv")).get_data(as_text=True)[1:])))
    assert [r[5] for r in rows[1:]] == ["Dinas lain"]


def test_the_agenda_book_checks_its_range(client, login, office):
    login(office.users["clerk"])
    page = client.get("/surat-masuk/agenda").get_data(as_text=True)
    assert 'id="agenda-table"' in page and 'name="date_from"' in page  # this month, at once
    page = client.get("/surat-masuk/agenda?date_from=2026-02-01&date_to=2026-01-01"
                      ).get_data(as_text=True)
    assert "The end date is before the start date." in page and 'id="agenda-table"' not in page
    page = page_text(client.get("/surat-masuk/agenda?date_from=2024-01-01&date_to=2026-01-01"
                                "&format=csv"))
    assert "Choose at most one year." in page
    login(office.users["staf_a"])  # pegawai keep no agenda book
    assert client.get(_agenda_url("html")).status_code == 403


def test_the_old_queue_parameter_redirects_to_antrian(client, login, office, inbox):
    """Every list names its queue ?antrian=; bookmarks of ?queue= keep working."""
    login(office.users["kadis"])
    answer = client.get("/surat-masuk/?queue=to_read&per_page=100")
    assert answer.status_code == 301
    assert answer.headers["Location"].endswith("/surat-masuk/?per_page=100&antrian=to_read")
    to_read = listed_letters(client, "/surat-masuk/?antrian=to_read&per_page=100")
    assert to_read and to_read == listed_letters(client, answer.headers["Location"])
    assert to_read != listed_letters(client, "/surat-masuk/?per_page=100")


def test_registered_by_me_tab_is_for_clerks_only(client, login, office, inbox):
    login(office.users["kadis"])
    assert "antrian=registered_by_me" not in client.get("/surat-masuk/").get_data(as_text=True)
    login(office.users["clerk"])
    assert "antrian=registered_by_me" in client.get("/surat-masuk/").get_data(as_text=True)


def test_the_agenda_and_expedition_books_open_with_this_months_rows(client, login, office,
                                                                    register):
    """Opened from the menu, a book shows this month at once; no "Show" press needed."""
    from eoffice.letters.services import today_local

    register(office, subject="Diterima hari ini", received_date=today_local())
    login(office.users["clerk"])
    assert "Diterima hari ini" in page_text(client.get("/surat-masuk/agenda"))
    expedition = client.get("/surat-keluar/ekspedisi")
    assert expedition.status_code == 200
    assert 'id="expedition-table"' in expedition.get_data(as_text=True)
