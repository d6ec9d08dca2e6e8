"""List pages run the same number of SQL statements for 5 rows as for 30 (no N+1)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.letters.conftest import PDF_BYTES, PNG_BYTES


def add_letters(office, register, count: int, start: int) -> None:
    """``count`` letters with recipients, files, classification and dispositions in
    every state: open, overdue and done for the Kabid Aptika, all sent by the Kadis."""
    from eoffice.archive.models import Classification
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db

    codes = list(db.session.scalars(sa.select(Classification.id).order_by(Classification.id)))
    kadis, kabid = office.users["kadis"], office.users["kabid_a"]
    for n in range(start, start + count):
        letter = register(office, cc=[office.kabid_b, office.sekretaris],
                          classification_id=codes[n % len(codes)], subject=f"Surat {n}",
                          uploads=[("scan.pdf", PDF_BYTES + str(n).encode()),
                                   ("foto.png", PNG_BYTES + str(n).encode())])
        disposition = dispose(letter, DispositionInput(
            to_positions=[office.kabid_a.id, office.staf_a.id], note=f"Disposisi {n}"),
            actor=kadis)
        if n % 3 == 0:
            report(disposition.recipients[0], "Selesai", ("bukti.png", PNG_BYTES), True,
                   actor=kabid)
        elif n % 3 == 1:
            disposition.due_date = dt.date.today() - dt.timedelta(days=2)
        db.session.commit()


def measure(client, count_queries, url: str) -> tuple[int, int]:
    """Statements of one request, with nothing cached from earlier requests or setup,
    and the size of its answer (to be sure the rows are there)."""
    from flask import g

    from eoffice.extensions import db

    db.session.expunge_all()
    g.pop("_login_user", None)
    g.pop("_eoffice_positions_below", None)
    g.pop("_eoffice_offices", None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, len(response.data)


def test_statements_do_not_grow_with_rows(app, client, login, office, register, count_queries):
    today = dt.date.today()
    agenda = (f"/surat-masuk/agenda?date_from={(today - dt.timedelta(days=30)).isoformat()}"
              f"&date_to={today.isoformat()}&format=html")
    pages = {
        "clerk": ["/surat-masuk/?per_page=100", "/surat-masuk/?per_page=100&q=Surat",
                  "/surat-masuk/?per_page=100&antrian=registered_by_me", agenda],
        "kabid_a": ["/disposisi/?antrian=open&per_page=100",
                    "/disposisi/?antrian=overdue&per_page=100",
                    "/disposisi/?antrian=done&per_page=100"],
        "kadis": ["/disposisi/?antrian=sent&per_page=100", "/surat-masuk/?per_page=100"],
        "kabid_b": ["/surat-masuk/?per_page=100&antrian=copies"],
    }
    usernames = {key: office.users[key].username for key in pages}

    def measure_all() -> dict[str, int]:
        counts = {}
        for key, urls in pages.items():
            client.post("/keluar")
            client.post("/masuk", data={"username": usernames[key],
                                        "password": "rahasia-uji-123"})
            for url in urls:
                counts[f"{key} {url}"] = measure(client, count_queries, url)
        return counts

    add_letters(office, register, 5, 0)
    few = measure_all()
    from eoffice.extensions import db
    from tests.letters.conftest import Office

    db.session.expunge_all()
    office = Office(*[db.session.merge(getattr(office, f)) if f != "users" else
                      {k: db.session.merge(u) for k, u in office.users.items()}
                      for f in Office.__dataclass_fields__])
    add_letters(office, register, 25, 5)
    many = measure_all()
    assert {k: c for k, (c, _) in many.items()} == {k: c for k, (c, _) in few.items()}
    assert all(count < 20 for count, _ in few.values()), few
    assert all(many[k][1] > few[k][1] for k in few)  # the pages did get longer


def test_the_letter_page_does_not_grow_with_its_dispositions(app, client, office, register,
                                                             count_queries):
    """The detail page (tree with reports and files, timeline) and its lembar disposisi."""
    from eoffice.dispositions.services import DispositionInput, dispose, report
    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    letter = register(office, uploads=[("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES)])
    letter_id = letter.id
    kadis, kabid_a, kabid_b = (office.users[k] for k in ("kadis", "kabid_a", "kabid_b"))
    usernames = [u.username for u in (kadis, kabid_a, kabid_b)]

    def add_dispositions(n: int) -> None:
        for i in range(n):
            target = db.session.get(IncomingLetter, letter_id)
            disposition = dispose(target, DispositionInput(
                to_positions=[office.kabid_a.id, office.kabid_b.id], note=f"D{i}"),
                actor=kadis)
            report(disposition.recipients[0], f"Laporan {i}", (f"r{i}.png", PNG_BYTES + bytes([i])),
                   True, actor=kabid_a)
            db.session.commit()

    def measure_all() -> list[tuple[int, int]]:
        out = []
        for username in usernames:
            client.post("/keluar")
            client.post("/masuk", data={"username": username, "password": "rahasia-uji-123"})
            client.get(f"/surat-masuk/{letter_id}")  # first visit writes read receipts
            out.append(measure(client, count_queries, f"/surat-masuk/{letter_id}"))
        out.append(measure(client, count_queries,
                           f"/surat-masuk/{letter_id}/lembar-disposisi.pdf"))
        return out

    add_dispositions(1)
    few = measure_all()
    db.session.expunge_all()
    kadis, kabid_a = db.session.merge(kadis), db.session.merge(kabid_a)
    office.kabid_a, office.kabid_b = db.session.merge(office.kabid_a), db.session.merge(
        office.kabid_b)
    add_dispositions(4)
    many = measure_all()
    assert [c for c, _ in many] == [c for c, _ in few]
    assert all(m > f for (_, m), (_, f) in zip(many, few, strict=True))
