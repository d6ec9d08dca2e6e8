"""Incoming letters with their addressees and disposition trees, batch by batch.

Letters are made day by day, oldest first, so ids grow with the date received, as
they do in a region; agenda numbers follow ``AGENDA_PATTERN``, one sequence a year.
Each letter goes to an office (the Setda or an OPD), is registered by that office's
clerk and addressed to its head (or secretary, or a head of bidang), with copies.
Dispositions start at the first addressee and go down the position tree; the
recipients' statuses follow the dispositions' age.
"""

from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from flask import current_app

from eoffice.bench import org as org_plan
from eoffice.bench import vocabulary as words
from eoffice.bench.region import BATCH, DAY, SECURITY, SPEED, Echo, Region, level
from eoffice.bench.writer import BulkWriter

LETTER_COLUMNS = ("id", "agenda_number", "agenda_year", "agenda_seq", "sender", "sender_number",
                  "letter_date", "received_date", "subject", "summary", "classification_id",
                  "security", "speed", "physical_attachments", "status", "registered_by_id",
                  "registering_unit_id", "cancel_reason", "filed_note", "created_at",
                  "updated_at")
RECIPIENT_COLUMNS = ("id", "letter_id", "position_id", "kind", "read_at", "read_by_id",
                     "received_date", "letter_open")
DISPOSITION_COLUMNS = ("id", "letter_id", "parent_recipient_id", "from_position_id",
                       "from_user_id", "from_name", "note", "due_date", "created_at",
                       "updated_at")
DR_COLUMNS = ("id", "disposition_id", "position_id", "status", "status_changed_at", "read_at",
              "done_at", "report", "from_position_id", "due_date")
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
        rare = words.RARE_LETTERS
        self.rare_at = {int((k + 0.5) * total / rare): k for k in range(rare)} \
            if total >= rare else {i: i for i in range(total)}
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
        for tier in range(depth + 1):
            write(tables["dispositions"], DISPOSITION_COLUMNS,
                  [d[1] for d in dispositions if d[0] == tier])
            write(tables["disposition_recipients"], DR_COLUMNS,
                  [r[1] for r in recipients if r[0] == tier])
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
        security = "B" if rare else level(SECURITY, rng.random())
        speed = level(SPEED, rng.random())
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
                                   post.user_id if read_at else None, day,
                                   status == "registered"))
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
                row = self.recipient(disposition_id, post, moment, meeting, depth,
                                     sender.id, due)
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
                  depth: int, sender_id: int, due: dt.date) -> list:
        region, rng = self.region, self.region.rng
        age = (region.now - moment).total_seconds() / DAY
        table = next(t for limit, t in RECIPIENT_STATUS if age > limit) \
            if age > 0 else RECIPIENT_STATUS[-1][1]
        status = level(table, rng.random())
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
        row = [self.dr_id, disposition_id, post.id, status, changed, read_at, done_at, report,
               sender_id, due]
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
