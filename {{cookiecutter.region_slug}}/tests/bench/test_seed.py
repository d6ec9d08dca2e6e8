"""The benchmark's seeder: consistent data, quickly, and never on a real region's database."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import click
import pytest
import sqlalchemy as sa

from eoffice.auth.models import User
from eoffice.bench import org as org_plan
from eoffice.bench import target
from eoffice.bench import vocabulary as words
from eoffice.bench.seed import BENCH_PASSWORD, SeedOptions, seed_database
from eoffice.dispositions.models import RECIPIENT_STATUSES, Disposition, DispositionRecipient
from eoffice.extensions import db
from eoffice.letters.models import LETTER_STATUSES, SECURITY_LEVELS, IncomingLetter, LetterRecipient
from eoffice.numbering import Counter as NumberCounter
from eoffice.org.models import Position, Unit
from eoffice.outgoing.models import STATUSES as OUTGOING_STATUSES
from eoffice.outgoing.models import ApprovalStep, OutgoingLetter
from eoffice.staff.models import Staff
from eoffice.staff.nip import parse_nip

LETTERS = 2000


@pytest.fixture(scope="module")
def seeded(bench_url, bench_app_for):
    url = bench_url("seed")
    lines: list[str] = []
    result = seed_database(url, SeedOptions(letters=LETTERS, seed=7), echo=lines.append)
    app = bench_app_for(url)
    return url, app, result, lines


def rows(query) -> list:
    return list(db.session.execute(query))


def test_it_writes_the_region_and_the_letters_asked_for(seeded):
    _url, app, result, lines = seeded
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 42
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 244
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 244
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter)) \
            == LETTERS
        dispositions = db.session.scalar(sa.select(sa.func.count()).select_from(Disposition))
        assert LETTERS * 0.9 <= dispositions <= LETTERS * 1.1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingLetter)) \
            == LETTERS * 3 // 10
    assert result.counts["incoming_letters"] == LETTERS
    assert any("rows/s" in line for line in lines)  # progress and speed are printed


def test_agenda_numbers_are_unique_per_year_and_the_counters_continue_them(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        by_year = defaultdict(list)
        for year, seq, number, received in rows(sa.select(
                IncomingLetter.agenda_year, IncomingLetter.agenda_seq,
                IncomingLetter.agenda_number, IncomingLetter.received_date)):
            assert year == received.year
            by_year[year].append((seq, number))
        counters = dict(rows(sa.select(NumberCounter.period, NumberCounter.last_value).where(
            NumberCounter.series == "agenda")))
        assert len(by_year) >= 10  # ten years, and the days of the eleventh
        for year, numbers in by_year.items():
            assert sorted(seq for seq, _ in numbers) == list(range(1, len(numbers) + 1))
            assert len({number for _, number in numbers}) == len(numbers)
            assert counters[str(year)] == len(numbers)
        first = min(rows(sa.select(IncomingLetter.received_date)))[0]
        assert first <= dt.date.today() - dt.timedelta(days=9 * 365)


def test_every_recipient_is_a_position_and_dispositions_go_down_the_tree(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        parent_of = dict(rows(sa.select(Position.id, Position.parent_id)))

        def above(position_id):
            found, current = [], parent_of[position_id]
            while current is not None:
                found.append(current)
                current = parent_of[current]
            return found

        for (position_id,) in rows(sa.select(LetterRecipient.position_id)):
            assert position_id in parent_of
        addressees = defaultdict(set)
        for letter_id, position_id in rows(sa.select(LetterRecipient.letter_id,
                                                     LetterRecipient.position_id)
                                           .where(LetterRecipient.kind == "to")):
            addressees[letter_id].add(position_id)
        recipients = {r.id: r for r in db.session.scalars(sa.select(DispositionRecipient))}
        dispositions = {d.id: d for d in db.session.scalars(sa.select(Disposition))}
        forwarded = 0
        for item in dispositions.values():
            if item.parent_recipient_id is None:
                assert item.from_position_id in addressees[item.letter_id]
            else:
                forwarded += 1
                parent = recipients[item.parent_recipient_id]
                assert parent.position_id == item.from_position_id
                assert parent.status in ("in_progress", "done")
                assert dispositions[parent.disposition_id].letter_id == item.letter_id
                assert dispositions[parent.disposition_id].created_at <= item.created_at
        assert forwarded > 0
        for recipient in recipients.values():
            sender = dispositions[recipient.disposition_id].from_position_id
            assert sender in above(recipient.position_id), "a disposition went up the tree"


def test_statuses_are_valid_and_follow_time(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        seen = Counter()
        for recipient in db.session.scalars(sa.select(DispositionRecipient)):
            seen[recipient.status] += 1
            assert recipient.status in RECIPIENT_STATUSES
            assert (recipient.read_at is None) == (recipient.status in ("unread", "cancelled"))
            assert (recipient.done_at is not None) == (recipient.status == "done")
            assert (recipient.report is not None) == (recipient.status == "done")
        assert {"done", "unread", "in_progress"} <= set(seen)
        assert seen["done"] > sum(seen.values()) / 2  # most are old, and done
        statuses = Counter(s for (s,) in rows(sa.select(IncomingLetter.status)))
        assert set(statuses) <= set(LETTER_STATUSES) and statuses["filed"] > 0
        closed = sa.select(IncomingLetter.id).where(IncomingLetter.status != "registered")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Disposition).where(
            Disposition.letter_id.in_(closed))) == 0
        levels = Counter(s for (s,) in rows(sa.select(IncomingLetter.security)))
        assert set(levels) == set(SECURITY_LEVELS)
        assert 0.86 <= levels["B"] / LETTERS <= 0.94
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for moment in db.session.scalars(sa.select(DispositionRecipient.status_changed_at)):
            assert moment <= now
        overdue = db.session.scalar(sa.select(sa.func.count()).select_from(
            DispositionRecipient).join(
            Disposition, Disposition.id == DispositionRecipient.disposition_id).where(
            DispositionRecipient.status.in_(("unread", "read", "in_progress")),
            Disposition.due_date < dt.date.today()))
        assert overdue > 0


def test_outgoing_letters_have_unique_numbers_and_their_chains(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        letters = list(db.session.scalars(sa.select(OutgoingLetter)))
        assert {item.status for item in letters} <= set(OUTGOING_STATUSES)
        numbered = [item for item in letters if item.number]
        assert len({item.number for item in numbered}) == len(numbered)
        assert all(item.status in ("signed", "sent", "cancelled") for item in numbered)
        counters = dict(((series, int(period)), value) for series, period, value in rows(
            sa.select(NumberCounter.series, NumberCounter.period, NumberCounter.last_value)
            .where(NumberCounter.series.like("surat%"))))
        highest = Counter()
        for item in numbered:
            key = (item.number_series, item.number_year)
            highest[key] = max(highest[key], item.number_seq)
        assert dict(highest) == counters
        sent = [item for item in letters if item.status == "sent"]
        assert len(sent) > len(letters) / 2
        steps = defaultdict(list)
        for step in db.session.scalars(sa.select(ApprovalStep)):
            steps[step.letter_id].append(step)
        for item in sent:
            assert all(s.status == "approved" for s in steps[item.id])
            assert item.current_step == len(steps[item.id])


def test_the_derived_data_is_built(seeded):
    from eoffice import access
    from eoffice.search.models import INCOMING

    _url, app, _result, _lines = seeded
    with app.app_context():
        assert [d for d in access.check() if not d.ok] == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(INCOMING)) == LETTERS


def test_the_search_words_are_planted(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        texts = rows(sa.select(IncomingLetter.subject, IncomingLetter.summary))
        rare = [t for t in texts if words.RARE_WORD in f"{t[0]} {t[1]}"]
        assert len(rare) == words.RARE_LETTERS
        common = [t for t in texts if re.search(r"\brapat", f"{t[0]} {t[1]}".lower())]
        assert 0.15 <= len(common) / LETTERS <= 0.25


def test_staff_records_are_valid_and_every_office_has_a_clerk(seeded):
    _url, app, _result, _lines = seeded
    with app.app_context():
        for person in db.session.scalars(sa.select(Staff)):
            if person.employment_type == "pns":
                info = parse_nip(person.nip)
                assert (info.gender, info.birth_date) == (person.gender, person.birth_date)
        clerks = list(db.session.scalars(sa.select(User).where(
            User.roles.any(role="pencatat"))))
        assert len(clerks) == 31  # thirty offices and the Sekretariat Daerah
        assert all(user.has_role("pegawai") for user in db.session.scalars(sa.select(User)))


def test_the_personas_log_in_through_the_form(seeded):
    _url, app, _result, _lines = seeded
    assert app.config.get("WTF_CSRF_ENABLED", True)
    for username in org_plan.PERSONAS.values():
        client = app.test_client()
        page = client.get("/masuk")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        answer = client.post("/masuk", data={"csrf_token": token, "username": username,
                                             "password": BENCH_PASSWORD})
        assert answer.status_code == 302 and "/masuk" not in answer.location, username
        listing = client.get("/surat-masuk/")
        assert listing.status_code == 200
        assert re.search(r'href="/surat-masuk/\d+"', listing.text), f"{username} sees no letter"


def test_a_letter_registered_afterwards_takes_the_next_agenda_number(seeded):
    from eoffice.letters import services

    _url, app, _result, _lines = seeded
    with app.test_request_context():
        clerk = db.session.scalar(sa.select(User).where(
            User.username == org_plan.PERSONAS["clerk"]))
        head = db.session.scalar(sa.select(User).where(User.username == org_plan.PERSONAS["head"]))
        today = services.today_local()
        before = db.session.scalar(sa.select(sa.func.max(IncomingLetter.agenda_seq)).where(
            IncomingLetter.agenda_year == today.year))
        try:
            letter = services.register_letter(services.LetterInput(
                sender="Kementerian Dalam Negeri", sender_number="000.1/1/SJ",
                letter_date=today, received_date=today, subject="Surat uji setelah benchmark",
                to_positions=[head.staff.position.id]), actor=clerk)
            db.session.flush()
            assert letter.agenda_seq == before + 1
            assert letter.agenda_number == services.numbering.format_number(
                app.config["AGENDA_PATTERN"], before + 1, today)
        finally:
            db.session.rollback()


def test_it_refuses_a_database_with_real_data(bench_url, bench_app_for):
    from flask_migrate import upgrade

    from eoffice.auth.services import create_user
    from eoffice.config import REGION_ROOT

    url = bench_url("real")
    target.ensure_database(url)
    app = bench_app_for(url)
    with app.app_context():
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        create_user("operator", "kata-sandi-rahasia-1", full_name="Operator Daerah")
        db.session.commit()
    with pytest.raises(click.ClickException, match="refuses to touch it"):
        seed_database(url, SeedOptions(letters=10), echo=lambda line: None)
    with app.app_context():
        assert [u.username for u in db.session.scalars(sa.select(User))] == ["operator"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter)) == 0


def test_the_command_refuses_the_regions_own_database(bench_url):
    from eoffice import create_app

    url = bench_url("own")
    target.ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():  # as `flask` gives its commands
        result = app.test_cli_runner().invoke(args=["eoffice", "bench", "seed", "--database",
                                                    url, "--letters", "10"])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "region's own database" in result.output
    assert target.database_state(url) == "empty"


def test_a_benchmark_database_can_be_seeded_again(seeded):
    url, _app, _result, _lines = seeded
    assert target.database_state(url) == "bench"


def test_the_same_seed_writes_the_same_letters(bench_url, bench_app_for):
    def letters(name: str) -> list[tuple]:
        url = bench_url(name)
        seed_database(url, SeedOptions(letters=300, seed=11), echo=lambda line: None)
        with bench_app_for(url).app_context():
            return rows(sa.select(
                IncomingLetter.agenda_number, IncomingLetter.received_date,
                IncomingLetter.subject, IncomingLetter.sender, IncomingLetter.sender_number,
                IncomingLetter.security, sa.select(sa.func.count()).where(
                    Disposition.letter_id == IncomingLetter.id).scalar_subquery())
                .order_by(IncomingLetter.id))

    assert letters("same1") == letters("same2")
