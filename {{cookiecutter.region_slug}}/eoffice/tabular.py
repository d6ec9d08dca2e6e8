"""Helpers for CSV and XLSX exports shared by every feature."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @
    gets a leading apostrophe. Imports strip that apostrophe again."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _cell(value) -> str:
    return csv_safe("" if value is None else str(value))


def table_response(fmt: str, name: str, sheet: str, columns: Sequence[str],
                   rows: Iterable[Sequence]) -> Response:
    """A table as a download: ``fmt`` "csv" (UTF-8 with a BOM, so that Excel reads the
    accents) or "xlsx" (openpyxl's write-only mode, rows streamed into the file). Every
    cell is text made safe from formulas; ``name`` is the file name without extension."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
