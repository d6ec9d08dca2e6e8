"""The queues (/surat-keluar/) and the expedition book: the number of SQL statements does
not grow with the rows (no N+1), and the dashboard's cards count what the lists show."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.outgoing.conftest import log_in

# who finds the letters in which queue
QUEUE_PAGES = {
    "kabid_a": ["/surat-keluar/?antrian=to_verify&per_page=100",
                "/surat-keluar/?antrian=all&per_page=100"],
    "kadis": ["/surat-keluar/?antrian=to_sign&per_page=100",
              "/surat-keluar/?antrian=all&per_page=100"],
    "staf_a": ["/surat-keluar/?antrian=to_send&per_page=100",
               "/surat-keluar/?antrian=returned&per_page=100",
               "/surat-keluar/?antrian=mine&per_page=100",
               "/surat-keluar/?antrian=all&per_page=100"],
    "clerk_a": ["/surat-keluar/?antrian=to_send&per_page=100",
                "/surat-keluar/?antrian=all&per_page=100"],
}
CARD_QUEUES = ("to_verify", "to_sign", "to_send", "returned")


def scene_ids(office) -> dict:
    """Ids of the positions and users the letters need (objects do not outlive a measure)."""
    return {"positions": {k: getattr(office, k).id for k in ("kadis", "kabid_a", "kabid_b",
                                                             "sekretaris")},
            "users": {k: office.users[k].id for k in ("staf_a", "kabid_a", "kadis")}}


def add_letters(ids: dict, count: int, start: int) -> None:
    """``count`` letters in each state (in review, returned, approved, signed, sent), each
    with internal and external recipients, a copy, a classification and an attachment.
    The signed ones are marked signed directly (no PDF): lists read the columns only."""
    from eoffice.auth.models import User
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.org.models import Position
    from eoffice.outgoing import services
    from tests.letters.conftest import PDF_BYTES
    from tests.outgoing.conftest import classification_id

    users = {k: db.session.get(User, v) for k, v in ids["users"].items()}
    pos = ids["positions"]
    today = today_local()
    for n in range(start, start + count):
        for state in ("in_review", "returned", "approved", "signed", "sent"):
            letter = services.create_draft(services.DraftInput(
                letter_type="biasa", subject=f"Surat {state} {n}",
                signer_position_id=pos["kadis"], body_html=f"<p>Isi surat {n}.</p>",
                classification_id=classification_id(("000.1", "800")[n % 2]),
                to_positions=[pos["kabid_b"]], cc_positions=[pos["sekretaris"]],
                external=[services.ExternalRecipient(f"Penerima {n}", "Instansi Lain")],
                chain=[pos["kabid_a"], pos["sekretaris"]],
                uploads=[("lampiran.pdf", PDF_BYTES + f"{state}{n}".encode())]),
                actor=users["staf_a"])
            services.submit(letter, actor=users["staf_a"])
            if state == "returned":
                services.return_draft(letter, actor=users["kabid_a"], note="Perbaiki")
            elif state != "in_review":
                letter.steps[0].status = letter.steps[1].status = "approved"
                letter.current_step, letter.status = 2, "approved"
            if state in ("signed", "sent"):
                seq = 1000 + 2 * n + (state == "sent")
                letter.status, letter.number = state, f"000.1/{seq}/UJI/{today.year}"
                letter.number_series, letter.number_year, letter.number_seq = (
                    "uji", today.year, seq)
                letter.signed_date, letter.signed_by_id = today, users["kadis"].id
                letter.signatory = services.signatory_block(db.session.get(Position,
                                                                           pos["kadis"]))
            if state == "sent":
                for r in letter.recipients:
                    r.dispatch_method, r.dispatched_on = "pos", today
                    r.dispatched_by_id = users["staf_a"].id
            db.session.commit()


def measure(client, count_queries, url: str) -> tuple[int, int]:
    from flask import g

    from eoffice.extensions import db

    db.session.expunge_all()
    g.pop("_login_user", None)
    g.pop("_eoffice_positions_below", None)
    g.pop("_eoffice_offices", None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count, len(response.data)


def test_statements_do_not_grow_with_rows(client, people, count_queries):
    from eoffice.letters.services import today_local

    today = today_local()
    expedition = (f"/surat-keluar/ekspedisi?date_from={(today - dt.timedelta(days=3)).isoformat()}"
                  f"&date_to={today.isoformat()}&format=")
    pages = {key: list(urls) for key, urls in QUEUE_PAGES.items()}
    pages["kadis"] += [expedition + "html", expedition + "xlsx"]
    pages["clerk_a"] += [expedition + "html"]
    usernames = {key: people.users[key].username for key in pages}
    ids = scene_ids(people)

    def measure_all() -> dict[str, tuple[int, int]]:
        found = {}
        for key, urls in pages.items():
            log_in(client, usernames[key])
            for url in urls:
                found[f"{key} {url}"] = measure(client, count_queries, url)
        return found

    add_letters(ids, 5, 0)
    few = measure_all()
    add_letters(ids, 25, 5)
    many = measure_all()
    assert {k: c for k, (c, _) in many.items()} == {k: c for k, (c, _) in few.items()}
    assert all(c <= 20 for c, _ in few.values()), few
    assert all(many[k][1] > few[k][1] for k in few)  # the pages did get longer


def rows_of(page: str) -> set[str]:
    table = page.split('id="outgoing-table"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'href="/surat-keluar/(\d+)"', table))


def cards(page: str) -> dict[str, int]:
    found = {}
    for value, queue in re.findall(r'eo-card-value">\s*(\d+)\s*</div>\s*<a class="stretched-link" '
                                   r'href="/surat-keluar/\?antrian=(\w+)"', page):
        found[queue] = int(value)
    return found


@pytest.mark.parametrize("key, shown", [
    ("kabid_a", {"to_verify": 3, "to_sign": 0}),
    ("kadis", {"to_verify": 0, "to_sign": 3}),
    # Verifying and signing stay on a head's dashboard at zero; for anyone else they
    # show only when something waits (a clerk has no use for an empty "to sign").
    ("staf_a", {"to_send": 3, "returned": 3}),
    ("clerk_a", {"to_send": 3}),
    ("other_clerk", {}),
])
def test_dashboard_cards_count_what_the_queues_list(client, people, key, shown):
    add_letters(scene_ids(people), 3, 0)
    log_in(client, people.users[key])
    found = cards(client.get("/").get_data(as_text=True))
    assert found == shown
    for queue in CARD_QUEUES:
        page = client.get(f"/surat-keluar/?antrian={queue}").get_data(as_text=True)
        assert len(rows_of(page)) == shown.get(queue, 0), queue
        badge = re.search(rf'antrian={queue}">[^<]*<span class="badge[^"]*">(\d+)</span>', page)
        assert (int(badge.group(1)) if badge else 0) == shown.get(queue, 0), queue


@pytest.mark.parametrize("level", ["B", "R"])
def test_to_send_lists_what_the_user_can_send(client, people, make_draft, advance, level):
    """Clerks of the drafter's office (the Dinas and its bidang) send B and T letters,
    never R and SR; the drafter sends any; the signatory does not."""
    from eoffice.outgoing import services

    clerk = people.users["clerk"]  # pencatat of the Dinas, holds Pengadministrasi Umum
    letter = advance(make_draft(security=level, chain=(people.kabid_a,
                                                       clerk.staff.position)), "signed")
    for key, sends in (("clerk", level == "B"), ("clerk_a", level == "B"), ("staf_a", True),
                       ("kadis", False)):
        user = people.users[key]
        assert services.can_send(letter, user) is sends, key
        log_in(client, user)
        page = client.get("/surat-keluar/?antrian=to_send").get_data(as_text=True)
        assert (f'href="/surat-keluar/{letter.id}"' in page) is sends, key
