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


def _postgres_scans(node: dict) -> list[tuple[str, str]]:
    out = []
    relation = node.get("Relation Name")
    kind = node.get("Node Type", "")
    if relation in BIG_TABLES:
        if kind == "Seq Scan":
            out.append((relation, f"Seq Scan on {relation}"))
        elif kind in ("Index Scan", "Index Only Scan") and not node.get("Index Cond"):
            out.append((relation, f"{kind} on {relation} without an index condition"))
    for child in node.get("Plans", []):
        out += _postgres_scans(child)
    return out


def plan_scans(connection, statement: str, parameters) -> list[tuple[str, str]]:
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
        return _postgres_scans(plan[0]["Plan"])
    finally:
        cursor.close()


def _explainable(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return head in ("SELECT", "WITH", "UPDATE", "DELETE")


def check_pages(app, personas: dict[str, str], password: str, pages: dict[str, str]
                ) -> PlanReport:
    """Open ``pages`` ({name: url}) as each persona ({name: username}) and check the
    plan of every statement they run."""
    from eoffice.extensions import db

    report = PlanReport()
    client = app.test_client()
    for persona, username in personas.items():
        with app.app_context():
            client.post("/keluar")
            answer = client.post("/masuk", data={"username": username, "password": password})
            if answer.status_code != 302:
                raise RuntimeError(f"cannot log in as {persona} ({username})")
            for page, url in pages.items():
                recorded: list[tuple[str, object]] = []

                def record(conn, cursor, statement, parameters, context, executemany,
                           into=recorded):
                    if not executemany and _explainable(statement):
                        into.append((statement, parameters))

                sa.event.listen(db.engine, "before_cursor_execute", record)
                try:
                    response = client.get(url)
                finally:
                    sa.event.remove(db.engine, "before_cursor_execute", record)
                if response.status_code == 404:
                    continue
                with db.engine.connect() as connection, connection.begin():
                    for statement, parameters in recorded:
                        report.statements += 1
                        for table, line in plan_scans(connection, statement, parameters):
                            report.findings.append(Finding(page, persona, table, line,
                                                           " ".join(statement.split())[:400]))
    return report
