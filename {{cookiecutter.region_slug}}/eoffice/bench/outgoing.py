"""Outgoing letters: drafts, paraf chains, signatures, numbers, dispatch.

Drafted below the signer (the office's head; at the Setda the Sekda or the head of
the region) with the chain of positions between them; numbered at signing from
``LETTER_PATTERN`` and ``LETTER_COUNTER``; sent to outside recipients (a nota dinas,
internal, stays before signing: its delivery would register an incoming letter).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from eoffice.bench import org as org_plan
from eoffice.bench import vocabulary as words
from eoffice.bench.region import BATCH, DAY, SPEED, Echo, Region, level
from eoffice.bench.writer import BulkWriter

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

    def letter(self, day: dt.date) -> None:
        region, rng = self.region, self.region.rng
        letter_id = self._id("outgoing")
        office = region.office_picker.pick(rng)
        created = region.at(day, rng.uniform(7.5, 15.5) * 3600)
        age = (region.now - created).total_seconds() / DAY
        status = level(next(t for limit, t in OUTGOING_STATUS if age > limit)
                        if age > 0 else OUTGOING_STATUS[-1][1], rng.random())
        letter_type = level(LETTER_TYPES, rng.random())
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
        speed = level(SPEED, rng.random())
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
