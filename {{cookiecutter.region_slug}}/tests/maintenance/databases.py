"""Throwaway databases on the PostgreSQL server of ``TEST_DATABASE_URL``."""

from __future__ import annotations

import os

import sqlalchemy as sa


def postgres_server_url() -> sa.engine.URL | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return None
    return sa.engine.make_url(url)


def admin(server: sa.engine.URL, statement: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()
