"""Reference data from regulations (golongan/pangkat), seeded idempotently."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from eoffice.extensions import db

DATA_DIR = Path(__file__).parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def golongan_rows() -> list[dict]:
    return [{"code": r["golongan"], "pangkat": r["pangkat"], "rank": i}
            for i, r in enumerate(read_csv("golongan_pangkat.csv"), start=1)]


def seed_reference_data() -> int:
    """Insert the reference rows that are missing; return how many were added."""
    from eoffice.staff.models import Golongan

    existing = set(db.session.scalars(sa.select(Golongan.code)))
    added = [Golongan(**row) for row in golongan_rows() if row["code"] not in existing]
    db.session.add_all(added)
    db.session.flush()
    return len(added)
