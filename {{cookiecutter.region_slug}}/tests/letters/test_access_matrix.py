"""THE access matrix of incoming letters: persons x routes x security levels.

The rule (security.letter_access_clause):

- B and T letters are seen by the clerks of the registering unit, the holders of
  the addressee and copy (tembusan) positions, every position in the disposition
  tree, and the heads above any of those positions.
- R and SR letters are seen ONLY by the explicit addressees, the disposition
  recipients and the registering clerk: not by copy holders, heads above, other
  clerks of the same unit, nor the administrator.

"Not seen" means the same everywhere: 404 on the detail page, files and PDFs,
absent from lists, search, counters, queues and agenda exports.

The scene, registered by the clerk of the Dinas:

- LETTER: to the Kabid Aptika, copied to the Kabid IKP, with a PDF scan. The Kabid
  disposed it twice to the Pranata Komputer below him (D1 with a vacant staff
  position too; D2 already reported done, with a file).
- PLAIN: to the Kabid Aptika only, with a PNG scan, no disposition.

Two acting officials (Plh) of the Pranata Komputer's position, neither holding a
position of their own: ``acting``, whose assignment runs today, has exactly the
Pranata Komputer's cells; ``acting_ended``, whose assignment ended yesterday, has the
cells of a pegawai who is not involved.

Each level builds the scene once; each person then acts inside a savepoint that
is rolled back, so one person's allowed action never changes another's cell.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.letters.conftest import PDF_BYTES, PNG_BYTES

LEVELS = ["B", "T", "R", "SR"]
PERSONS = ["anonymous", "admin", "clerk", "clerk2", "other_clerk", "addressee", "copy",
           "recipient", "head_above", "pegawai", "other_head", "acting", "acting_ended"]
# person -> username in the office fixture (kadis is the head above the Kabid Aptika)
USERNAMES = {"admin": "admin1", "clerk": "clerk", "clerk2": "clerk2", "other_clerk": "otherclerk",
             "addressee": "kabida", "copy": "kabidb", "recipient": "stafa", "head_above": "kadis",
             "pegawai": "sekretaris", "other_head": "otherhead", "acting": "plhstaf",
             "acting_ended": "plhlama"}
# An acting official has the cells of the person whose position they hold today.
ACTING_AS = {"acting": "recipient", "acting_ended": "pegawai"}
OPEN_LEVELS = ("B", "T")

# Who sees which letter, by the rule.
SEES = {
    "LETTER": {"open": {"clerk", "clerk2", "addressee", "copy", "recipient", "head_above"},
               "restricted": {"clerk", "addressee", "recipient"}},
    "PLAIN": {"open": {"clerk", "clerk2", "addressee", "head_above"},
              "restricted": {"clerk", "addressee"}},
}
WITHOUT_LETTERS = {"anonymous": "login", "admin": 403}  # no letters.view at all
AGENDA_KEEPERS = {"clerk", "clerk2", "other_clerk", "addressee", "copy", "head_above",
                  "other_head"}  # pencatat and pimpinan hold letters.agenda
CLERKS = {"clerk", "clerk2", "other_clerk"}  # letters.register


def sees(person: str, level: str, letter: str = "LETTER") -> bool:
    person = ACTING_AS.get(person, person)
    return person in SEES[letter]["open" if level in OPEN_LEVELS else "restricted"]


def expected_cells(person: str, level: str) -> dict[str, object]:
    """The outcome of every route for ``person`` on letters of ``level``, by the rule."""
    person = ACTING_AS.get(person, person)
    if person in WITHOUT_LETTERS:
        denied = WITHOUT_LETTERS[person]
        cells = {name: denied for name in READ_ROUTES + GUESSES}
        cells |= {name: (denied, False) for name in ACTIONS}
        cells["counters"] = "login" if person == "anonymous" else {}
        return cells
    seen, plain = sees(person, level), sees(person, level, "PLAIN")
    status = 200 if seen else 404
    listed = "listed" if seen else "absent"
    agenda = (listed if person in AGENDA_KEEPERS else 403)
    counters = {"to_read": 1 if person == "addressee" else 0,  # PLAIN is unread
                "copies": 1 if person == "copy" and seen else 0,
                "dispositions_open": 1 if person == "recipient" else 0,
                "dispositions_overdue": 0}
    if person in CLERKS:
        counters["registered_by_me"] = 2 if person == "clerk" else 0
    cells = {
        "list": listed, "search": listed, "counters": counters, "detail": status,
        "file": status, "inline": status, "lembar.pdf": status, "report_file": status,
        "agenda.html": agenda, "agenda.csv": agenda,
        "queue.open": "listed" if person == "recipient" else "absent",
        "queue.done": "listed" if person == "recipient" else "absent",
        "queue.sent": "listed" if person == "addressee" else "absent",
        "queue.overdue": "absent",
        # guessed ids: never anything, whatever the person sees
        "guess.letter": 404, "guess.attachment_of_other_letter": 404,
        "guess.disposition_of_vacant_position": 404, "guess.no_such_disposition": 404,
        "guess.report_of_someone_else": 200 if person == "recipient" else 404,
    }
    # actions: (status, whether the state changed)
    cells["dispose.get"] = (200 if person == "addressee" else 403 if seen else 404, False)
    cells["dispose.post"] = (302 if person == "addressee" else 403 if seen else 404,
                             person == "addressee")
    mine = person == "recipient"
    cells["forward.get"] = (200 if mine else 404, False)
    cells["forward.post"] = (302 if mine else 404, mine)
    cells["report.post"] = (302 if mine else 404, mine)
    sender = person == "addressee"
    cells["cancel.post"] = (302 if seen else 404, sender)
    cells["send_back.post"] = (302 if seen else 404, sender)
    cells["file_it.post"] = (302 if plain else 404, person == "addressee")
    if person not in CLERKS:
        cells["cancel_letter.post"] = (403, False)
    else:
        cells["cancel_letter.post"] = (302 if plain else 404, plain)
    return cells


READ_ROUTES = ["list", "search", "detail", "file", "inline", "lembar.pdf", "report_file",
               "agenda.html", "agenda.csv", "queue.open", "queue.done", "queue.sent",
               "queue.overdue"]
GUESSES = ["guess.letter", "guess.attachment_of_other_letter",
           "guess.disposition_of_vacant_position", "guess.no_such_disposition",
           "guess.report_of_someone_else"]
ACTIONS = ["dispose.get", "dispose.post", "forward.get", "forward.post", "report.post",
           "cancel.post", "send_back.post", "file_it.post", "cancel_letter.post"]


# --- The scene ------------------------------------------------------------------------------

def build_scene(office, register, create_staff, create_user, create_position, level: str):
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db

    clerk2 = create_staff(name="Pencatat Kedua", unit=office.dinas)
    create_user(username="clerk2", roles=["pencatat", "pegawai"], staff=clerk2)
    vacant_a = create_position(office.bidang_a, "Staf Aptika Kosong", parent=office.kabid_a)
    add_acting(office, create_staff, create_user)
    below_staf = create_position(office.bidang_a, "Pelaksana Kosong", parent=office.staf_a)
    db.session.commit()
    letter = register(office, to=[office.kabid_a], cc=[office.kabid_b], security=level,
                      subject=f"Surat uji matriks {level}", uploads=[("scan.pdf", PDF_BYTES)])
    plain = register(office, to=[office.kabid_a], security=level, subject=f"Surat polos {level}",
                     uploads=[("foto.png", PNG_BYTES)])
    kabid = office.users["kabid_a"]
    d1 = dispose(letter, DispositionInput(to_positions=[office.staf_a.id, vacant_a.id],
                                          note="Tindak lanjuti D1"), actor=kabid)
    d2 = dispose(letter, DispositionInput(to_positions=[office.staf_a.id], note="Laporkan D2"),
                 actor=kabid)
    db.session.commit()
    report(d2.recipients[0], "Selesai D2", ("bukti.png", PNG_BYTES), True,
           actor=office.users["staf_a"])
    db.session.commit()
    return {
        "letter": letter.id, "plain": plain.id, "subject": letter.subject,
        "attachment": letter.attachments[0].id, "plain_attachment": plain.attachments[0].id,
        "d1_recipient": d1.recipients[0].id, "d1_vacant": d1.recipients[1].id,
        "d2_recipient": d2.recipients[0].id, "below_staf": below_staf.id,
        "staf_a": office.staf_a.id,
    }


def add_acting(office, create_staff, create_user) -> None:
    """Plh of the Pranata Komputer today (``plhstaf``) and until yesterday (``plhlama``,
    written as a row: the service appoints nobody for days gone by)."""
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.org.acting import create_assignment
    from eoffice.org.models import ActingAssignment

    today = today_local()
    users = {name: create_user(username=name, roles=["pegawai"],
                               staff=create_staff(name=f"Plh {name}", unit=office.bidang_a))
             for name in ("plhstaf", "plhlama")}
    create_assignment(position_id=office.staf_a.id, user_id=users["plhstaf"].id, kind="plh",
                      start_date=today, end_date=today + dt.timedelta(days=3))
    db.session.add(ActingAssignment(position_id=office.staf_a.id, user_id=users["plhlama"].id,
                                    kind="plh", start_date=today - dt.timedelta(days=10),
                                    end_date=today - dt.timedelta(days=1)))
    db.session.commit()


@contextlib.contextmanager
def rolled_back():
    """Everything done inside (commits included) is undone afterwards."""
    from flask import g

    from eoffice.extensions import db

    db.session.commit()
    savepoint = db.session.get_bind().begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.expunge_all()
        savepoint.rollback()
        g.pop("_login_user", None)


# --- Observing ------------------------------------------------------------------------------

def outcome(response) -> object:
    if response.status_code == 302 and "/masuk" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


def listed(client, url: str, letter_id: int) -> object:
    response = client.get(url)
    if response.status_code != 200:
        return outcome(response)
    return "listed" if f'href="/surat-masuk/{letter_id}"' in response.get_data(as_text=True) \
        else "absent"


def in_csv(client, url: str, subject: str) -> object:
    response = client.get(url)
    if response.status_code != 200:
        return outcome(response)
    return "listed" if subject in response.get_data(as_text=True) else "absent"


def counters(client) -> object:
    response = client.get("/")
    if response.status_code != 200:
        return outcome(response)
    page = response.get_data(as_text=True)
    found = {}
    for value, url in re.findall(r'eo-card-value">\s*(\d+)\s*</div>\s*<a class="stretched-link" '
                                 r'href="([^"]+)"', page):
        key = {"/surat-masuk/?antrian=to_read": "to_read", "/surat-masuk/?antrian=copies": "copies",
               "/disposisi/?antrian=open": "dispositions_open",
               "/disposisi/?antrian=overdue": "dispositions_overdue",
               "/surat-masuk/?antrian=registered_by_me": "registered_by_me"}.get(url)
        if key:
            found[key] = int(value)
    return found


def state(scene) -> dict:
    """What the actions may change, read from the database."""
    from eoffice.dispositions.models import Disposition, DispositionRecipient
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    db.session.expire_all()

    def status(recipient_id):
        return db.session.get(DispositionRecipient, recipient_id).status

    return {
        "dispositions": db.session.scalar(sa.select(sa.func.count()).select_from(Disposition)
                                          .where(Disposition.parent_recipient_id.is_(None))),
        "forwards": db.session.scalar(sa.select(sa.func.count()).select_from(Disposition)
                                      .where(Disposition.parent_recipient_id.is_not(None))),
        "d1": status(scene["d1_recipient"]), "d1_report": db.session.get(
            DispositionRecipient, scene["d1_recipient"]).report,
        "vacant": status(scene["d1_vacant"]), "d2": status(scene["d2_recipient"]),
        "plain": db.session.get(IncomingLetter, scene["plain"]).status,
    }


def observe(client, scene) -> dict[str, object]:
    from eoffice.letters.services import today_local

    letter, plain = scene["letter"], scene["plain"]
    today = today_local()
    week = f"date_from={(today - dt.timedelta(days=7)).isoformat()}&date_to={today.isoformat()}"
    got: dict[str, object] = {
        "list": listed(client, "/surat-masuk/?per_page=100", letter),
        "search": listed(client, f"/surat-masuk/?q={scene['subject']}", letter),
        "counters": counters(client),
        "detail": outcome(client.get(f"/surat-masuk/{letter}")),
        "file": outcome(client.get(f"/surat-masuk/{letter}/berkas/{scene['attachment']}")),
        "inline": outcome(client.get(
            f"/surat-masuk/{letter}/berkas/{scene['attachment']}?inline=1")),
        "lembar.pdf": outcome(client.get(f"/surat-masuk/{letter}/lembar-disposisi.pdf")),
        "report_file": outcome(client.get(f"/disposisi/{scene['d2_recipient']}/berkas-laporan")),
        "agenda.html": listed(client, f"/surat-masuk/agenda?{week}&format=html", letter),
        "agenda.csv": in_csv(client, f"/surat-masuk/agenda?{week}&format=csv", scene["subject"]),
        "guess.letter": outcome(client.get("/surat-masuk/999999")),
        "guess.attachment_of_other_letter": outcome(client.get(
            f"/surat-masuk/{letter}/berkas/{scene['plain_attachment']}")),
        "guess.disposition_of_vacant_position": outcome(client.get(
            f"/disposisi/{scene['d1_vacant']}/teruskan")),
        "guess.no_such_disposition": outcome(client.get("/disposisi/999999/laporan")),
        "guess.report_of_someone_else": outcome(client.get(
            f"/disposisi/{scene['d1_recipient']}/laporan")),
    }
    for queue in ("open", "done", "sent", "overdue"):
        got[f"queue.{queue}"] = listed(client, f"/disposisi/?antrian={queue}", letter)

    def act(name, method, url, data=None, changed=lambda before, after: before != after):
        before = state(scene)
        response = getattr(client, method)(url, data=data or {})
        after = state(scene)
        got[name] = (outcome(response), changed(before, after))

    act("dispose.get", "get", f"/disposisi/surat/{letter}/baru")
    act("dispose.post", "post", f"/disposisi/surat/{letter}/baru",
        {"to_positions": [str(scene["staf_a"])], "note": "Disposisi baru"},
        lambda b, a: a["dispositions"] == b["dispositions"] + 1)
    act("forward.get", "get", f"/disposisi/{scene['d1_recipient']}/teruskan")
    act("forward.post", "post", f"/disposisi/{scene['d1_recipient']}/teruskan",
        {"to_positions": [str(scene["below_staf"])], "note": "Teruskan"},
        lambda b, a: a["forwards"] == b["forwards"] + 1 and a["d1"] == "in_progress")
    act("report.post", "post", f"/disposisi/{scene['d1_recipient']}/laporan",
        {"report": "Sudah", "done": "y"},
        lambda b, a: a["d1"] == "done" and a["d1_report"] == "Sudah")
    act("cancel.post", "post", f"/disposisi/{scene['d1_vacant']}/batal", {},
        lambda b, a: a["vacant"] == "cancelled")
    act("send_back.post", "post", f"/disposisi/{scene['d2_recipient']}/kembalikan",
        {"note": "Kurang lengkap"}, lambda b, a: a["d2"] == "in_progress")
    act("file_it.post", "post", f"/surat-masuk/{plain}/arsipkan", {"note": "Arsip"},
        lambda b, a: a["plain"] == "filed")
    act("cancel_letter.post", "post", f"/surat-masuk/{plain}/batal", {"reason": "Salah"},
        lambda b, a: a["plain"] == "cancelled")
    return got


# --- The matrix -----------------------------------------------------------------------------

@pytest.mark.parametrize("level", LEVELS)
def test_access_matrix(client, office, register, create_staff, create_user, create_position,
                       level):
    from flask import g

    scene = build_scene(office, register, create_staff, create_user, create_position, level)
    wrong = []
    for person in PERSONS:
        with rolled_back():
            g.pop("_login_user", None)
            client.post("/keluar")
            if person != "anonymous":
                response = client.post("/masuk", data={"username": USERNAMES[person],
                                                       "password": "rahasia-uji-123"})
                assert response.status_code == 302, person
            got = observe(client, scene)
        want = expected_cells(person, level)
        assert set(got) == set(want), sorted(set(got) ^ set(want))
        wrong += [f"{level} {person:11} {route:38} expected {want[route]!r}, got {got[route]!r}"
                  for route in want if got[route] != want[route]]
    assert not wrong, "cells differ from the rule:\n" + "\n".join(wrong)


def test_the_matrix_covers_every_person_route_and_level():
    """The expectations are total: every person has an outcome for every route and level."""
    for level in LEVELS:
        for person in PERSONS:
            cells = expected_cells(person, level)
            assert set(cells) == set(READ_ROUTES + GUESSES + ACTIONS + ["counters"])
    # and the rule is what the docstring says
    assert {p for p in PERSONS if sees(p, "B")} == {"clerk", "clerk2", "addressee", "copy",
                                                    "recipient", "head_above", "acting"}
    assert {p for p in PERSONS if sees(p, "SR")} == {"clerk", "addressee", "recipient",
                                                     "acting"}
