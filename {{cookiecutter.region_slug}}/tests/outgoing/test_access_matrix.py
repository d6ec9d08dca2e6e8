"""THE access matrix of outgoing letters: persons x routes x states x security levels.

The rule (security.outgoing_access_clause):

- Until it is signed, a draft is seen only by its drafter, the holders of the positions
  in its paraf chain and the holder of the signing position.
- Once signed, the clerks (pencatat) of the drafter's unit see B and T letters too (to
  send them and keep the expedition book); R and SR letters stay with the drafter, the
  chain and the signatory. Nobody else ever sees the letter here, not even its
  addressee (who gets an incoming letter of their own when it is sent).

"Not seen" means the same everywhere: absent from every list, 404 on the detail page,
the PDFs, the attachments, the revisions and every action. Whoever sees the letter but
may not do an action is refused (403 on the edit page; a message after a POST) and the
letter does not change.

Acting officials: ``acting`` is Plh of the Kepala Dinas today and has exactly the
signatory's cells (the holder keeps theirs); ``acting_ended`` was Plh until yesterday
and sees nothing, like any pegawai who is not involved.

The scene: the Pranata Komputer (Bidang Aptika) drafts a nota dinas to the Kabid IKP
with a PDF attachment; the Kabid Aptika (1) then the Sekretaris (2) give their paraf;
the Kepala Dinas signs. Each (state, level) builds the scene once; each person then
does every action inside a savepoint that is rolled back, so one allowed action never
changes another cell.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.letters.conftest import PDF_BYTES
from tests.outgoing.conftest import STATES, draft_form, log_in, outcome, rolled_back

LEVELS = ["B", "R"]
PERSONS = ["anonymous", "drafter", "verifier1", "verifier2", "signatory", "addressee",
           "pegawai", "other_head", "clerk_a", "other_clerk", "admin", "acting", "acting_ended"]
USERS = {"drafter": "staf_a", "verifier1": "kabid_a", "verifier2": "sekretaris",
         "signatory": "kadis", "addressee": "kabid_b", "pegawai": "pegawai_b",
         "other_head": "other_head", "clerk_a": "clerk_a", "other_clerk": "other_clerk",
         "admin": "admin", "acting": "plh_kadis", "acting_ended": "plh_lama"}
# An acting official has the cells of the person whose position they hold today.
ACTING_AS = {"acting": "signatory", "acting_ended": "pegawai"}
CHAIN = {"drafter", "verifier1", "verifier2", "signatory"}
QUEUES = ["all", "to_verify", "to_sign", "to_send", "returned", "mine"]
READS = [f"list.{q}" for q in QUEUES] + ["detail", "edit.get", "preview.pdf", "signed.pdf",
                                        "attachment", "compare"]
GUESSES = ["guess.letter", "guess.signed_pdf", "guess.attachment_of_other_letter",
           "guess.revision"]
# approve by verifier 2 while it is verifier 1's turn is refused like anyone else's.
ACTIONS = ["edit.post", "submit", "approve", "return", "sign", "send", "correction"]
SIGNED = ("signed", "sent")


def sees(person: str, state: str, level: str) -> bool:
    person = ACTING_AS.get(person, person)
    if person in CHAIN:
        return True
    return person == "clerk_a" and state in SIGNED and level == "B"


def expected_cells(person: str, state: str, level: str) -> dict[str, object]:
    """What every route answers ``person`` for a letter in ``state`` of ``level``."""
    person = ACTING_AS.get(person, person)
    if person in ("anonymous", "admin"):  # admin: no outgoing.view at all
        denied = "login" if person == "anonymous" else 403
        cells: dict[str, object] = {name: denied for name in READS + GUESSES}
        return cells | {name: (denied, False) for name in ACTIONS}
    seen = sees(person, state, level)
    hidden = 404
    drafter, editable = person == "drafter", state in ("draft", "returned")
    cells = {f"list.{q}": "absent" for q in QUEUES}
    if seen:
        cells["list.all"] = "listed"
    if drafter:
        cells["list.mine"] = "listed"
        cells["list.returned"] = "listed" if state == "returned" else "absent"
    if state == "in_review" and person == "verifier1":
        cells["list.to_verify"] = "listed"
    if state == "approved" and person == "signatory":
        cells["list.to_sign"] = "listed"
    senders = {"drafter", "clerk_a"} if level == "B" else {"drafter"}
    if state == "signed" and person in senders:
        cells["list.to_send"] = "listed"
    cells |= {
        "detail": 200 if seen else hidden,
        "edit.get": (200 if drafter and editable else 403) if seen else hidden,
        "preview.pdf": (302 if state in SIGNED else 200) if seen else hidden,
        "signed.pdf": 200 if seen and state in SIGNED else hidden,
        "attachment": 200 if seen else hidden,
        "compare": 200 if seen else hidden,
        "guess.letter": hidden, "guess.signed_pdf": hidden,
        "guess.attachment_of_other_letter": hidden, "guess.revision": hidden,
    }

    def act(allowed: bool) -> tuple[object, bool]:
        if not seen:
            return hidden, False
        return 302, allowed

    cells |= {
        "edit.post": (302 if drafter and editable else 403, drafter and editable)
        if seen else (hidden, False),
        "submit": act(drafter and editable),
        "approve": act(person == "verifier1" and state == "in_review"),
        "return": act((person == "verifier1" and state == "in_review")
                      or (person == "signatory" and state == "approved")),
        "sign": act(person == "signatory" and state == "approved"),
        "send": act(person in senders and state == "signed"),
        "correction": act(person in ("drafter", "signatory") and state in SIGNED),
    }
    return cells


# --- The scene ------------------------------------------------------------------------------

def build_scene(people, make_draft, advance, state: str, level: str) -> dict:
    letter = make_draft(security=level, subject=f"Nota uji matriks {state} {level}",
                        uploads=[("lampiran.pdf", PDF_BYTES)])
    other = make_draft(security=level, subject="Nota lain",
                       uploads=[("lain.pdf", PDF_BYTES + b"lain")])
    advance(letter, state)
    form = draft_form(people, subject="Nota uji matriks (diubah)", revision_note="diubah")
    return {"letter": letter.id, "attachment": letter.attachments[0].id,
            "other_attachment": other.attachments[0].id, "form": form,
            "usernames": {p: people.users[u].username for p, u in USERS.items()}}


def add_acting(people, create_staff, create_user) -> None:
    """Plh of the Kepala Dinas today (``plh_kadis``) and until yesterday (``plh_lama``,
    written as a row: the service appoints nobody for days gone by)."""
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.org.acting import create_assignment
    from eoffice.org.models import ActingAssignment
    from eoffice.testing.pytest_plugin import enrol_test_signer

    today = today_local()
    for key in ("plh_kadis", "plh_lama"):
        people.users[key] = create_user(username=key.replace("_", ""), roles=["pegawai"],
                                        staff=create_staff(name=f"Plh {key}",
                                                           unit=people.bidang_b))
        enrol_test_signer(people.users[key])  # a Plh signs with their own certificate
    create_assignment(position_id=people.kadis.id, user_id=people.users["plh_kadis"].id,
                      kind="plh", start_date=today, end_date=today + dt.timedelta(days=3))
    db.session.add(ActingAssignment(position_id=people.kadis.id,
                                    user_id=people.users["plh_lama"].id, kind="plh",
                                    start_date=today - dt.timedelta(days=10),
                                    end_date=today - dt.timedelta(days=1)))
    db.session.commit()


def state_of(letter_id: int) -> dict:
    """What an action may change, read from the database."""
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter
    from eoffice.outgoing.models import OutgoingLetter

    db.session.expire_all()
    letter = db.session.get(OutgoingLetter, letter_id)
    return {
        "status": letter.status, "step": letter.current_step, "revision": letter.revision,
        "subject": letter.subject, "number": letter.number,
        "steps": [(s.status, s.note) for s in letter.steps],
        "letters": db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingLetter)),
        "incoming": db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter)),
        "dispatched": [r.dispatched_on for r in letter.recipients],
    }


def listed(client, queue: str, letter_id: int) -> object:
    response = client.get(f"/surat-keluar/?antrian={queue}&per_page=100")
    if response.status_code != 200:
        return outcome(response)
    return "listed" if f'href="/surat-keluar/{letter_id}"' in response.get_data(as_text=True) \
        else "absent"


def observe(client, scene: dict, passphrase: str) -> dict[str, object]:
    letter = scene["letter"]
    base = f"/surat-keluar/{letter}"
    got: dict[str, object] = {f"list.{q}": listed(client, q, letter) for q in QUEUES}
    got |= {
        "detail": outcome(client.get(base)),
        "edit.get": outcome(client.get(f"{base}/ubah")),
        "preview.pdf": outcome(client.get(f"{base}/pratinjau.pdf")),
        "signed.pdf": outcome(client.get(f"{base}/surat.pdf")),
        "attachment": outcome(client.get(f"{base}/berkas/{scene['attachment']}")),
        "compare": outcome(client.get(f"{base}/revisi")),
        "guess.letter": outcome(client.get("/surat-keluar/999999")),
        "guess.signed_pdf": outcome(client.get("/surat-keluar/999999/surat.pdf")),
        "guess.attachment_of_other_letter": outcome(client.get(
            f"{base}/berkas/{scene['other_attachment']}")),
        "guess.revision": outcome(client.get(f"{base}/revisi?a=1&b=99")),
    }

    def act(name: str, url: str, data: dict | None = None):
        with rolled_back():
            before = state_of(letter)
            response = client.post(url, data=data or {})
            got[name] = (outcome(response), state_of(letter) != before)

    act("edit.post", f"{base}/ubah", scene["form"])
    act("submit", f"{base}/ajukan")
    act("approve", f"{base}/setujui", {"note": "paraf"})
    act("return", f"{base}/kembalikan", {"note": "Perbaiki"})
    act("sign", f"{base}/tandatangani", {"passphrase": passphrase})
    act("send", f"{base}/kirim")
    act("correction", f"{base}/koreksi", {"kind": "replaces"})
    return got


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", STATES)
def test_access_matrix(client, people, make_draft, advance, create_staff, create_user, state,
                       level):
    from flask import g

    from tests.outgoing.conftest import PASSPHRASE

    add_acting(people, create_staff, create_user)
    scene = build_scene(people, make_draft, advance, state, level)
    wrong = []
    for person in PERSONS:
        with rolled_back():
            g.pop("_login_user", None)
            client.post("/keluar")
            if person != "anonymous":
                log_in(client, scene["usernames"][person])
            got = observe(client, scene, PASSPHRASE)
        want = expected_cells(person, state, level)
        assert set(got) == set(want), sorted(set(got) ^ set(want))
        wrong += [f"{state:9} {level} {person:11} {route:34} expected {want[route]!r}, "
                  f"got {got[route]!r}" for route in want if got[route] != want[route]]
    assert not wrong, "cells differ from the rule:\n" + "\n".join(wrong)


def test_the_matrix_covers_every_person_route_and_state():
    """The expectations are total, and the rule is what the docstring says."""
    for level in LEVELS:
        for state in STATES:
            for person in PERSONS:
                assert set(expected_cells(person, state, level)) == set(
                    READS + GUESSES + ACTIONS)
    assert {p for p in PERSONS if sees(p, "draft", "B")} == CHAIN | {"acting"}
    assert {p for p in PERSONS if sees(p, "signed", "B")} == CHAIN | {"clerk_a", "acting"}
    assert {p for p in PERSONS if sees(p, "sent", "R")} == CHAIN | {"acting"}
