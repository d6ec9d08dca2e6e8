"""Seed a benchmark database with a region's ten years of letters, fast.

``seed_database(url, options)`` makes the database named by ``url`` (refusing any
that holds someone's data, see ``eoffice.bench.target``), builds the schema with the
real migrations, writes the organisation of ``eoffice.bench.org`` through the ORM,
then the letters in bulk through the models' tables (``eoffice.bench.writer``):

- incoming letters spread over ten years (``received_date``), more in recent years
  and on working days; agenda numbers from the region's ``AGENDA_PATTERN``, one
  sequence per year, and the ``counters`` rows left where the next registration
  continues; 90% security B, 6% T, 3% R, 1% SR; mostly ``biasa``; subjects, senders
  and numbers from ``eoffice.bench.vocabulary`` and Faker's ``id_ID`` names;
- addressees (1-2 ``to`` positions, 0-2 copies) in the office that registered the
  letter, read long ago when the letter is old;
- about as many dispositions as letters, down the position tree from the addressee,
  some forwarded further; recipients' statuses by age (old ones done, recent ones
  open, some overdue); some letters filed or cancelled;
- outgoing letters (30% as many by default) with drafter, paraf chain, signer,
  numbers from ``LETTER_PATTERN``, mostly sent to outside agencies.

``COMMON_WORD`` is in about 20% of the letters and ``RARE_WORD`` in exactly
``RARE_LETTERS`` of them, for the runner's searches. The same ``seed`` on the same day
writes the same data. Derived data (access grants, the search index) is then built
by ``build_derived_data`` and the planner's statistics refreshed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from faker import Faker
from flask import current_app

from eoffice.bench import org as org_plan
from eoffice.bench import target
from eoffice.bench import vocabulary as words
from eoffice.bench.writer import BulkWriter

BENCH_PASSWORD = "bench-eoffice-2024"  # noqa: S105 - the benchmark's users, in its own database
RARE_LETTERS = 10
YEARS = 10
BATCH = 10_000  # letters per transaction
SECURITY = (("B", 0.90), ("T", 0.96), ("R", 0.99), ("SR", 1.0))
SPEED = (("biasa", 0.80), ("penting", 0.92), ("segera", 0.98), ("amat_segera", 1.0))
DAY = 86400

Echo = Callable[[str], None]


@dataclass
class SeedOptions:
    letters: int
    dispositions: int | None = None  # None: as many as letters
    outgoing: int | None = None  # None: 30% of the letters
    seed: int = 1

    @property
    def disposition_target(self) -> int:
        return self.letters if self.dispositions is None else self.dispositions

    @property
    def outgoing_target(self) -> int:
        return self.letters * 3 // 10 if self.outgoing is None else self.outgoing


@dataclass
class SeedResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _weighted(pairs) -> tuple[list, list[float]]:
    items = [item for item, _ in pairs]
    total, cumulative = 0.0, []
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return items, cumulative


class Picker:
    """Weighted choice, fast: ``pick(rng)``."""

    def __init__(self, pairs):
        self.items, self.cumulative = _weighted(pairs)
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _level(table, roll: float) -> str:
    for value, limit in table:
        if roll < limit:
            return value
    return table[-1][0]


class Region:
    """What every generator shares: the organisation, the clock, vocabulary pools."""

    def __init__(self, org: org_plan.Org, options: SeedOptions, now: dt.datetime,
                 today: dt.date, codes: dict[str, int], instructions: list[int]):
        from eoffice.dispositions.services import add_working_days, configured_holidays

        config = current_app.config
        self.org, self.options = org, options
        self.rng = random.Random(options.seed)
        self.now, self.today = now, today
        self.offset = ZoneInfo(config["TIMEZONE"]).utcoffset(dt.datetime(2024, 1, 1))
        self.codes, self.instructions = codes, instructions
        self.add_working_days, self.holidays = add_working_days, configured_holidays()
        self.due_days = {speed: config[key] for speed, key in (
            ("amat_segera", "DUE_DAYS_AMAT_SEGERA"), ("segera", "DUE_DAYS_SEGERA"),
            ("penting", "DUE_DAYS_PENTING"), ("biasa", "DUE_DAYS_BIASA"))}
        faker = Faker("id_ID")
        faker.seed_instance(options.seed)
        self.people = [org_plan._clean_name(faker.name()) for _ in range(3000)]
        self.companies = list(dict.fromkeys(faker.company() for _ in range(800)))
        self.streets = [faker.street_address() for _ in range(300)]
        self.offices = [o for o in org.offices]
        setda_share = 0.2
        others = [o for o in self.offices if o.code != org_plan.SETDA]
        total = sum(o.weight for o in others)
        self.office_picker = Picker([(o, setda_share if o.code == org_plan.SETDA else
                                      (1 - setda_share) * o.weight / total)
                                     for o in self.offices])
        self.subjects = Picker([((t, c, True), w) for t, w, c in words.MEETING_SUBJECTS]
                               + [((t, c, False), w) for t, w, c in words.OTHER_SUBJECTS])
        self.places = [o.name.removeprefix("Kecamatan ") for o in self.offices
                       if o.size == "kecamatan"]
        self.persona_office = org.office(org_plan.PERSONA_OFFICE)
        staff = org.by_username(org_plan.PERSONAS["staff"])
        self.staff_path = [p for p in reversed(staff.above())
                           if p.office == staff.office] + [staff]

    # --- time ----------------------------------------------------------------------

    def at(self, day: dt.date, seconds: float) -> dt.datetime:
        """UTC (naive, whole seconds) of ``seconds`` after local midnight of ``day``."""
        moment = dt.datetime(day.year, day.month, day.day) + dt.timedelta(
            seconds=int(seconds)) - self.offset
        return min(moment, self.now)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return (moment + self.offset).date()

    def later(self, moment: dt.datetime, low: float, high: float) -> dt.datetime:
        """A moment ``low``..``high`` seconds after ``moment``, never after now."""
        return min(moment + dt.timedelta(seconds=int(self.rng.uniform(low, high))), self.now)

    def days(self, count: int, start_weight: float = 0.6) -> list[tuple[dt.date, int]]:
        """``count`` things spread over the last YEARS years: (day, how many), oldest
        first. Working days carry nearly everything, and recent years more (a region
        that took up the e-office gradually)."""
        first = self.today.replace(year=self.today.year - YEARS) + dt.timedelta(days=1)
        span = (self.today - first).days
        weights = []
        for offset in range(span + 1):
            day = first + dt.timedelta(days=offset)
            weekday = day.weekday()
            base = 1.0 if weekday < 5 else 0.08 if weekday == 5 else 0.02
            weights.append((day, base * (start_weight + (1 - start_weight) * 2 * offset / span)))
        # Each day gets the whole things its share of the running total passes: even
        # spread whatever the count, and exactly ``count`` in all.
        total = sum(w for _, w in weights)
        out, running, given = [], 0.0, 0
        for day, weight in weights:
            running += count * weight / total
            upto = min(int(running + 1e-9), count)
            if upto > given:
                out.append((day, upto - given))
                given = upto
        if given < count:
            out.append((self.today, count - given))
        return out

    # --- words ---------------------------------------------------------------------

    def subject(self, year: int) -> tuple[str, str | None, bool, str, str]:
        """(subject, classification code, is a meeting, summary kind, topic)."""
        rng = self.rng
        template, code, meeting = self.subjects.pick(rng)
        topic, topic_code = rng.choice(words.TOPICS)
        values = {"topic": topic, "period": rng.choice(words.PERIODS),
                  "year": year - (1 if rng.random() < 0.3 else 0),
                  "kp": "April" if rng.random() < 0.5 else "Oktober",
                  "place": rng.choice(self.places), "village": rng.choice(words.VILLAGES),
                  "event": rng.choice(words.EVENTS), "complaint": ""}
        if code == "complaint":
            values["complaint"], code = rng.choice(words.COMPLAINTS)
        subject = template.format(**values)
        if meeting:
            kind = "meeting"
        elif template.startswith(("Permohonan", "Pengajuan", "Usulan", "Penawaran")):
            kind = "request"
        elif template.startswith(("Laporan", "Penyampaian")):
            kind = "report"
        elif template.startswith("Pengaduan"):
            kind = "complaint"
        elif template.startswith("Undangan"):
            kind = "event"
        else:
            kind = "notice"
        return subject, code or topic_code, meeting, kind, topic

    def summary(self, kind: str, day: dt.date, topic: str) -> str:
        rng = self.rng
        when = day + dt.timedelta(days=rng.randint(3, 14))
        return rng.choice(words.SUMMARIES[kind]).format(
            weekday=words.WEEKDAYS_ID[when.weekday()],
            date=f"{when.day} {words.MONTHS_ID[when.month - 1]} {when.year}",
            time=rng.choice(["08.00", "09.00", "10.00", "13.30"]),
            venue=rng.choice(words.VENUES), meeting_venue=rng.choice(words.MEETING_VENUES),
            topic=topic.lower(), place=rng.choice(self.places))

    def sender(self, day: dt.date, code: str | None, office: org_plan.Office) -> tuple[str, str]:
        """(sender, the sender's number), in the formats each kind of sender uses."""
        rng = self.rng
        roll = rng.random()
        seq = rng.randint(1, 2500)
        prefix = (code or "000").split(".")[0]
        if roll < 0.45:
            name, abbr = rng.choice(words.AGENCIES)
            if name.startswith("Kementerian") or (name.startswith("Badan")
                                                  and " Daerah" not in name):
                number = f"B-{seq}/{abbr}/{code or prefix}/{day.month:02d}/{day.year}"
            else:
                number = f"{prefix}/{seq}/{abbr}/{day.year}"
            return name, number
        if roll < 0.55:
            place = rng.choice(words.NEIGHBOURS)
            office_name, abbr = rng.choice([("Pemerintah Kabupaten", "Setda"),
                                            ("Dinas Kesehatan Kabupaten", "Dinkes"),
                                            ("Dinas Pendidikan Kabupaten", "Disdik"),
                                            ("Badan Perencanaan Pembangunan Daerah Kabupaten",
                                             "Bappeda")])
            return f"{office_name} {place}", f"{prefix}/{seq}/{abbr}/{day.year}"
        if roll < 0.65 and office.code == org_plan.SETDA:
            other = rng.choice(self.offices[1:])
            return f"{other.name} {current_app.config['REGION_NAME']}", \
                f"{prefix}/{seq}/{other.code.split('.')[-1]}/{day.year}"
        if roll < 0.8:
            company = rng.choice(self.companies)
            initials = "".join(w[0] for w in company.split()[1:4] if w[:1].isalpha()).upper()
            return company, f"{seq:03d}/{initials or 'DIR'}/{words.ROMAN[day.month - 1]}/{day.year}"
        if roll < 0.9:
            name = rng.choice(words.ORGANISATIONS).format(
                n=rng.randint(1, 12), place=rng.choice(self.places),
                village=rng.choice(words.VILLAGES))
            return name, f"{rng.randint(1, 400):03d}/{rng.randint(1, 90)}/{day.year}"
        return rng.choice(self.people), "-"

    def classification(self, code: str | None) -> int | None:
        while code:
            if code in self.codes:
                return self.codes[code]
            code = code.rpartition(".")[0]
        return None


# --- Incoming letters ---------------------------------------------------------------------

LETTER_COLUMNS = ("id", "agenda_number", "agenda_year", "agenda_seq", "sender", "sender_number",
                  "letter_date", "received_date", "subject", "summary", "classification_id",
                  "security", "speed", "physical_attachments", "status", "registered_by_id",
                  "registering_unit_id", "cancel_reason", "filed_note", "created_at",
                  "updated_at")
RECIPIENT_COLUMNS = ("id", "letter_id", "position_id", "kind", "read_at", "read_by_id")
DISPOSITION_COLUMNS = ("id", "letter_id", "parent_recipient_id", "from_position_id",
                       "from_user_id", "from_name", "note", "due_date", "created_at",
                       "updated_at")
DR_COLUMNS = ("id", "disposition_id", "position_id", "status", "status_changed_at", "read_at",
              "done_at", "report")
LINK_COLUMNS = ("disposition_id", "instruction_id")

# Status of a disposition recipient by the age of the disposition, in days:
# (oldest age, [(status, cumulative share)]).
RECIPIENT_STATUS = [
    (60, (("done", 0.93), ("cancelled", 0.94), ("in_progress", 0.97), ("read", 0.99),
          ("unread", 1.0))),
    (14, (("done", 0.75), ("cancelled", 0.76), ("in_progress", 0.88), ("read", 0.96),
          ("unread", 1.0))),
    (3, (("done", 0.40), ("in_progress", 0.65), ("read", 0.85), ("unread", 1.0))),
    (0, (("done", 0.10), ("in_progress", 0.25), ("read", 0.55), ("unread", 1.0))),
]


class Incoming:
    """Incoming letters with their addressees and disposition trees, batch by batch."""

    def __init__(self, region: Region, writer: BulkWriter, tables: dict[str, sa.Table]):
        self.region, self.writer, self.tables = region, writer, tables
        self.letter_id = writer.next_id(tables["letters"])
        self.recipient_id = writer.next_id(tables["recipients"])
        self.disposition_id = writer.next_id(tables["dispositions"])
        self.dr_id = writer.next_id(tables["disposition_recipients"])
        self.agenda: dict[int, int] = {}
        self.dispositions = 0
        self.eligible = 0
        self.pattern = current_app.config["AGENDA_PATTERN"]
        options = region.options
        total = options.letters
        # Where RARE_WORD is planted: index -> k, evenly over the years.
        self.rare_at = {int((k + 0.5) * total / RARE_LETTERS): k for k in range(RARE_LETTERS)} \
            if total >= RARE_LETTERS else {i: i for i in range(total)}
        self.batch: dict[str, list] = {}
        self._reset()

    def _reset(self) -> None:
        self.batch = {"letters": [], "recipients": [], "dispositions": [], "dr": [],
                      "links": []}

    def run(self, echo: Echo) -> None:
        from eoffice.numbering import format_number

        region = self.region
        total = region.options.letters
        index, started, next_report = 0, time.monotonic(), 0.05
        for day, count in region.days(total):
            year = day.year
            for _ in range(count):
                seq = self.agenda.get(year, 0) + 1
                self.agenda[year] = seq
                self.letter(index, day, seq, format_number(self.pattern, seq, day))
                index += 1
                if len(self.batch["letters"]) >= BATCH:
                    self.flush()
                if index / total >= next_report:
                    elapsed = time.monotonic() - started
                    echo(f"  incoming letters {index:>10,}/{total:,} ({index / total:4.0%}), "
                         f"{self.dispositions:,} dispositions, "
                         f"{index / max(elapsed, 1e-9):,.0f} letters/s, "
                         f"about {elapsed * (total - index) / index:,.0f} s to go")
                    next_report += 0.05 if total >= 100_000 else 0.25
        self.flush()

    def flush(self) -> None:
        tables, batch, write = self.tables, self.batch, self.writer.write
        write(tables["letters"], LETTER_COLUMNS, batch["letters"])
        write(tables["recipients"], RECIPIENT_COLUMNS, batch["recipients"])
        # A forwarded disposition points at a recipient row of its parent: write the
        # trees level by level (PostgreSQL checks that foreign key at once).
        dispositions, recipients = batch["dispositions"], batch["dr"]
        depth = max((d[0] for d in dispositions), default=-1)
        for level in range(depth + 1):
            write(tables["dispositions"], DISPOSITION_COLUMNS,
                  [d[1] for d in dispositions if d[0] == level])
            write(tables["disposition_recipients"], DR_COLUMNS,
                  [r[1] for r in recipients if r[0] == level])
        write(tables["links"], LINK_COLUMNS, batch["links"])
        self.writer.connection.commit()
        self._reset()

    def letter(self, index: int, day: dt.date, seq: int, agenda_number: str) -> None:
        region, rng = self.region, self.region.rng
        letter_id = self.letter_id
        self.letter_id += 1
        rare = self.rare_at.get(index)
        office = region.office_picker.pick(rng)
        if rare is not None:  # half in the persona's office, half at the Setda
            office = region.persona_office if rare % 2 == 0 else \
                region.org.office(org_plan.SETDA)
        rare = rare is not None
        subject, code, meeting, kind, topic = region.subject(day.year)
        if rare:
            subject = rng.choice(words.RARE_SUBJECTS).format(rare=words.RARE_WORD)
            code, meeting, kind = "400.12", False, "request"
            topic = "Pemutakhiran Data Kependudukan"
        summary = region.summary(kind, day, topic) if rng.random() < 0.6 else None
        sender, sender_number = region.sender(day, code, office)
        security = "B" if rare else _level(SECURITY, rng.random())
        speed = _level(SPEED, rng.random())
        created = region.at(day, rng.uniform(7.5, 15.5) * 3600)
        letter_date = day - dt.timedelta(days=min(int(rng.expovariate(0.4)), 30))
        age = (region.now - created).total_seconds() / DAY
        roll = rng.random()
        status = "cancelled" if roll < 0.004 else "filed" if roll < 0.07 else "registered"

        to, cc = self.addressees(office)
        clerk = office.clerk
        # Dispositions: how many this letter gets, so that the total comes out near the
        # target whatever share of letters cannot have any.
        path = None
        if status == "registered" and to[0].children and age > 0.02:
            self.eligible += 1
            if office is region.persona_office and to[0] is office.head and index % 4 == 0:
                path = region.staff_path
            wanted = self.wanted(index)
            if path is not None and region.options.disposition_target:
                wanted = max(wanted, len(path) - 1)
        else:
            wanted = 0
        first_disposition = self.tree(letter_id, to[0], created, speed, wanted, meeting, age,
                                      path) if wanted else None

        updated = created
        cancel_reason = filed_note = None
        if status == "cancelled":
            cancel_reason = rng.choice(words.CANCEL_REASONS)
            updated = region.later(created, 600, 3 * DAY)
        elif status == "filed":
            filed_note = rng.choice(words.FILED_NOTES)
            updated = region.later(created, 1800, 5 * DAY)
        self.batch["letters"].append((
            letter_id, agenda_number, day.year, seq, sender, sender_number, letter_date, day,
            subject, summary, region.classification(code), security, speed,
            1 if rng.random() < 0.2 else 0, status, clerk.user_id, clerk.unit_id, cancel_reason,
            filed_note, created, updated))
        recipients = self.batch["recipients"]
        for kind, posts in (("to", to), ("cc", cc)):
            for n, post in enumerate(posts):
                read_at = None
                if kind == "to" and n == 0 and first_disposition is not None:
                    read_at = region.later(created, 300, max(
                        (first_disposition - created).total_seconds(), 301))
                    read_at = min(read_at, first_disposition)
                elif rng.random() < (0.92 if age > 14 else 0.6 if age > 3 else 0.3) * (
                        1 if kind == "to" else 0.85):
                    read_at = region.later(created, 600, min(age * DAY, 5 * DAY) + 601)
                recipients.append((self.recipient_id, letter_id, post.id, kind, read_at,
                                   post.user_id if read_at else None))
                self.recipient_id += 1

    def addressees(self, office: org_plan.Office) -> tuple[list, list]:
        rng = self.region.rng
        roll = rng.random()
        if office.code == org_plan.SETDA:
            top = self.region.org.post("kepala.daerah")
            sekda = office.secretary
            if roll < 0.5:
                to = [top, sekda] if rng.random() < 0.1 else [top]
            elif roll < 0.9:
                to = [sekda]
            elif roll < 0.95:
                to = [self.region.org.post("wakil.kepala.daerah")]
            else:
                to = [rng.choice(office.of_kind("asisten"))]
            pool = office.of_kind("asisten") + office.of_kind("kabag") + [sekda]
        else:
            heads = office.of_kind("kabid") or office.of_kind("kasi")
            if roll < 0.85:
                to = [office.head, office.secretary] if rng.random() < 0.05 else [office.head]
            elif roll < 0.95:
                to = [office.secretary]
            else:
                to = [rng.choice(heads)]
            pool = [office.secretary, *heads]
        copies = rng.choice((0, 0, 0, 1, 1, 2))
        cc = []
        for post in rng.sample(pool, min(copies, len(pool))):
            if post not in to and post not in cc:
                cc.append(post)
        return to, cc

    def wanted(self, index: int) -> int:
        """Dispositions to give this (eligible) letter: the mean is what the remaining
        target needs over the eligible letters still to come."""
        options, rng = self.region.options, self.region.rng
        remaining = max(options.disposition_target - self.dispositions, 0)
        rate = self.eligible / (index + 1)
        coming = max((options.letters - index) * rate, 1.0)
        mean = min(remaining / coming, 6.0)
        wanted = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
        if wanted and rng.random() < 0.3:
            wanted += rng.choice((-1, 1))
        return wanted

    def tree(self, letter_id: int, root, created: dt.datetime, speed: str, wanted: int,
             meeting: bool, age: float, path: list | None) -> dt.datetime | None:
        """Write up to ``wanted`` dispositions down the tree from ``root``; returns the
        time of the first (None when none could be made)."""
        region, rng = self.region, self.region.rng
        start = region.later(created, 1800, 2 * DAY if rng.random() < 0.8 else 6 * DAY)
        if start >= region.now:
            return None
        # Open recipients that may forward: [row, post, read_at, depth].
        frontier: list[list] = []
        due_parent = None
        made, sender, moment, parent_row, depth = 0, root, start, None, 0
        step = 1
        while made < wanted:
            if path is not None and step < len(path):
                targets = [path[step]]
            else:
                targets = self.targets(sender)
            if not targets:
                break
            due = region.add_working_days(region.local_date(moment),
                                          region.due_days[speed], region.holidays)
            if due_parent is not None:
                due = max(min(due, due_parent), region.local_date(moment))
            disposition_id = self.disposition_id
            self.disposition_id += 1
            note = None
            if rng.random() < 0.5:
                note = rng.choice(words.MEETING_NOTES if meeting and rng.random() < 0.5
                                  else words.NOTES)
            picked = rng.sample(self.region.instructions, rng.choice((1, 1, 2))) \
                if self.region.instructions and (note is None or rng.random() < 0.6) else []
            if not picked and note is None:
                note = words.NOTES[0]
            self.batch["dispositions"].append((depth, (
                disposition_id, letter_id, parent_row[0] if parent_row else None, sender.id,
                sender.user_id, sender.full_name, note, due, moment, moment)))
            for instruction in picked:
                self.batch["links"].append((disposition_id, instruction))
            made += 1
            self.dispositions += 1
            for post in targets:
                row = self.recipient(disposition_id, post, moment, meeting, depth)
                if post.children and row[3] in ("read", "in_progress", "done"):
                    frontier.append([row, post, row[5], depth + 1, due])
            # The next disposition forwards one of the open recipients.
            step += 1
            if path is not None and step < len(path):
                found = [f for f in frontier if f[1] is path[step - 1]]
                choice = found[0] if found else None
            else:
                choice = rng.choice(frontier) if frontier else None
            if choice is None:
                break
            frontier.remove(choice)
            parent_row, sender, read_at, depth, due_parent = choice
            moment = region.later(read_at, 600, 2 * DAY)
            if moment >= region.now:
                break
            self.forwarded(parent_row, moment)
        return start if made else None

    def targets(self, sender) -> list:
        rng, children = self.region.rng, sender.children
        if not children:
            return []
        if sender.kind == "kepala-daerah":
            pool = [c for c in children if c.kind == "sekda"] if rng.random() < 0.85 else children
        elif sender.kind == "sekda":
            pool = [c for c in children if c.kind == "asisten"] if rng.random() < 0.3 else [
                c for c in children if c.kind == "kepala"]
        elif sender.kind == "kepala":
            pool = [c for c in children if c.kind in ("kabid", "kasi")] \
                if rng.random() < 0.75 else children
        else:
            pool = children
        pool = pool or children
        count = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.85 else 3
        return rng.sample(pool, min(count, len(pool)))

    def recipient(self, disposition_id: int, post, moment: dt.datetime, meeting: bool,
                  depth: int) -> list:
        region, rng = self.region, self.region.rng
        age = (region.now - moment).total_seconds() / DAY
        table = next(t for limit, t in RECIPIENT_STATUS if age > limit) \
            if age > 0 else RECIPIENT_STATUS[-1][1]
        status = _level(table, rng.random())
        read_at = done_at = report = None
        changed = moment
        if status == "cancelled":
            changed = region.later(moment, 600, DAY)
        elif status != "unread":
            read_at = region.later(moment, 300, min(2 * DAY, max(age * DAY, 301)))
            changed = read_at
            if status == "in_progress":
                changed = region.later(read_at, 600, 2 * DAY)
            elif status == "done":
                done_at = region.later(read_at, 3600, 10 * DAY)
                changed = done_at
                report = rng.choice(words.MEETING_REPORTS if meeting and rng.random() < 0.5
                                    else words.REPORTS)
        row = [self.dr_id, disposition_id, post.id, status, changed, read_at, done_at, report]
        self.dr_id += 1
        self.batch["dr"].append((depth, row))
        return row

    def forwarded(self, row: list, moment: dt.datetime) -> None:
        """A recipient forwarded the letter at ``moment``: it is at least in progress."""
        if row[3] == "read":
            row[3], row[4] = "in_progress", moment
        elif row[3] == "in_progress":
            row[4] = max(row[4], moment)
        elif row[3] == "done" and row[6] < moment:
            row[6] = row[4] = self.region.later(moment, 3600, 5 * DAY)


# --- Outgoing letters -----------------------------------------------------------------------

OUTGOING_COLUMNS = ("id", "letter_type", "subject", "classification_id", "security", "speed",
                    "body_html", "details", "status", "revision", "drafter_id",
                    "drafter_position_id", "signer_position_id", "current_step", "number",
                    "number_series", "number_year", "number_seq", "signed_at", "signed_date",
                    "signed_by_id", "signatory", "verify_token", "sent_at", "cancel_reason",
                    "created_at", "updated_at")
OUT_RECIPIENT_COLUMNS = ("id", "letter_id", "kind", "position_id", "name", "agency", "address",
                         "dispatch_method", "dispatched_on", "dispatched_by_id")
STEP_COLUMNS = ("id", "letter_id", "order", "position_id", "status", "acted_at", "acted_by_id",
                "note")
REVISION_COLUMNS = ("id", "letter_id", "number", "subject", "body_html", "details", "created_at",
                    "created_by_id", "created_by_name")
OUTGOING_STATUS = [
    (30, (("sent", 0.93), ("signed", 0.95), ("cancelled", 0.965), ("returned", 0.98),
          ("draft", 1.0))),
    (7, (("sent", 0.75), ("signed", 0.83), ("approved", 0.88), ("in_review", 0.94),
         ("returned", 0.97), ("draft", 1.0))),
    (0, (("sent", 0.35), ("signed", 0.45), ("approved", 0.55), ("in_review", 0.75),
         ("returned", 0.83), ("draft", 1.0))),
]
LETTER_TYPES = (("biasa", 0.55), ("undangan", 0.75), ("tugas", 0.85), ("edaran", 0.90),
                ("nota_dinas", 1.0))
ISSUED = ("signed", "sent", "cancelled")


class Outgoing:
    """Outgoing letters: drafts, paraf chains, signatures, numbers, dispatch."""

    def __init__(self, region: Region, writer: BulkWriter, tables: dict[str, sa.Table]):
        self.region, self.writer, self.tables = region, writer, tables
        self.ids = {name: writer.next_id(tables[name]) for name in
                    ("outgoing", "out_recipients", "steps", "revisions")}
        self.numbers: dict[tuple[str, int], int] = {}
        config = current_app.config
        self.pattern, self.per_code = config["LETTER_PATTERN"], \
            config["LETTER_COUNTER"] == "per_code"
        self.batch: dict[str, list] = {}
        self.staff_ids = {}
        for office in region.offices:
            self.staff_ids[office.code] = [p.staff_id for p in office.posts][:12]
        self._reset()

    def _reset(self) -> None:
        self.batch = {"outgoing": [], "out_recipients": [], "steps": [], "revisions": []}

    def _id(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] += 1
        return value

    def run(self, echo: Echo) -> None:
        total = self.region.options.outgoing_target
        done, next_report = 0, 0.25
        for day, count in self.region.days(total, start_weight=0.4):
            for _ in range(count):
                self.letter(day)
                done += 1
                if len(self.batch["outgoing"]) >= BATCH:
                    self.flush()
                if done / total >= next_report:
                    echo(f"  outgoing letters {done:>10,}/{total:,} ({done / total:4.0%})")
                    next_report += 0.25
        self.flush()

    def flush(self) -> None:
        write, tables, batch = self.writer.write, self.tables, self.batch
        write(tables["outgoing"], OUTGOING_COLUMNS, batch["outgoing"])
        write(tables["out_recipients"], OUT_RECIPIENT_COLUMNS, batch["out_recipients"])
        write(tables["steps"], STEP_COLUMNS, batch["steps"])
        write(tables["revisions"], REVISION_COLUMNS, batch["revisions"])
        self.writer.connection.commit()
        self._reset()

    def counters(self) -> dict[tuple[str, int], int]:
        return self.numbers

    def letter(self, day: dt.date) -> None:
        region, rng = self.region, self.region.rng
        letter_id = self._id("outgoing")
        office = region.office_picker.pick(rng)
        created = region.at(day, rng.uniform(7.5, 15.5) * 3600)
        age = (region.now - created).total_seconds() / DAY
        status = _level(next(t for limit, t in OUTGOING_STATUS if age > limit)
                        if age > 0 else OUTGOING_STATUS[-1][1], rng.random())
        letter_type = _level(LETTER_TYPES, rng.random())
        if letter_type == "nota_dinas" and status in ISSUED:
            letter_type = "biasa"  # internal delivery would register an incoming letter
        signer = office.head
        if office.code == org_plan.SETDA:
            signer = office.secretary if rng.random() < 0.6 else office.head
        below = [p for p in office.posts if p is not signer and signer in p.above()
                 and p.kind not in ("wakil",)]
        drafter = rng.choice([p for p in below if p.kind in ("staf", "pencatat", "kasi",
                                                             "kasubbag")] or below)
        chain = [p for p in drafter.above() if p is not signer and signer in p.above()]
        if letter_type == "undangan":
            topic, code = rng.choice(words.TOPICS)
            meeting = rng.random() < 0.6
            subject = f"Undangan {'Rapat Koordinasi' if meeting else 'Sosialisasi'} {topic}"
            kind = "meeting" if meeting else "event"
        else:
            subject, code, meeting, kind, topic = region.subject(day.year)
        security = "B" if rng.random() < 0.94 else "T" if rng.random() < 0.85 else "R"
        speed = _level(SPEED, rng.random())
        body = (f"<p>{rng.choice(words.OPENINGS)}</p><p>{region.summary(kind, day, topic)}</p>"
                f"<p>{rng.choice(words.CLOSINGS)}</p>")
        details = self.details(letter_type, office, day, meeting)
        # The way through the chain: submitted, each paraf, the signature, dispatch.
        moment = region.later(created, 1800, DAY)
        steps, current = [], 0
        for order, post in enumerate(chain):
            steps.append([self._id("steps"), letter_id, order, post.id, "pending", None, None,
                          None])
        if status in ("draft",):
            pass
        elif status in ("in_review", "returned") and steps:
            current = rng.randrange(len(steps))
            for step in steps[:current]:
                moment = region.later(moment, 1800, DAY)
                step[4:7] = ["approved", moment, chain[step[2]].user_id]
            if status == "returned":
                moment = region.later(moment, 1800, DAY)
                steps[current][4:8] = ["returned", moment, chain[current].user_id,
                                       rng.choice(words.RETURN_NOTES)]
        else:
            if status == "in_review":
                status = "approved"
            for step in steps:
                moment = region.later(moment, 1800, DAY)
                step[4:7] = ["approved", moment, chain[step[2]].user_id]
            current = len(steps)
        number = series = year = seq = signed_at = signed_date = signed_by = None
        signatory, token, sent_at, cancel_reason = {}, None, None, None
        if status in ISSUED:
            signed_at = region.later(moment, 1800, 2 * DAY)
            moment = signed_at
            signed_date = region.local_date(signed_at)
            classification_code = self._known_code(code)
            series = f"surat:{classification_code}" if self.per_code and classification_code \
                else "surat"
            year = signed_date.year
            seq = self.numbers.get((series, year), 0) + 1
            self.numbers[(series, year)] = seq
            from eoffice.numbering import format_number

            number = format_number(self.pattern, seq, signed_date, {
                "code": classification_code or "", "unit": signer.unit_code})
            signed_by = signer.user_id
            signatory = {"name": signer.full_name, "nip": signer.nip or "",
                         "position": signer.name, "rank": signer.rank, "unit": signer.unit_name}
            token = f"{rng.getrandbits(192):048x}"
            if status == "sent":
                sent_at = moment = region.later(signed_at, 1800, 3 * DAY)
            elif status == "cancelled":
                moment = region.later(signed_at, 3600, 10 * DAY)
                cancel_reason = rng.choice(words.CANCEL_REASONS)
        updated = moment if status != "draft" else created
        self.batch["outgoing"].append((
            letter_id, letter_type, subject, region.classification(code), security, speed, body,
            details, status, 1, drafter.user_id, drafter.id, signer.id, current, number, series,
            year, seq, signed_at, signed_date, signed_by, signatory, token, sent_at,
            cancel_reason, created, updated))
        self.batch["steps"].extend(tuple(step) for step in steps)
        self.batch["revisions"].append((self._id("revisions"), letter_id, 1, subject, body,
                                        details, created, drafter.user_id, drafter.full_name))
        self.recipients(letter_id, letter_type, office, status, sent_at)

    def recipients(self, letter_id: int, letter_type: str, office, status: str,
                   sent_at: dt.datetime | None) -> None:
        region, rng = self.region, self.region.rng
        rows = self.batch["out_recipients"]
        if letter_type == "nota_dinas":
            heads = [o.head for o in region.offices if o is not office and o.head]
            for post in rng.sample(heads, rng.choice((1, 1, 2))):
                rows.append((self._id("out_recipients"), letter_id, "to", post.id, None, None,
                             None, None, None, None))
            return
        dispatched = region.local_date(sent_at) if sent_at else None
        method = rng.choice(("pos", "kurir", "email", "langsung")) if sent_at else None
        for kind, count in (("to", rng.choice((1, 1, 1, 2, 3))), ("cc", rng.choice((0, 0, 1)))):
            for _ in range(count):
                roll = rng.random()
                if roll < 0.6:
                    agency, _abbr = rng.choice(words.AGENCIES)
                    name = "Kepala" if not agency.startswith(("Gubernur", "Kepolisian",
                                                              "Komando")) else agency
                    agency = None if name == agency else agency
                elif roll < 0.8:
                    name, agency = "Direktur", rng.choice(region.companies)
                else:
                    name, agency = rng.choice(region.people), None
                rows.append((self._id("out_recipients"), letter_id, kind, None, name, agency,
                             rng.choice(region.streets) if rng.random() < 0.5 else None,
                             method, dispatched, office.clerk.user_id if sent_at else None))

    def details(self, letter_type: str, office, day: dt.date, meeting: bool) -> dict:
        rng = self.region.rng
        if letter_type == "undangan":
            when = day + dt.timedelta(days=rng.randint(3, 14))
            return {"event_date": when.isoformat(), "event_time": rng.choice(
                ["08.00 WIB", "09.00 WIB", "13.30 WIB"]), "place": rng.choice(
                words.MEETING_VENUES if meeting else words.VENUES),
                "agenda": rng.choice(words.TOPICS)[0]}
        if letter_type == "tugas":
            start = day + dt.timedelta(days=rng.randint(1, 10))
            staff = self.staff_ids[office.code]
            return {"assigned_staff": rng.sample(staff, min(len(staff), rng.randint(1, 3))),
                    "start_date": start.isoformat(),
                    "end_date": (start + dt.timedelta(days=rng.randint(0, 4))).isoformat(),
                    "destination": rng.choice(words.DESTINATIONS),
                    "purpose": f"Konsultasi {rng.choice(words.TOPICS)[0]}"}
        return {}

    def _known_code(self, code: str | None) -> str | None:
        while code:
            if code in self.region.codes:
                return code
            code = code.rpartition(".")[0]
        return None


# --- The whole seed ----------------------------------------------------------------------

def _tables() -> dict[str, sa.Table]:
    from eoffice.dispositions.models import (
        Disposition,
        DispositionRecipient,
        disposition_instructions,
    )
    from eoffice.letters.models import IncomingLetter, LetterRecipient
    from eoffice.outgoing.models import (
        ApprovalStep,
        DraftRevision,
        OutgoingLetter,
        OutgoingRecipient,
    )

    return {"letters": IncomingLetter.__table__, "recipients": LetterRecipient.__table__,
            "dispositions": Disposition.__table__,
            "disposition_recipients": DispositionRecipient.__table__,
            "links": disposition_instructions, "outgoing": OutgoingLetter.__table__,
            "out_recipients": OutgoingRecipient.__table__, "steps": ApprovalStep.__table__,
            "revisions": DraftRevision.__table__}


def _fast_sqlite(dbapi, on: bool) -> None:
    """SQLite PRAGMAs for the load only: no fsync, the rollback journal in memory,
    no foreign-key checks (the rows are consistent by construction); then back to the
    app's settings (``eoffice.db``: WAL, synchronous NORMAL, foreign keys)."""
    if on:
        for pragma in ("journal_mode=MEMORY", "synchronous=OFF", "foreign_keys=OFF",
                       "cache_size=-262144", "temp_store=MEMORY"):
            dbapi.execute(f"PRAGMA {pragma}")
    else:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            dbapi.execute(f"PRAGMA {pragma}")


def write_counters(connection, agenda: dict[int, int],
                   numbers: dict[tuple[str, int], int]) -> None:
    """The numbering counters where the seeded numbers stop, so that the next letter
    registered or signed in the app takes the next number (``eoffice.numbering``)."""
    from eoffice.letters.services import AGENDA_SERIES
    from eoffice.numbering import Counter

    rows = [{"series": AGENDA_SERIES, "period": str(year), "last_value": last}
            for year, last in sorted(agenda.items())]
    rows += [{"series": series, "period": str(year), "last_value": last}
             for (series, year), last in sorted(numbers.items())]
    if rows:
        connection.execute(sa.insert(Counter.__table__), rows)


def build_derived_data(connection=None, echo: Echo = click.echo) -> None:
    """Build the data the app derives from the source tables: the access grants (and
    the organisation's closure rows they read) and the search index. Skipped, with a
    note, while the app has no such module."""
    from eoffice.extensions import db

    own = connection is None
    connection = connection if connection is not None else db.engine.connect()
    try:
        started = time.monotonic()
        try:
            from eoffice import access
        except ImportError:
            echo("  access grants: eoffice.access is missing, skipped")
        else:
            def granted(rule: str, high: int) -> None:
                echo(f"  access grants: {rule} up to id {high:,}")

            access.rebuild(connection, report=False, progress=granted)
            connection.commit()
            echo(f"  access grants built in {time.monotonic() - started:,.1f} s")
        started = time.monotonic()
        try:
            from eoffice.search import index as search
        except ImportError:
            echo("  search index: eoffice.search is missing, skipped")
        else:
            def indexed(source: str, count: int) -> None:
                if count % 100_000 < 5000:
                    echo(f"  search index: {source} {count:,}")

            written = search.reindex(connection, progress=indexed)
            search.optimize(connection)
            connection.commit()
            echo(f"  search index built in {time.monotonic() - started:,.1f} s: "
                 + ", ".join(f"{k} {v:,}" for k, v in written.items()))
    finally:
        if own:
            connection.close()


def analyze(engine: sa.Engine, vacuum: bool = True) -> None:
    """Fresh planner statistics (PostgreSQL: VACUUM ANALYZE, outside a transaction;
    SQLite: ANALYZE, then the WAL folded into the database file)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if vacuum else "ANALYZE")
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("ANALYZE")  # autocommit: see eoffice.db
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def seed_database(url: str, options: SeedOptions, echo: Echo = click.echo) -> SeedResult:
    """Make ``url`` a benchmark database holding ``options.letters`` letters."""
    from flask_migrate import upgrade

    from eoffice.auth.services import hash_password
    from eoffice.config import REGION_ROOT
    from eoffice.db import utcnow
    from eoffice.extensions import db
    from eoffice.letters.services import today_local

    if options.letters < 0 or options.disposition_target < 0 or options.outgoing_target < 0:
        raise click.BadParameter("counts cannot be negative")
    result = SeedResult()
    clock = time.monotonic()
    target.prepare(url)
    app = target.bench_app(url)
    with app.app_context():
        engine = db.engine
        echo(f"Creating the schema ({engine.dialect.name}) with the migrations ...")
        upgrade(directory=str(REGION_ROOT / "migrations"), revision="heads")
        db.session.remove()
        with engine.begin() as connection:
            target.mark(connection)
        result.seconds["schema"] = time.monotonic() - clock

        clock = time.monotonic()
        now = utcnow().replace(microsecond=0)
        today = today_local()
        faker = Faker("id_ID")
        faker.seed_instance(options.seed)
        rng = random.Random(options.seed)
        org = org_plan.plan(app.config["REGION_TYPE"], app.config["AGENCY_NAME"])
        org_plan.write(org, db.session, faker, rng, hash_password(BENCH_PASSWORD), today, now)
        db.session.commit()
        from eoffice.archive.models import Classification
        from eoffice.dispositions.models import DispositionInstruction

        codes = dict(db.session.execute(sa.select(Classification.code, Classification.id)
                                        .where(Classification.active.is_(True))).all())
        instructions = list(db.session.scalars(sa.select(DispositionInstruction.id).where(
            DispositionInstruction.active.is_(True)).order_by(DispositionInstruction.sort_order)))
        db.session.remove()
        engine.dispose()  # the load below is the only connection (SQLite changes its journal)
        echo(f"Organisation: {len(org.units)} units, {len(org.posts)} positions and users "
             f"(password {BENCH_PASSWORD!r})")
        result.seconds["organisation"] = time.monotonic() - clock

        clock = time.monotonic()
        region = Region(org, options, now, today, codes, instructions)
        tables = _tables()
        with engine.connect() as connection:
            sqlite = engine.dialect.name == "sqlite"
            dbapi = connection.connection.driver_connection
            if sqlite:
                _fast_sqlite(dbapi, True)
            else:
                connection.exec_driver_sql("SET synchronous_commit = off")
                connection.commit()
            writer = BulkWriter(connection)
            echo(f"Writing {options.letters:,} incoming letters, about "
                 f"{options.disposition_target:,} dispositions and "
                 f"{options.outgoing_target:,} outgoing letters ...")
            incoming = Incoming(region, writer, tables)
            incoming.run(echo)
            outgoing = Outgoing(region, writer, tables)
            outgoing.run(echo)
            write_counters(connection, incoming.agenda, outgoing.numbers)
            writer.reset_sequences(list(tables.values()))
            connection.commit()
            if sqlite:
                _fast_sqlite(dbapi, False)
            result.counts = dict(writer.counts)
        result.seconds["letters"] = time.monotonic() - clock
        echo(f"Wrote {result.rows:,} rows in {result.seconds['letters']:,.1f} s "
             f"({result.rows / max(result.seconds['letters'], 1e-9):,.0f} rows/s): "
             + ", ".join(f"{name} {count:,}" for name, count in result.counts.items()))

        clock = time.monotonic()
        echo("Building derived data ...")
        analyze(engine, vacuum=False)  # the rules' queries need the planner's statistics
        with engine.connect() as connection:
            build_derived_data(connection, echo)
        result.seconds["derived"] = time.monotonic() - clock
        clock = time.monotonic()
        echo("Refreshing the planner's statistics ...")
        analyze(engine)
        result.seconds["analyze"] = time.monotonic() - clock
        engine.dispose()
    return result
