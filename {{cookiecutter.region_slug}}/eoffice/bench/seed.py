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
``RARE_LETTERS`` of them (``eoffice.bench.vocabulary``), for the runner's searches.
The same ``seed`` on the same day writes the same data. Derived data (access grants,
the search index) is then built by ``build_derived_data`` and the planner's statistics
refreshed. The generators: ``eoffice.bench.incoming`` and ``eoffice.bench.outgoing``,
sharing ``eoffice.bench.region``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from faker import Faker

from eoffice.bench import org as org_plan
from eoffice.bench import target
from eoffice.bench.incoming import Incoming
from eoffice.bench.outgoing import Outgoing
from eoffice.bench.region import Echo, Region
from eoffice.bench.writer import BulkWriter

BENCH_PASSWORD = "bench-eoffice-2024"  # noqa: S105 - the benchmark's users, in its own database


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
