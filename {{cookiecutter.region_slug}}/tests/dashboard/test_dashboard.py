"""The dashboard by role: what a head, a clerk and a staff member need first, zeros
toned down, counters named with their number, a chart a head can look at (an inline SVG
with its numbers as a table), and a statement count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

from eoffice.extensions import db
from eoffice.letters.services import today_local
from tests.helpers import page_text


def first_section(text: str) -> str:
    """The "needs you first" part of the dashboard."""
    match = re.search(r'<section[^>]*id="dashboard-first".*?</section>', text, re.S)
    assert match, "the dashboard has no first section"
    return match.group(0)


def card_titles(section: str) -> list[str]:
    return [t.strip() for t in re.findall(r'<div class="text-muted small">(?:<i[^>]*></i>)?'
                                          r'\s*([^<]+)</div>', section)]


def card_links(text: str) -> dict[str, str]:
    """aria-label of each card link, by its URL."""
    return dict(re.findall(r'<a class="stretched-link" href="([^"]+)" aria-label="([^"]+)"',
                           text))


def test_a_head_sees_what_waits_for_them_first(client, login, office, register, dispose):
    letter = register(office, to=[office.kadis])
    register(office, to=[office.kadis])
    late = dispose(office, letter, "kadis", [office.kabid_a],
                   due_date=today_local() + dt.timedelta(days=5))
    late.due_date = today_local() - dt.timedelta(days=2)  # the Kabid has not acted in time
    db.session.commit()
    login(office.users["kadis"])
    text = page_text(client.get("/"))
    first = first_section(text)
    titles = card_titles(first)
    assert titles[:3] == ["Letters to read", "Letters to sign", "Overdue dispositions I gave"]
    assert "Active staff" not in titles and "Letters I registered" not in titles
    links = card_links(text)
    assert links["/disposisi/?antrian=sent_overdue"] == "Overdue dispositions I gave: 1"
    listed = page_text(client.get("/disposisi/?antrian=sent_overdue"))
    assert listed.count("data-disposition-row") == 1
    assert re.fullmatch(r"Letters to read: \d+", links["/surat-masuk/?antrian=to_read"])
    assert "Register a letter" not in text
    assert 'id="dashboard-chart"' in text


def test_the_heads_chart_counts_letters_per_week(client, login, office, register):
    today = today_local()
    for days in (0, 1, 8, 8, 8, 60):
        register(office, to=[office.kadis], received_date=today - dt.timedelta(days=days),
                 letter_date=today - dt.timedelta(days=days + 1))
    register(office, to=[office.other_head])  # not the Kadis's letter
    login(office.users["kadis"])
    text = page_text(client.get("/"))
    svg = re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]+)".*?</svg>', text, re.S)
    assert svg, "no accessible chart"
    assert f'id="{svg.group(1).split()[0]}"' in text
    table = re.search(r'<table[^>]*id="chart-weeks-data".*?</table>', text, re.S).group(0)
    incoming = [int(n) for n in re.findall(r'<td data-series="incoming">(\d+)</td>', table)]
    assert len(incoming) == 8
    assert sum(incoming) == 5  # the letter of 60 days ago is before the chart's 8 weeks
    assert incoming[-1] == 2 and incoming[-2] == 3
    assert "<script" not in svg.group(0)


def test_a_clerk_starts_from_registering(client, login, office, register):
    register(office, subject="Surat pertama hari ini", received_date=today_local())
    register(office, subject="Surat kemarin")
    login(office.users["clerk"])
    text = page_text(client.get("/"))
    first = first_section(text)
    assert re.search(r'<a [^>]*href="/surat-masuk/baru"[^>]*>.*?Register a letter', text, re.S)
    titles = card_titles(first)
    assert titles[:2] == ["Received today", "Letters I registered"]
    assert "Letters to sign" not in titles and "Drafts to verify" not in titles
    links = card_links(text)
    assert links["/surat-masuk/?antrian=registered_by_me"] == "Letters I registered: 2"
    recent = re.search(r'<section[^>]*id="dashboard-recent".*?</section>', text, re.S).group(0)
    assert recent.index("Surat pertama hari ini") < recent.index("Surat kemarin")  # newest first


def test_a_staff_member_sees_their_dispositions_and_what_is_due_soon(
        client, login, office, register, dispose):
    today = today_local()
    for days in (1, 3, 10):
        letter = register(office, to=[office.kadis])
        kabid = dispose(office, letter, "kadis", [office.kabid_a],
                        due_date=today + dt.timedelta(days=20))
        dispose(office, letter, "kabid_a", [office.staf_a], parent=kabid.recipients[0],
                due_date=today + dt.timedelta(days=days))
    login(office.users["staf_a"])
    text = page_text(client.get("/"))
    titles = card_titles(first_section(text))
    assert titles[:3] == ["Dispositions to act on", "Due within 3 days", "Overdue"]
    links = card_links(text)
    assert links["/disposisi/?antrian=open"] == "Dispositions to act on: 3"
    assert links["/disposisi/?antrian=due_soon"] == "Due within 3 days: 2"
    listed = page_text(client.get("/disposisi/?antrian=due_soon"))
    assert listed.count('data-disposition-row') == 2


def test_zero_counters_are_toned_down(client, login, office, register):
    register(office, to=[office.kabid_a])
    login(office.users["kabid_a"])
    text = client.get("/").get_data(as_text=True)
    cards = re.findall(r'<div class="card h-100([^"]*)">\s*<div class="card-body">.*?'
                       r'eo-card-value">(\d+)<', text, re.S)
    values = {int(value) for _, value in cards}
    assert 0 in values and 1 in values
    for classes, value in cards:
        assert ("eo-card-zero" in classes) == (value == "0"), (classes, value)


def test_dashboard_statements_do_not_grow_with_the_letters(client, login, office, register,
                                                          dispose, count_queries):
    login(office.users["kadis"])
    client.get("/")

    built = iter(range(1000))

    def statements() -> int:
        """A URL of its own each time: the page built, not the page cache's copy."""
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(f"/?_={next(built)}").status_code == 200
        return counter.count

    few = statements()
    for n in range(6):
        day = today_local() - dt.timedelta(days=7 * n)
        letter = register(office, to=[office.kadis], received_date=day,
                          letter_date=day - dt.timedelta(days=1))
        dispose(office, letter, "kadis", [office.kabid_a])
    assert statements() == few
    assert few <= 18, few  # with the notification bell and the page cache's token
