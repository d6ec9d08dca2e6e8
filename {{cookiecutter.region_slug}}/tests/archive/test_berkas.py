"""Pemberkasan: opening a berkas, filing incoming and outgoing letters (from the letter's
page and in bulk), closing it with the JRA's retention, the daftar berkas and daftar isi
berkas (paged, CSV/XLSX) and the access rule through them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from eoffice.archive import filing
from eoffice.archive.models import Berkas, BerkasItem, Classification
from eoffice.audit import AuditEvent
from eoffice.extensions import db
from tests.helpers import page_text

CODE = "000.1.2.3"  # a leaf series of the example JRA (Ketatausahaan)


def code(value: str) -> Classification:
    return db.session.scalar(sa.select(Classification).where(Classification.code == value))


@pytest.fixture
def archivist(office, create_user):
    user = create_user(username="arsiparis", roles=["arsiparis"], full_name="Arsiparis")
    db.session.commit()
    return user


@pytest.fixture
def berkas(office):
    item = filing.open_berkas(unit_id=office.dinas.id, classification_id=code("000.1").id,
                              year=dt.date.today().year, title="Ketatausahaan Dinas",
                              actor=office.users["clerk"])
    db.session.commit()
    return item


def letter_in(register, office, value: str = CODE, **extra):
    return register(office, classification_id=code(value).id, **extra)


def test_the_jra_entry_of_the_code_is_known(app):
    schedule = filing.retention_of(code(CODE))
    assert schedule.known and schedule.code == CODE
    # a parent without its own retention reads none; a leaf under it does
    assert code(CODE).retention_active_years is not None


def test_a_clerk_opens_a_berkas_numbered_per_unit_and_year(client, login, office):
    login(office.users["clerk"])
    year = dt.date.today().year
    form = {"unit_id": office.dinas.id, "classification_code": "000.1", "year": year,
            "title": "Rapat koordinasi"}
    first = client.post("/pemberkasan/baru", data=form)
    second = client.post("/pemberkasan/baru", data=form | {"title": "Undangan"})
    assert first.status_code == second.status_code == 302
    rows = db.session.scalars(sa.select(Berkas).order_by(Berkas.id)).all()
    assert [(b.number, b.year, b.status, b.classification.code) for b in rows] == [
        (1, year, "open", "000.1"), (2, year, "open", "000.1")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "berkas.opened")) == 2


@pytest.mark.parametrize("override, message", [
    ({"classification_code": "999.9"}, "Unknown classification code 999.9."),
    ({"title": "  "}, "This field is required."),
    ({"year": "1800"}, "Number must be between 1945 and 9999."),
    ({"year": "abc"}, "Not a valid integer value."),
])
def test_bad_input_when_opening_is_told_not_a_500(client, login, office, override, message):
    login(office.users["clerk"])
    form = {"unit_id": office.dinas.id, "classification_code": "000.1",
            "year": dt.date.today().year, "title": "Rapat"} | override
    response = client.post("/pemberkasan/baru", data=form)
    assert response.status_code == 200
    assert message in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Berkas)) == 0


def test_a_clerk_may_not_open_a_berkas_for_another_unit(client, login, office):
    login(office.users["other_clerk"])
    response = client.post("/pemberkasan/baru", data={
        "unit_id": office.dinas.id, "classification_code": "000.1",
        "year": dt.date.today().year, "title": "Rapat"})
    assert response.status_code == 200
    assert "Not a valid choice." in page_text(response)
    with pytest.raises(filing.FilingError, match="may not file letters for this unit"):
        filing.open_berkas(unit_id=office.dinas.id, classification_id=code("000.1").id,
                           year=dt.date.today().year, title="x", actor=office.users["other_clerk"])


def test_filing_from_the_letter_page(client, login, office, register, berkas):
    letter = letter_in(register, office)
    login(office.users["clerk"])
    page = client.get(f"/surat-masuk/{letter.id}")
    assert "File into a berkas" in page_text(page) and berkas.title in page_text(page)
    response = client.post("/pemberkasan/berkaskan", data={
        "berkas_id": berkas.id, "masuk": letter.id, "from_letter": "masuk"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/surat-masuk/{letter.id}")
    item = db.session.scalar(sa.select(BerkasItem))
    assert (item.berkas_id, item.incoming_letter_id) == (berkas.id, letter.id)
    page = client.get(f"/surat-masuk/{letter.id}")
    assert "Filed in berkas" in page_text(page)
    # and it shows in the daftar isi berkas
    assert letter.agenda_number in page_text(client.get(f"/pemberkasan/{berkas.id}"))


def test_filing_refusals_are_plain(office, register, berkas):
    clerk = office.users["clerk"]
    other_code = letter_in(register, office, "100")
    no_code = register(office)
    filed = letter_in(register, office)
    filing.file_letter(berkas, filed, actor=clerk)
    with pytest.raises(filing.FilingError, match="has code 100; this berkas holds letters of "
                                                 "000.1"):
        filing.file_letter(berkas, other_code, actor=clerk)
    with pytest.raises(filing.FilingError, match="has no classification code"):
        filing.file_letter(berkas, no_code, actor=clerk)
    with pytest.raises(filing.FilingError, match="is already in berkas 1/"):
        filing.file_letter(berkas, filed, actor=clerk)
    with pytest.raises(filing.FilingError, match="may not file letters for this unit"):
        filing.file_letter(berkas, letter_in(register, office), actor=office.users["other_clerk"])
    with pytest.raises(filing.FilingError, match="may not file"):
        filing.file_letter(berkas, letter_in(register, office), actor=office.users["kadis"])


def test_bulk_filing_files_what_fits_and_says_why_not(client, login, office, register, berkas):
    fits = [letter_in(register, office) for _ in range(3)]
    wrong = letter_in(register, office, "100")
    login(office.users["clerk"])
    page = page_text(client.get(f"/pemberkasan/{berkas.id}"))
    assert all(letter.agenda_number in page for letter in fits)  # offered in the list
    assert wrong.agenda_number not in page
    response = client.post("/pemberkasan/berkaskan", data={
        "berkas_id": berkas.id, "masuk": [str(x.id) for x in fits] + [str(wrong.id), "abc"]},
        follow_redirects=True)
    text = page_text(response)
    assert "Filed into berkas" in text and "has code 100" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BerkasItem)) == 3


def test_outgoing_letters_are_filed_once_signed(client, login, office, make_draft, advance,
                                                berkas):
    from eoffice.auth.models import UserRole

    kadis = office.users["kadis"]  # the signer, here also the office's records clerk
    kadis.roles.append(UserRole(role="pencatat"))
    clerk = office.users["clerk"]
    approved = advance(make_draft(code=CODE), "approved")
    with pytest.raises(filing.FilingError, match="not signed yet"):
        filing.file_letter(berkas, approved, actor=kadis)
    sent = advance(make_draft(code=CODE, subject="Nota dinas terkirim"), "sent")
    db.session.commit()
    login(kadis)
    page = page_text(client.get(f"/surat-keluar/{sent.id}"))
    assert "File into a berkas" in page
    client.post("/pemberkasan/berkaskan", data={"berkas_id": berkas.id, "keluar": sent.id,
                                                "from_letter": "keluar"})
    items = filing.items_page(berkas, kadis).items
    assert [i.outgoing_letter_id for i in items] == [sent.id]
    assert "Nota dinas terkirim" in page_text(client.get(f"/pemberkasan/{berkas.id}"))
    del clerk


def test_closing_starts_the_retention_clock_from_the_jra(client, login, office, register,
                                                         berkas, monkeypatch):
    letter = letter_in(register, office)
    login(office.users["clerk"])
    empty = client.post(f"/pemberkasan/{berkas.id}/tutup", follow_redirects=True)
    assert "The berkas is empty" in page_text(empty)
    filing.file_letter(berkas, letter, actor=office.users["clerk"])
    db.session.commit()
    from eoffice.letters.services import today_local

    today = today_local()
    response = client.post(f"/pemberkasan/{berkas.id}/tutup", follow_redirects=True)
    assert "Berkas closed" in page_text(response)
    db.session.refresh(berkas)
    # 000.1 has no retention of its own: none in the example JRA; the berkas says so
    jra = filing.retention_of(berkas.classification)
    assert berkas.status == "closed" and berkas.closed_on == today
    if jra.known:
        assert berkas.active_until == filing.add_years(today, jra.active_years)
    # closed: nothing more goes in
    with pytest.raises(filing.FilingError, match="closed"):
        filing.file_letter(berkas, letter_in(register, office), actor=office.users["clerk"])


def test_closing_a_berkas_of_a_leaf_code_copies_its_retention(office, register):
    clerk = office.users["clerk"]
    series = code(CODE)
    berkas = filing.open_berkas(unit_id=office.dinas.id, classification_id=series.id,
                                year=2026, title="Surat edaran", actor=clerk)
    filing.file_letter(berkas, letter_in(register, office), actor=clerk)
    filing.close_berkas(berkas, actor=clerk, today=dt.date(2024, 2, 29))
    assert (berkas.retention_active_years, berkas.retention_inactive_years,
            berkas.final_disposition) == (series.retention_active_years,
                                          series.retention_inactive_years,
                                          series.final_disposition)
    active = dt.date(2024 + series.retention_active_years, 2, 28 if (
        2024 + series.retention_active_years) % 4 else 29)
    assert berkas.active_until == active
    assert berkas.inactive_until == filing.add_years(active, series.retention_inactive_years)


def test_add_years_handles_the_leap_day():
    assert filing.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert filing.add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert filing.add_years(dt.date(2024, 7, 1), 0) == dt.date(2024, 7, 1)


def test_a_berkas_never_shows_an_r_letter_to_someone_who_may_not_see_it(
        client, login, office, register, berkas, archivist):
    clerk = office.users["clerk"]
    plain = letter_in(register, office, subject="Undangan biasa")
    secret = letter_in(register, office, security="R", to=[office.kabid_a],
                       subject="Perihal rahasia sekali")
    filing.file_letter(berkas, plain, actor=clerk)
    filing.file_letter(berkas, secret, actor=clerk)  # the registering clerk sees it
    db.session.commit()
    for user, sees_secret in ((clerk, True), (office.users["kabid_a"], True),
                              (office.users["kadis"], False), (archivist, False)):
        login(user)
        url = f"/pemberkasan/{berkas.id}"
        if not filing.in_scope(user, berkas.unit_id):
            assert client.get(url).status_code == 404
            continue
        html = page_text(client.get(url))
        exported = client.get(url + "?format=csv").get_data(as_text=True)
        assert ("Perihal rahasia sekali" in html) is sees_secret, user.username
        assert ("Perihal rahasia sekali" in exported) is sees_secret, user.username
        assert "Undangan biasa" in html or user is archivist
    # the arsiparis sees every unit's berkas but not the letters they may not see
    login(archivist)
    assert "Ketatausahaan Dinas" in page_text(client.get("/pemberkasan/"))


def test_other_units_and_plain_staff_do_not_see_the_berkas(client, login, office, berkas):
    login(office.users["other_clerk"])
    assert client.get(f"/pemberkasan/{berkas.id}").status_code == 404
    assert "Ketatausahaan Dinas" not in page_text(client.get("/pemberkasan/"))
    assert client.post(f"/pemberkasan/{berkas.id}/tutup").status_code == 404
    login(office.users["staf_a"])
    assert client.get("/pemberkasan/").status_code == 403
    assert client.post("/pemberkasan/berkaskan", data={"berkas_id": berkas.id}).status_code == 403


def test_daftar_berkas_exports_csv_and_xlsx(client, login, office, berkas):
    login(office.users["clerk"])
    response = client.get("/pemberkasan/?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Nomor Berkas", "Tahun", "Unit", "Kode Klasifikasi", "Uraian"]
    assert rows[1][:5] == ["1", str(berkas.year), "Dinas Kominfo", "000.1", "Ketatausahaan Dinas"]
    from openpyxl import load_workbook

    response = client.get(f"/pemberkasan/{berkas.id}?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in next(sheet.iter_rows())][:3] == ["No.", "Jenis", "Nomor"]


def test_the_lists_are_paged_with_a_steady_statement_count(client, login, office, register,
                                                          count_queries):
    clerk = office.users["clerk"]
    berkas = [filing.open_berkas(unit_id=office.dinas.id, classification_id=code("000.1").id,
                                 year=2026, title=f"Berkas {n}", actor=clerk) for n in range(30)]
    for _ in range(30):
        filing.file_letter(berkas[0], letter_in(register, office), actor=clerk)
    db.session.commit()
    login(clerk)
    client.get(f"/pemberkasan/{berkas[0].id}")  # the session's first page reads the user
    counts = {}
    for size in (5, 25):
        with count_queries() as counter:
            index = client.get(f"/pemberkasan/?per_page={size}")
        with count_queries() as counter_items:
            items = client.get(f"/pemberkasan/{berkas[0].id}?per_page={size}")
        assert index.status_code == items.status_code == 200
        counts[size] = (counter.count, counter_items.count)
    assert counts[5] == counts[25]
    assert 'rel="next"' in client.get("/pemberkasan/?per_page=5").get_data(as_text=True)


def test_taking_a_letter_out_of_an_open_berkas(client, login, office, register, berkas):
    letter = letter_in(register, office)
    item = filing.file_letter(berkas, letter, actor=office.users["clerk"])
    db.session.commit()
    login(office.users["clerk"])
    client.post(f"/pemberkasan/{berkas.id}/keluarkan/{item.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BerkasItem)) == 0


def test_the_backlog_counts_letters_not_yet_filed_per_unit(client, login, office, register,
                                                          berkas):
    from eoffice.archive import retention

    clerk = office.users["clerk"]
    letters = [letter_in(register, office) for _ in range(3)]
    letter_in(register, office, security="R", to=[office.kabid_a], by="clerk")
    filing.file_letter(berkas, letters[0], actor=clerk)
    db.session.commit()
    year = letters[0].agenda_year
    assert retention.backlog(clerk, year) == [("Dinas Kominfo", 3, 0)]  # 2 + the R one
    # the head above does not see the R letter, so it is not counted for them
    assert retention.backlog(office.users["kadis"], year) == [("Dinas Kominfo", 2, 0)]
    login(clerk)
    text = page_text(client.get(f"/pemberkasan/laporan?tahun={year}"))
    assert "Letters not yet filed in" in text and "Dinas Kominfo" in text
    assert client.get("/pemberkasan/laporan?tahun=abc").status_code == 200


@pytest.mark.parametrize("module", ["eoffice.letters", "eoffice.letters.services",
                                    "eoffice.outgoing.models", "eoffice.archive",
                                    "eoffice.archive.filing", "eoffice.dispositions"])
def test_each_package_imports_on_its_own(module):
    """Pemberkasan reads letters and letters read classification codes: importing any one
    of them first (as the benchmark's seeding does) must not meet a half-made module."""
    import subprocess
    import sys
    from pathlib import Path

    import eoffice

    root = Path(eoffice.__file__).parent.parent
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root,
                            capture_output=True, text=True, env={"PYTHONPATH": str(root)},
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
