"""Bulk writing through the app's schema: many rows per statement, no ORM.

``BulkWriter.write(table, columns, rows)`` takes the model's ``__table__``, the
column names and a list of tuples. SQLite: SQLAlchemy Core ``insert()`` executed
with the whole batch (the driver's executemany). PostgreSQL: ``COPY ... FROM STDIN``
through psycopg's ``cursor.copy`` on the connection's own transaction, several times
faster than INSERTs. Columns the caller leaves out get their Python default (the same
for every row of the batch) or NULL.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa


class BulkWriter:
    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"
        self.counts: Counter[str] = Counter()
        self._plans: dict[tuple[str, tuple[str, ...]], tuple] = {}

    def _plan(self, table: sa.Table, columns: tuple[str, ...]) -> tuple:
        """(all columns, constant values for the missing ones, JSON column positions)."""
        key = (table.name, columns)
        if key not in self._plans:
            unknown = set(columns) - set(table.c.keys())
            if unknown:
                raise ValueError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
            extra_names, extra_values = [], []
            for column in table.columns:
                if column.name in columns:
                    continue
                if column.default is not None and (column.default.is_scalar or
                                                   column.default.is_callable):
                    value = column.default.arg
                    if column.default.is_callable:
                        value = value(None)
                    extra_names.append(column.name)
                    extra_values.append(value)
                elif not column.nullable and column.server_default is None \
                        and not column.primary_key:
                    raise ValueError(f"the benchmark does not fill {table.name}.{column.name}, "
                                     "which has no default")
            names = (*columns, *extra_names)
            json_at = [i for i, name in enumerate(names)
                       if isinstance(table.c[name].type, sa.JSON)]
            self._plans[key] = (names, tuple(extra_values), json_at)
        return self._plans[key]

    def write(self, table: sa.Table, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        names, extra, json_at = self._plan(table, tuple(columns))
        if extra:
            rows = [(*row, *extra) for row in rows]
        if self.postgresql:
            self._copy(table, names, rows, json_at)
        else:
            self.connection.execute(table.insert(), [dict(zip(names, row, strict=True))
                                                     for row in rows])
        self.counts[table.name] += len(rows)

    def _copy(self, table: sa.Table, names: tuple[str, ...], rows: list[tuple],
              json_at: list[int]) -> None:
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names)))
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            if json_at:
                for row in rows:
                    row = list(row)
                    for i in json_at:
                        row[i] = None if row[i] is None else json.dumps(row[i])
                    copy.write_row(row)
            else:
                for row in rows:
                    copy.write_row(row)

    def reset_sequences(self, tables: Sequence[sa.Table]) -> None:
        """PostgreSQL: move each table's id sequence past the ids written by hand."""
        if not self.postgresql:
            return
        for table in tables:
            if "id" not in table.c:
                continue
            # A model's own table name, never user input.
            highest = f"SELECT max(id) FROM {table.name}"  # noqa: S608  # nosec B608
            self.connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence(:t, 'id'), GREATEST(({highest}), 1))"),
                {"t": table.name})

    def next_id(self, table: sa.Table) -> int:
        return (self.connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
