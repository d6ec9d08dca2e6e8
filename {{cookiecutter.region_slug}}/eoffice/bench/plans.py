"""Query plans of the daily pages: no full scan of a big table on a hot path.

``check_pages`` opens each page as each persona with the app's test client (in this
process, against the benchmark database), records every SQL statement the request
runs, asks the database for each statement's plan and reports every read of a big
table (letters, recipients, dispositions, grants, search rows, ...) that is not an
index lookup or range:

- SQLite: ``EXPLAIN QUERY PLAN``; a ``SCAN <big table>`` line is a full scan (an
  index used whole, ``SCAN t USING INDEX``, counts too: it still reads every row).
- PostgreSQL: ``EXPLAIN (FORMAT JSON)`` with ``enable_seqscan`` off, so that a
  sequential scan in the plan means no index *can* answer (on a small database the
  planner would rightly prefer scanning a small table); an index scan without an
  index condition reads the whole index and counts too.

Timings depend on the machine; plans do not. A hot query that starts scanning as
the data grows fails this check at 20,000 letters already (CI runs it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

BIG_TABLES = frozenset({
    "incoming_letters", "letter_recipients", "letter_attachments", "dispositions",
    "disposition_recipients", "disposition_instruction_links", "access_grants",
    "outgoing_letters", "outgoing_recipients", "approval_steps", "outgoing_attachments",
    "draft_revisions", "search_incoming_letters", "search_outgoing_letters", "stored_files",
    "audit_events",
})
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?(?P<rest>.*)$")


@dataclass
class Finding:
    page: str
    persona: str
    table: str
    plan: str
    statement: str


@dataclass
class PlanReport:
    statements: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _sqlite_scans(lines: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        match = _SQLITE_SCAN.match(line.strip())
        if match and match.group(1) in BIG_TABLES and "VIRTUAL TABLE" not in line:
            out.append((match.group(1), line.strip()))
    return out


def _postgres_scans(node: dict, limited: bool = False, small=frozenset()
                    ) -> list[tuple[str, str]]:
    """Full reads in a JSON plan. A walk of an index in its order under a ``Limit`` (the
    newest first, stopping after a page) is how lists page, not a full read; a table
    with fewer than a thousand rows is not a scale problem."""
    out = []
    relation = node.get("Relation Name")
    kind = node.get("Node Type", "")
    limited = limited or kind == "Limit"
    if relation in BIG_TABLES and relation not in small:
        if kind == "Seq Scan":
            out.append((relation, f"Seq Scan on {relation}"))
        elif kind in ("Index Scan", "Index Only Scan") and not node.get("Index Cond") \
                and not limited:
            out.append((relation, f"{kind} on {relation} without an index condition"))
    for child in node.get("Plans", []):
        out += _postgres_scans(child, limited, small)
    return out


def _small_tables(connection) -> frozenset[str]:
    rows = connection.execute(sa.text(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 1000"))
    return frozenset(row[0] for row in rows)


def plan_scans(connection, statement: str, parameters, small=frozenset()
               ) -> list[tuple[str, str]]:
    """(table, plan line) of every full read of a big table in the statement's plan."""
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        if connection.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters or ())
            return _sqlite_scans(row[3] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
        document = cursor.fetchone()[0]
        plan = document if isinstance(document, list) else json.loads(document)
        return _postgres_scans(plan[0]["Plan"], small=small)
    finally:
        cursor.close()


def _explainable(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return head in ("SELECT", "WITH", "UPDATE", "DELETE")


def check_pages(app, personas: dict[str, str], password: str, pages: dict[str, str]
                ) -> PlanReport:
    """Open ``pages`` ({name: url}) as each persona ({name: username}) and check the
    plan of every statement they run. ``{letter_id}`` in a URL becomes the first letter
    of the persona's letter list."""
    from eoffice.extensions import db

    report = PlanReport()
    client = app.test_client()
    for persona, username in personas.items():
        client.post("/keluar")
        answer = client.post("/masuk", data={"username": username, "password": password})
        if answer.status_code != 302:
            raise RuntimeError(f"cannot log in as {persona} ({username})")
        found = re.search(r'href="/surat-masuk/(\d+)"',
                          client.get("/surat-masuk/").get_data(as_text=True))
        for page, url in pages.items():
            if "{letter_id}" in url:
                if found is None:
                    continue
                url = url.replace("{letter_id}", found.group(1))
            recorded: list[tuple[str, object]] = []

            def record(conn, cursor, statement, parameters, context, executemany,
                       into=recorded):
                if not executemany and _explainable(statement):
                    into.append((statement, parameters))

            with app.app_context():
                engine = db.engine
            sa.event.listen(engine, "before_cursor_execute", record)
            try:
                response = client.get(url)
            finally:
                sa.event.remove(engine, "before_cursor_execute", record)
            if response.status_code != 200:
                report.findings.append(Finding(page, persona, "-", f"HTTP {response.status_code}",
                                               url))
                continue
            with engine.connect() as connection, connection.begin():
                small = _small_tables(connection) if connection.dialect.name == "postgresql" \
                    else frozenset()
                for statement, parameters in recorded:
                    report.statements += 1
                    for table, line in plan_scans(connection, statement, parameters, small):
                        report.findings.append(Finding(page, persona, table, line,
                                                       " ".join(statement.split())[:400]))
    return report


def check_benchmark(url: str) -> PlanReport:
    """Every page of the benchmark (``runner.PAGES``), as every persona, on a seeded
    benchmark database."""
    import secrets

    from eoffice import create_app
    from eoffice.bench import org, runner
    from eoffice.bench import vocabulary as words
    from eoffice.bench.seed import BENCH_PASSWORD

    values = {"cursor": runner.facts(url)["cursor"], "rare": words.RARE_WORD.lower(),
              "common": words.COMMON_WORD}
    pages = {}
    for page in runner.PAGES:
        address = page.url
        for name, value in values.items():
            address = address.replace("{" + name + "}", str(value))
        pages[page.name] = address
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": False})
    try:
        return check_pages(app, dict(org.PERSONAS), BENCH_PASSWORD, pages)
    finally:
        from eoffice.extensions import db

        with app.app_context():
            db.engine.dispose()


def print_plans(report: PlanReport, echo) -> None:
    echo(f"Query plans: {report.statements} statements checked, "
         f"{len(report.findings)} full reads of a big table.")
    for finding in report.findings:
        echo(f"  {finding.page} as {finding.persona}: {finding.plan}")
        echo(f"    {finding.statement}")
