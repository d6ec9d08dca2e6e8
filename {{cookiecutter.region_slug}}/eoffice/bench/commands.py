"""``flask eoffice bench seed|run|all``: the benchmark (see docs/dev/performance.md)."""

from __future__ import annotations

import sys

import click
from flask import current_app

DATABASE_HELP = ("The benchmark's own database: sqlite:///bench.db (relative paths are in "
                 "instance/) or postgresql+psycopg://user@host/eoffice_bench. Never the "
                 "region's database.")


def _url(database: str) -> str:
    from eoffice.bench import target

    url = target.resolve_url(database, current_app.instance_path)
    target.refuse_app_database(url, current_app.config["SQLALCHEMY_DATABASE_URI"])
    return url


def seed_options(function):
    for option in reversed([
        click.option("--letters", type=click.IntRange(min=0), default=100_000,
                     show_default=True, help="Incoming letters, over ten years."),
        click.option("--dispositions", type=click.IntRange(min=0), default=None,
                     help="Dispositions, about (default: as many as letters)."),
        click.option("--outgoing", type=click.IntRange(min=0), default=None,
                     help="Outgoing letters (default: 30% of the letters)."),
        click.option("--seed", "seed_value", type=int, default=1, show_default=True,
                     help="Random seed: the same seed on the same day writes the same data."),
    ]):
        function = option(function)
    return function


def run_options(function):
    for option in reversed([
        click.option("--requests", type=click.IntRange(min=1), default=30, show_default=True,
                     help="Timed requests per page and persona."),
        click.option("--warmup", type=click.IntRange(min=0), default=3, show_default=True,
                     help="Untimed requests before those."),
        click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True,
                     help="Client threads of the throughput test."),
        click.option("--duration", type=click.FloatRange(min=0.5), default=10.0,
                     show_default=True, help="Seconds each throughput test runs."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="gunicorn workers (default: as deploy/gunicorn.conf.py decides)."),
        click.option("--max-requests", type=click.IntRange(min=0), default=0,
                     show_default=True,
                     help="Recycle a gunicorn worker after this many requests (0: never; "
                          "deploy/gunicorn.conf.py says 1000, which at benchmark rates "
                          "mostly times the app's start-up)."),
        click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
                     help="Also write the figures to this JSON file."),
        click.option("--strict", is_flag=True,
                     help="Exit 1 when a target is missed, not only when a page fails."),
    ]):
        function = option(function)
    return function


@click.group("bench")
def bench() -> None:
    """Benchmark: seed a separate database with a region's ten years of letters, then
    time the daily pages under gunicorn."""


@bench.command("seed")
@click.option("--database", required=True, help=DATABASE_HELP)
@seed_options
def seed(database: str, letters: int, dispositions: int | None, outgoing: int | None,
         seed_value: int) -> None:
    """Fill the benchmark's database (made if missing; refused if it holds real data)."""
    _seed(_url(database), letters, dispositions, outgoing, seed_value)


def _seed(url: str, letters: int, dispositions: int | None, outgoing: int | None,
          seed_value: int) -> None:
    import time

    from eoffice.bench.seed import SeedOptions, seed_database

    started = time.monotonic()
    result = seed_database(url, SeedOptions(letters=letters, dispositions=dispositions,
                                            outgoing=outgoing, seed=seed_value))
    click.echo(f"Seeded in {time.monotonic() - started:,.1f} s ("
               + ", ".join(f"{phase} {seconds:,.1f} s" for phase, seconds in
                           result.seconds.items()) + ").")


@bench.command("run")
@click.option("--database", required=True, help=DATABASE_HELP)
@run_options
def run(database: str, requests: int, warmup: int, concurrency: int, duration: float,
        workers: int | None, max_requests: int, json_path: str | None, strict: bool) -> None:
    """Start the app under gunicorn on the seeded database and time the pages."""
    _run(_url(database), requests, warmup, concurrency, duration, workers, max_requests,
         json_path, strict)


def _run(url: str, requests: int, warmup: int, concurrency: int, duration: float,
         workers: int | None, max_requests: int, json_path: str | None, strict: bool) -> None:
    from eoffice.bench.runner import RunOptions, run_benchmark

    report = run_benchmark(url, RunOptions(requests=requests, warmup=warmup,
                                           concurrency=concurrency, duration=duration,
                                           workers=workers, max_requests=max_requests,
                                           json_path=json_path))
    code = report.exit_code(strict)
    if code:
        sys.exit(code)


@bench.command("plans")
@click.option("--database", required=True, help=DATABASE_HELP)
def plans(database: str) -> None:
    """Check the query plan of every statement the benchmark's pages run: exit 1 when a
    big table is read whole (no index) on a hot path."""
    from eoffice.bench.plans import check_benchmark, print_plans
    from eoffice.bench.target import require_bench

    url = _url(database)
    require_bench(url)
    report = check_benchmark(url)
    print_plans(report, click.echo)
    if not report.ok:
        sys.exit(1)


@bench.command("all")
@click.option("--database", required=True, help=DATABASE_HELP)
@seed_options
@run_options
def all_(database: str, letters: int, dispositions: int | None, outgoing: int | None,
         seed_value: int, requests: int, warmup: int, concurrency: int, duration: float,
         workers: int | None, max_requests: int, json_path: str | None, strict: bool) -> None:
    """Seed, then run."""
    url = _url(database)
    _seed(url, letters, dispositions, outgoing, seed_value)
    _run(url, requests, warmup, concurrency, duration, workers, max_requests, json_path,
         strict)
