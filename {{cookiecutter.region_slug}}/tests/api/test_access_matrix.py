"""The incoming letters' access matrix, asked through the API.

Same scene, same persons, same expectations as the pages' matrix
(tests/letters/test_access_matrix.py): each person calls the API with a personal
token and must get exactly what the pages give them. Two system tokens are added:
one with letters:read (B and T letters only, never R or SR) and one without.

Pages -> API: a page's 200 is the API's 200, its redirect after a POST (302) the
API's 200/201, a redirect to the login page the API's 401.
"""

from __future__ import annotations

import pytest

from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE
from tests.letters.test_access_matrix import (
    LEVELS,
    OPEN_LEVELS,
    PERSONS,
    USERNAMES,
    build_scene,
    expected_cells,
    rolled_back,
)

API_PERSONS = [*PERSONS, "system_letters", "system_org"]
READS = ["list", "search", "detail", "file", "queue.open", "queue.done", "queue.sent",
         "guess.letter", "guess.attachment_of_other_letter"]
WRITES = ["dispose.post", "forward.post", "report.post"]


def page_to_api(cell, route: str):
    """The page's expected outcome, as the API shows it."""
    status = cell[0] if isinstance(cell, tuple) else cell
    if status == "login":
        return 401
    if status == 302:
        return {"dispose.post": 201, "forward.post": 201, "report.post": 200}[route]
    if route.startswith("queue.") and status in ("listed", "absent"):
        return status
    return status


def expected_api(person: str, level: str) -> dict[str, object]:
    if person == "system_letters":
        # A system token reads B and T letters, never R or SR; it has no position, so
        # no queue of its own and no disposition to act on.
        seen = level in OPEN_LEVELS
        cells = {"list": "listed" if seen else "absent", "search": "listed" if seen else "absent",
                 "detail": 200 if seen else 404, "file": 200 if seen else 404,
                 "queue.open": "absent", "queue.done": "absent", "queue.sent": "absent",
                 "guess.letter": 404, "guess.attachment_of_other_letter": 404}
        cells |= {"dispose.post": 403 if seen else 404, "forward.post": 404, "report.post": 404}
        return cells
    if person == "system_org":
        return {route: 403 for route in READS + WRITES}
    page = expected_cells(person, level)
    return {route: page_to_api(page[route], route) for route in READS + WRITES}


def token_for(person: str, office, make_token):
    if person == "anonymous":
        return None
    if person == "system_letters":
        return make_token(scopes=["letters:read"])
    if person == "system_org":
        return make_token(scopes=["org:read"])
    from eoffice.auth.models import User
    from eoffice.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == USERNAMES[person]))
    return make_token(user)


def listed(response, letter_id: int, key: str = "id"):
    if response.status_code != 200:
        return response.status_code
    items = response.get_json()["items"]
    ids = {item[key] if key == "id" else item["letter"]["id"] for item in items}
    return "listed" if letter_id in ids else "absent"


def observe(api, token, scene, office) -> dict[str, object]:
    from eoffice.extensions import db

    letter, attachment = scene["letter"], scene["attachment"]
    cells = {
        "list": listed(api.get("/letters?per_page=100", token), letter),
        "search": listed(api.get("/letters", token, query_string={"q": scene["subject"]}),
                         letter),
        "detail": api.get(f"/letters/{letter}", token).status_code,
        "file": api.get(f"/letters/{letter}/attachments/{attachment}", token).status_code,
        "guess.letter": api.get("/letters/999999", token).status_code,
        "guess.attachment_of_other_letter": api.get(
            f"/letters/{letter}/attachments/{scene['plain_attachment']}", token).status_code,
    }
    for queue in ("open", "done", "sent"):
        cells[f"queue.{queue}"] = listed(api.get(f"/dispositions?queue={queue}", token), letter,
                                         key="letter")
    # Each action in its own savepoint: one person's allowed action changes nothing else.
    actions = {
        "dispose.post": (f"/letters/{letter}/dispositions",
                         {"to_positions": [scene["below_staf"]], "note": "Lewat API"}),
        "forward.post": (f"/dispositions/{scene['d1_recipient']}/forward",
                         {"to_positions": [scene["below_staf"]], "note": "Teruskan"}),
        "report.post": (f"/dispositions/{scene['d1_recipient']}/report",
                        {"report": "Sudah ditindaklanjuti", "done": True}),
    }
    for route, (path, body) in actions.items():
        with rolled_back():
            cells[route] = api.post(path, token, json=body).status_code
        db.session.expire_all()
    return cells


@pytest.mark.parametrize("level", LEVELS)
def test_api_follows_the_pages_access_matrix(level, app, api, office, register, create_staff,
                                             create_user, create_position, make_token):
    scene = build_scene(office, register, create_staff, create_user, create_position, level)
    wrong = {}
    for person in API_PERSONS:
        token = token_for(person, office, make_token)
        got = observe(api, token, scene, office)
        want = expected_api(person, level)
        diff = {route: (got[route], want[route]) for route in want if got[route] != want[route]}
        if diff:
            wrong[person] = diff
    assert wrong == {}, f"level {level}: (got, expected) by person and route"


@pytest.mark.parametrize("level", ["B", "SR"])
def test_system_token_sees_outgoing_only_signed_and_open(level, app, api, office, make_token):
    """Outgoing letters: a drafter sees their draft; a system token (outgoing:read) sees
    a letter only once signed, and never an R or SR one."""
    from eoffice.archive.models import Classification
    from eoffice.extensions import db
    from eoffice.outgoing import services

    code = db.session.scalar(db.select(Classification.id).where(Classification.code == "000.1"))
    draft = services.create_draft(services.DraftInput(
        letter_type="nota_dinas", subject="Nota uji API", signer_position_id=office.kadis.id,
        body_html="<p>Isi</p>", classification_id=code, security=level,
        to_positions=[office.kabid_b.id], chain=[]), actor=office.users["staf_a"])
    db.session.commit()
    system = make_token(scopes=["outgoing:read"])
    drafter = make_token(office.users["staf_a"])
    outsider = make_token(office.users["other_head"])
    assert api.get(f"/outgoing/{draft.id}", drafter).status_code == 200
    assert api.get(f"/outgoing/{draft.id}", system).status_code == 404
    assert api.get(f"/outgoing/{draft.id}", outsider).status_code == 404
    services.submit(draft, actor=office.users["staf_a"])
    with app.test_request_context():
        services.sign(draft, actor=office.users["kadis"], passphrase=TEST_SIGNING_PASSPHRASE)
    db.session.commit()
    expected = 200 if level == "B" else 404
    assert api.get(f"/outgoing/{draft.id}", system).status_code == expected
    ids = [i["id"] for i in api.get("/outgoing", system).get_json()["items"]]
    assert (draft.id in ids) is (level == "B")
    assert api.get(f"/outgoing/{draft.id}/pdf", system).status_code == expected
    assert api.get(f"/outgoing/{draft.id}/pdf", outsider).status_code == 404
    pdf = api.get(f"/outgoing/{draft.id}/pdf", drafter)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
