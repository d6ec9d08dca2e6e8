"""The benchmark at a small scale, as CI runs it: 20,000 letters seeded, then every
statement of every benchmark page, for every persona, has a plan that reads the big
tables through their indexes. A hot query that starts scanning fails here, on SQLite
and on PostgreSQL, long before it would be slow."""

from __future__ import annotations

import sqlalchemy as sa

from eoffice.bench.plans import check_benchmark, plan_scans
from eoffice.bench.seed import SeedOptions, seed_database

LETTERS = 20_000


def test_no_hot_query_reads_a_big_table_whole(bench_url):
    url = bench_url("plans")
    seed_database(url, SeedOptions(letters=LETTERS, seed=3), echo=lambda _line: None)
    report = check_benchmark(url)
    assert report.statements > 300  # every page ran and was looked at
    assert report.ok, "\n".join(f"{f.page} as {f.persona}: {f.plan}\n  {f.statement}"
                                for f in report.findings)


def test_the_check_sees_a_scan(bench_url):
    """The detector itself: a search with LIKE '%...%' reads every letter."""
    url = bench_url("scan")
    seed_database(url, SeedOptions(letters=1500, seed=5), echo=lambda _line: None)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            sqlite = connection.dialect.name == "sqlite"
            like = ("SELECT id FROM incoming_letters WHERE subject LIKE ?" if sqlite
                    else "SELECT id FROM incoming_letters WHERE subject LIKE %(term)s")
            by_id = ("SELECT id FROM incoming_letters WHERE id = ?" if sqlite
                     else "SELECT id FROM incoming_letters WHERE id = %(id)s")
            scans = plan_scans(connection, like,
                               ("%rapat%",) if sqlite else {"term": "%rapat%"})
            by_key = plan_scans(connection, by_id, (5,) if sqlite else {"id": 5})
    finally:
        engine.dispose()
    assert [table for table, _line in scans] == ["incoming_letters"]
    assert by_key == []
