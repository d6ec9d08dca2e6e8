"""The retention lifecycle: the daily scan moves closed berkas to inactive and then to
proposals per the JRA's final disposition (time moved in the test); the arsiparis
records the berita acara; reports; CLI."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from eoffice.archive import filing, retention
from eoffice.archive.models import Berkas, BerkasItem, Classification
from eoffice.audit import AuditEvent
from eoffice.extensions import db
from eoffice.letters.models import IncomingLetter
from tests.helpers import page_text

CLOSED = dt.date(2020, 3, 10)


def code_with(disposition: str) -> Classification:
    """A leaf code of the example JRA with this final disposition and short periods."""
    return db.session.scalars(sa.select(Classification).where(
        Classification.final_disposition == disposition,
        Classification.retention_active_years.is_not(None),
        Classification.retention_inactive_years.is_not(None))
        .order_by(Classification.retention_active_years + Classification
                  .retention_inactive_years, Classification.sort_key)).first()


@pytest.fixture
def archivist(office, create_user):
    user = create_user(username="arsiparis", roles=["arsiparis"], full_name="Arsiparis")
    db.session.commit()
    return user


@pytest.fixture
def closed_berkas(office, register):
    """closed_berkas(disposition) -> a berkas of a code with that disposition, one letter
    filed, closed on CLOSED."""
    clerk = office.users["clerk"]

    def _make(disposition: str = "musnah", title: str = "Berkas uji") -> Berkas:
        series = code_with(disposition)
        berkas = filing.open_berkas(unit_id=office.dinas.id, classification_id=series.id,
                                    year=2020, title=title, actor=clerk)
        letter = register(office, classification_id=series.id)
        filing.file_letter(berkas, letter, actor=clerk)
        filing.close_berkas(berkas, actor=clerk, today=CLOSED)
        db.session.commit()
        return berkas

    return _make


def test_the_scan_moves_a_berkas_on_the_right_dates(closed_berkas):
    berkas = closed_berkas("musnah")
    active_end, inactive_end = berkas.active_until, berkas.inactive_until
    assert active_end == filing.add_years(CLOSED, berkas.retention_active_years)
    assert retention.scan(active_end - dt.timedelta(days=1)).total == 0
    assert berkas.status == "closed"
    result = retention.scan(active_end)
    assert (result.moved_inactive, berkas.status) == (1, "inaktif")
    assert retention.scan(active_end).total == 0  # the same day again: nothing
    assert retention.scan(inactive_end - dt.timedelta(days=1)).total == 0
    result = retention.scan(inactive_end)
    assert result.proposed == {"usul_musnah": 1} and berkas.status == "usul_musnah"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "berkas", AuditEvent.object_id == str(berkas.id))
        .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["berkas.inactive", "berkas.proposed"]


def test_permanen_berkas_are_proposed_for_handover_never_destruction(closed_berkas):
    permanent = closed_berkas("permanen")
    review = closed_berkas("dinilai_kembali") if code_with("dinilai_kembali") else None
    retention.scan(dt.date(2200, 1, 1))  # far past every period: both steps in one run
    assert permanent.status == "usul_serah"
    if review is not None:
        assert review.status == "dinilai_kembali"
    with pytest.raises(retention.RetentionError, match="not proposed for this"):
        retention.record_berita_acara(kind="musnah", berkas_ids=[permanent.id], number="1",
                                      signed_on=dt.date(2020, 1, 1), approved_by="Bupati",
                                      actor=permanent.opened_by)


def test_a_berkas_without_retention_is_never_moved(office, register):
    clerk = office.users["clerk"]
    top = db.session.scalar(sa.select(Classification).where(Classification.code == "000"))
    berkas = filing.open_berkas(unit_id=office.dinas.id, classification_id=top.id, year=2020,
                                title="Tanpa JRA", actor=clerk)
    filing.file_letter(berkas, register(office, classification_id=top.id), actor=clerk)
    filing.close_berkas(berkas, actor=clerk, today=CLOSED)
    assert berkas.active_until is None
    retention.scan(dt.date(2200, 1, 1))
    assert berkas.status == "closed"


def test_the_arsiparis_records_a_berita_acara_of_destruction(client, login, archivist,
                                                            closed_berkas):
    first, second = closed_berkas("musnah", "Satu"), closed_berkas("musnah", "Dua")
    retention.scan(dt.date(2200, 1, 1))
    db.session.commit()
    letters_before = db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter))
    login(archivist)
    page = client.get("/pemberkasan/retensi?status=usul_musnah")
    assert "Satu" in page_text(page) and "Dua" in page_text(page)
    bad = client.post("/pemberkasan/retensi?status=usul_musnah", data={
        "kind": "musnah", "number": "BA/1/2026", "signed_on": "2999-01-01",
        "approved_by": "Kepala Dinas", "berkas": [first.id]})
    assert "The date of the berita acara is in the future." in page_text(bad)
    none_ticked = client.post("/pemberkasan/retensi?status=usul_musnah", data={
        "kind": "musnah", "number": "BA/1/2026", "signed_on": "2026-01-05",
        "approved_by": "Kepala Dinas"})
    assert "Tick the berkas the berita acara covers." in page_text(none_ticked)
    assert first.status == "usul_musnah"
    response = client.post("/pemberkasan/retensi?status=usul_musnah", data={
        "kind": "musnah", "number": "BA/1/2026", "signed_on": "2026-01-05",
        "approved_by": "Kepala Dinas Kominfo", "berkas": [first.id, second.id]})
    assert response.status_code == 302
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == second.status == "musnah"
    assert first.berita_acara.number == "BA/1/2026"
    # metadata kept: the berkas, its list of letters and the letters themselves
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BerkasItem)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        IncomingLetter)) == letters_before
    detail = page_text(client.get(response.headers["Location"]))
    assert "BA/1/2026" in detail and "Kepala Dinas Kominfo" in detail
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "berkas.destroyed")) == 2


def test_the_retention_pages_are_for_the_arsiparis_only(client, login, office):
    for key in ("clerk", "kadis", "staf_a"):
        login(office.users[key])
        assert client.get("/pemberkasan/retensi").status_code == 403
        assert client.post("/pemberkasan/retensi", data={}).status_code == 403


def test_reports_count_per_status_and_code(client, login, office, archivist, closed_berkas):
    berkas = closed_berkas("musnah")
    retention.scan(berkas.active_until)
    db.session.commit()
    counts = retention.counts_by_status(None)
    assert counts["inaktif"] == 1 and counts["open"] == 0
    rows = retention.counts_by_classification(None)
    assert rows == [(berkas.classification.code, berkas.classification.name, {"inaktif": 1})]
    login(office.users["clerk"])
    text = page_text(client.get("/pemberkasan/laporan"))
    assert berkas.classification.code in text
    login(office.users["other_clerk"])  # another unit: its own counts only
    assert berkas.classification.code not in page_text(client.get("/pemberkasan/laporan"))


def test_the_cli_scan_and_report(app, closed_berkas):
    berkas = closed_berkas("musnah")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["eoffice", "retensi", "scan", "--date",
                                 berkas.active_until.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 berkas moved to inactive" in result.output
    assert berkas.status == "inaktif"
    bad = runner.invoke(args=["eoffice", "retensi", "scan", "--date", "kemarin"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    report = runner.invoke(args=["eoffice", "retensi", "report"])
    assert "inaktif\t1" in report.output


def test_a_legal_hold_stops_every_step(client, login, office, archivist, closed_berkas):
    berkas = closed_berkas("musnah")
    login(archivist)
    empty = client.post(f"/pemberkasan/{berkas.id}/tahan", data={"reason": " "},
                        follow_redirects=True)
    assert "Say why the berkas is held." in page_text(empty)
    client.post(f"/pemberkasan/{berkas.id}/tahan", data={"reason": "Perkara PTUN 12/2031"})
    db.session.refresh(berkas)
    assert berkas.legal_hold and berkas.legal_hold_reason == "Perkara PTUN 12/2031"
    assert retention.scan(dt.date(2200, 1, 1)).total == 0
    assert berkas.status == "closed"
    client.post(f"/pemberkasan/{berkas.id}/tahan", data={"lift": "1"})
    db.session.refresh(berkas)
    assert not berkas.legal_hold
    retention.scan(dt.date(2200, 1, 1))
    assert berkas.status == "usul_musnah"
    # held while proposed: no berita acara can end it
    retention.place_legal_hold(berkas, "Audit BPK", actor=archivist)
    with pytest.raises(retention.RetentionError, match="under legal hold"):
        retention.record_berita_acara(kind="musnah", berkas_ids=[berkas.id], number="BA/2",
                                      signed_on=dt.date(2026, 1, 5), approved_by="Kadis",
                                      actor=archivist)
    login(office.users["clerk"])  # only the arsiparis holds or lifts
    assert client.post(f"/pemberkasan/{berkas.id}/tahan", data={"lift": "1"}).status_code == 403
