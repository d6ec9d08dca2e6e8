"""Database statistics and housekeeping that keep the query plans good.

- SQLite has no statistics until ANALYZE runs: ``analyze`` runs it bounded
  (``PRAGMA analysis_limit``, so it takes seconds even at millions of rows) and then
  ``PRAGMA optimize``; PostgreSQL's autovacuum keeps its own, ``analyze`` just asks
  for a fresh ANALYZE. It runs after every upgrade (migrations/env.py), after a
  restore and a benchmark load, and daily from ``flask eoffice maintain`` (the
  systemd timer in deploy/).
- The FTS5 index is merged into fewer segments (``eoffice.search.index.optimize``).
"""

from __future__ import annotations

import sqlalchemy as sa

ANALYSIS_LIMIT = 2000  # rows sampled per index by SQLite's ANALYZE


def analyze(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("PRAGMA optimize")
    else:
        connection.exec_driver_sql("ANALYZE")


def has_statistics(connection) -> bool:
    """Whether the planner has statistics about the letters (SQLite: ANALYZE ran)."""
    if connection.dialect.name != "sqlite":
        return True
    return bool(connection.scalar(sa.text(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")))
