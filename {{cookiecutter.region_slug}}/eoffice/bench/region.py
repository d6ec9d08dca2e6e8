"""What the benchmark's generators share: the organisation, the clock, the words.

``Region`` holds the seeded organisation (``eoffice.bench.org``), the random
generator, "now" and "today", the region's settings (time zone, due days, holidays),
the classification codes and disposition instructions in the database, and pools of
Faker ``id_ID`` names and companies; it spreads things over the ten years and makes
subjects, summaries and senders from ``eoffice.bench.vocabulary``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from faker import Faker
from flask import current_app

from eoffice.bench import org as org_plan
from eoffice.bench import vocabulary as words

if TYPE_CHECKING:
    from eoffice.bench.seed import SeedOptions

YEARS = 10
BATCH = 10_000  # letters per transaction
SECURITY = (("B", 0.90), ("T", 0.96), ("R", 0.99), ("SR", 1.0))
SPEED = (("biasa", 0.80), ("penting", 0.92), ("segera", 0.98), ("amat_segera", 1.0))
DAY = 86400

Echo = Callable[[str], None]


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


def level(table, roll: float) -> str:
    """The value of ``table`` ((value, cumulative share), ...) that ``roll`` (0..1) falls in."""
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
        self.offices = list(org.offices)
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
