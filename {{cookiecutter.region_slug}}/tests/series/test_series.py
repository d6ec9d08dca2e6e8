"""Numbering series as data: patterns, which series numbers what, agenda books per OPD,
the administrators' page and the check command."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from eoffice.numbering import PatternError, check_pattern, format_number
from tests.helpers import page_text
from tests.letters.conftest import letter_form

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
codes = st.from_regex(r"[0-9]{3}(\.[0-9]{1,2}){0,3}", fullmatch=True)
unit_codes = st.from_regex(r"[A-Z]{2,10}(\.[A-Z]{2,6}){0,2}", fullmatch=True)


# --- Patterns ----------------------------------------------------------------------------

@given(seq=st.integers(1, 99_999), when=dates, code=codes, unit=unit_codes, opd=unit_codes,
       kind=st.sampled_from(["biasa", "nota_dinas", "tugas"]))
def test_every_placeholder_renders(seq, when, code, unit, opd, kind):
    fields = {"code": code, "unit": unit, "opd": opd, "type": kind}
    number = format_number("{code}/{seq:03d}/{opd}/{unit}/{year}", seq, when, fields)
    parts = number.split("/")
    assert parts[0] == code and int(parts[1]) == seq and len(parts[1]) >= 3
    assert parts[2:] == [opd, unit, str(when.year)]
    number = format_number("{type}-{seq}-{roman_month}-{month}", seq, when, fields)
    assert number.split("-") == [kind, str(seq), ["I", "II", "III", "IV", "V", "VI", "VII",
                                                  "VIII", "IX", "X", "XI", "XII"][when.month - 1],
                                 f"{when.month:02d}"]


@pytest.mark.parametrize("pattern, message", [
    ("SM/{seq}/{tahun}", "unknown placeholder {tahun}"),
    ("{seq.real}", "unknown placeholder {seq.real}"),
    ("{seq:zz}", "bad format ':zz' for {seq}"),
    ("{unit:d}/{seq}", "bad format ':d' for {unit}"),
    ("{seq!r}", "bad format of {seq}"),
    ("SM/{year}", "must contain {seq}"),
    ("", "The pattern is empty"),
    ("{seq}/" + "X" * 80, "longer than 80 characters"),
    ("{seq}/{unit}/{unit}/{unit}/{opd}", "longer than 64 characters"),
    ("SM/{seq/{year", "is not closed"),
])
def test_check_pattern_says_what_is_wrong(pattern, message):
    with pytest.raises(PatternError) as raised:
        check_pattern(pattern)
    assert message in str(raised.value)


@pytest.mark.parametrize("pattern", ["{seq}", "{seq:05d}", "{code}/{seq:03d}/{opd}/{year}",
                                     "{seq}/{type}/{unit}/{roman_month}/{month}/{year}",
                                     "SM {{{seq}}}"])
def test_check_pattern_accepts_good_patterns(pattern):
    check_pattern(pattern)


# --- Which series numbers what -------------------------------------------------------------

def _code(code: str):
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return db.session.scalar(sa.select(Classification).where(Classification.code == code))


def test_the_most_specific_series_wins(app, office, make_series):
    from eoffice.series.services import series_for

    region = series_for("agenda", office.bidang_a)
    assert region.scope == "region" and region.default_for == "agenda"
    by_opd = make_series("Agenda Kominfo", ["agenda"], "KOM/{seq}", "opd", office.dinas)
    assert series_for("agenda", office.bidang_a) == by_opd
    assert series_for("agenda", office.other) == region
    by_unit = make_series("Agenda Aptika", ["agenda"], "APT/{seq}", "unit", office.bidang_a)
    assert series_for("agenda", office.bidang_a) == by_unit
    assert series_for("agenda", office.bidang_b) == by_opd
    restricted = make_series("Agenda kepegawaian", ["agenda"], "KP/{seq}", "opd", office.dinas,
                             codes=["800"])
    assert series_for("agenda", office.bidang_b, _code("800")) == restricted
    assert series_for("agenda", office.bidang_b, _code("000")) == by_opd
    assert series_for("agenda", office.bidang_a, _code("800")) == by_unit  # unit beats OPD
    region_800 = make_series("Region 800", ["agenda"], "R8/{seq}", codes=["800"])
    assert series_for("agenda", office.other, _code("800")) == region_800
    assert series_for("agenda", office.other, _code("000")) == region


def test_inactive_series_are_skipped_and_none_left_is_a_clear_error(app, office, make_series):
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries
    from eoffice.series.services import SeriesError, series_for

    by_opd = make_series("Agenda Kominfo", ["agenda"], "KOM/{seq}", "opd", office.dinas,
                         active=False)
    assert series_for("agenda", office.dinas) != by_opd
    db.session.execute(sa.update(NumberingSeries).values(active=False))
    with pytest.raises(SeriesError, match="No active numbering series"):
        series_for("agenda", office.dinas)


# --- Agenda books per OPD -------------------------------------------------------------------

def test_each_opd_numbers_its_own_agenda(app, office, register, make_series):
    make_series("Agenda Kominfo", ["agenda"], "KOM/{seq:03d}/{year}", "opd", office.dinas)
    make_series("Agenda Dinas Lain", ["agenda"], "DL/{seq}", "opd", office.other)
    mine = [register(office) for _ in range(3)]
    theirs = [register(office, by="other_clerk", to=[office.other_head]) for _ in range(2)]
    year = mine[0].received_date.year
    assert [x.agenda_number for x in mine] == [f"KOM/{n:03d}/{year}" for n in (1, 2, 3)]
    assert [x.agenda_number for x in theirs] == ["DL/1", "DL/2"]
    assert {x.agenda_opd_id for x in mine} == {office.dinas.id}
    assert {x.agenda_opd_id for x in theirs} == {office.other.id}


def test_the_agenda_book_shows_only_the_opds_letters(client, login, office, register,
                                                     make_series, app):
    make_series("Agenda Dinas Lain", ["agenda"], "DL/{seq}", "opd", office.other)
    register(office, subject="Surat untuk Kominfo")
    register(office, by="other_clerk", to=[office.other_head], subject="Surat untuk Dinas Lain")
    from eoffice.letters.services import today_local

    today = today_local()
    query = {"date_from": (today - dt.timedelta(days=30)).isoformat(),
             "date_to": today.isoformat(), "format": "html"}
    login(office.users["kadis"])
    text = page_text(client.get("/surat-masuk/agenda", query_string=query))
    assert "Surat untuk Kominfo" in text and "Surat untuk Dinas Lain" not in text
    login(office.users["other_head"])
    text = page_text(client.get("/surat-masuk/agenda", query_string=query))
    assert "Surat untuk Dinas Lain" in text and "Surat untuk Kominfo" not in text
    # Choosing another OPD is for central clerks only: the own book is shown.
    text = page_text(client.get("/surat-masuk/agenda", query_string=query | {
        "opd": office.dinas.id}))
    assert "Surat untuk Kominfo" not in text


def test_a_central_clerk_registers_for_any_opd(client, login, office, make_series, app,
                                               monkeypatch, create_unit, create_staff,
                                               create_position, create_user):
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    make_series("Agenda Dinas Lain", ["agenda"], "DL/{seq}", "opd", office.other)
    setda = create_unit(code="SETDA", name="Sekretariat Daerah", kind="sekretariat")
    staff = create_staff(name="TU Pimpinan", unit=setda)
    create_position(setda, "Pengadministrasi TU", holder=staff)
    central = create_user(username="tusetda", roles=["pencatat", "pegawai"], staff=staff)
    monkeypatch.setitem(app.config, "NUMBERING_CENTRAL_UNIT", "SETDA")
    login(central)
    form = client.get("/surat-masuk/baru")
    assert 'name="agenda_opd"' in form.get_data(as_text=True)
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, sender_number="A/1", agenda_opd=str(office.other.id)))
    assert response.status_code == 302
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == "A/1"))
    assert (letter.agenda_number, letter.agenda_opd_id) == ("DL/1", office.other.id)
    # The form offers their own OPD first (SETDA: numbered by the region's series).
    page = form.get_data(as_text=True)
    assert f'<option selected value="{setda.id}">' in page
    client.post("/surat-masuk/baru", data=letter_form(office, sender_number="A/2",
                                                      agenda_opd=str(setda.id)))
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == "A/2"))
    assert letter.agenda_opd_id == setda.id and not letter.agenda_number.startswith("DL/")
    # A clerk of an OPD cannot register into another OPD's book.
    login(office.users["clerk"])
    assert 'name="agenda_opd"' not in client.get("/surat-masuk/baru").get_data(as_text=True)
    response = client.post("/surat-masuk/baru", data=letter_form(
        office, sender_number="A/3", agenda_opd=str(office.other.id)))
    letter = db.session.scalar(sa.select(IncomingLetter).where(
        IncomingLetter.sender_number == "A/3"))
    assert letter is not None and letter.agenda_opd_id == office.dinas.id


# --- Outgoing letters --------------------------------------------------------------------

def test_signing_uses_the_signers_series(app, make_series):
    from eoffice.series.services import series_for

    assert series_for("outgoing:biasa", None).default_for == "outgoing"


# --- The administrators' page ----------------------------------------------------------------

def _series_form(**overrides) -> dict:
    data = {"name": "Agenda Dinas", "scope": "region", "unit_id": "", "kinds": ["agenda"],
            "classification_codes": "", "pattern": "AG/{seq:04d}/{year}", "yearly_reset": "y",
            "active": "y"}
    data.update(overrides)
    return data


def _series_count() -> int:
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    return db.session.scalar(sa.select(sa.func.count()).select_from(NumberingSeries))


def test_admin_creates_and_edits_a_series_with_history(client, login, office):
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    login(office.users["admin"])
    assert "Agenda surat masuk" in page_text(client.get("/admin/penomoran/"))
    before = _series_count()
    response = client.post("/admin/penomoran/baru", data=_series_form(
        scope="opd", unit_id=str(office.dinas.id)))
    assert response.status_code == 302
    series = db.session.scalar(sa.select(NumberingSeries).order_by(NumberingSeries.id.desc()))
    assert _series_count() == before + 1 and series.unit_id == office.dinas.id
    year = dt.date.today().year
    page = page_text(client.get(f"/admin/penomoran/{series.id}"))
    assert f"AG/0001/{year}" in page  # the next number
    response = client.post(f"/admin/penomoran/{series.id}", data=_series_form(
        scope="opd", unit_id=str(office.dinas.id), pattern="AGD/{seq:04d}/{year}"))
    assert response.status_code == 302
    page = page_text(client.get(f"/admin/penomoran/{series.id}"))
    assert f"AGD/0001/{year}" in page
    assert "numbering.series_changed" in page and "AG/{seq:04d}/{year}" in page


@pytest.mark.parametrize("pattern, message", [
    ("AG/{nomor}/{seq}", "unknown placeholder {nomor}"),
    ("AG/{year}", "must contain {seq}"),
    ("{seq:xx}", "bad format"),
])
def test_a_bad_pattern_is_refused_and_nothing_saved(client, login, office, pattern, message):
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    login(office.users["admin"])
    before = _series_count()
    response = client.post("/admin/penomoran/baru", data=_series_form(pattern=pattern))
    assert response.status_code == 200 and message in page_text(response)
    assert _series_count() == before
    default = db.session.scalar(sa.select(NumberingSeries).where(
        NumberingSeries.default_for == "agenda"))
    old = default.pattern
    response = client.post(f"/admin/penomoran/{default.id}", data=_series_form(pattern=pattern))
    assert response.status_code == 200 and message in page_text(response)
    db.session.expire_all()
    assert db.session.get(NumberingSeries, default.id).pattern == old


def test_an_opd_scope_needs_an_opd(client, login, office):
    login(office.users["admin"])
    before = _series_count()
    response = client.post("/admin/penomoran/baru", data=_series_form(
        scope="opd", unit_id=str(office.bidang_a.id)))
    assert response.status_code == 200 and "is not an OPD" in page_text(response)
    assert _series_count() == before


@pytest.mark.parametrize("who", ["clerk", "kadis", "staf_a"])
def test_only_administrators_manage_series(client, login, office, who):
    login(office.users[who])
    assert client.get("/admin/penomoran/").status_code == 403
    assert client.post("/admin/penomoran/baru", data=_series_form()).status_code == 403


def test_check_command_reports_a_bad_pattern(app, office):
    from eoffice.cli import _series_checks
    from eoffice.extensions import db
    from eoffice.series.models import NumberingSeries

    assert all(ok for ok, _ in _series_checks())
    db.session.add(NumberingSeries(name="Rusak", scope="region", kinds=["agenda"],
                                   classification_codes=[], pattern="{nomor}", active=True))
    db.session.flush()
    results = _series_checks()
    assert any(not ok and "Rusak" in text and "{nomor}" in text for ok, text in results)
