"""CSV and XLSX for every feature: exports (``table_response``, ``csv_safe``) and the
imports' reader and row report (``read_rows``, ``header_checker``, ``ImportReport``),
shared by the staff import and the classification / JRA import.

An import reads a header row (names matched case-insensitively, spaces and dashes count
as ``_``), then rows; the report names each rejected row by the line number the user
sees in the file (the header is line 1)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from flask import Response
from flask_babel import lazy_gettext as _l

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


# --- Imports -------------------------------------------------------------------------

MODE_ALL_OR_NOTHING = "all"


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, wrong columns, not CSV/XLSX)."""


@dataclass
class RowError:
    row: int  # row number as the user sees it in the file (header is row 1)
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    mode: str = MODE_ALL_OR_NOTHING

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid_rows(self) -> int:
        return self.total - self.rejected_rows


def header_key(name) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def header_checker(columns: Sequence[str], required: Sequence[str],
                   ) -> Callable[[list], list[str]]:
    """A header check for ``read_rows``: every column known, the required ones present,
    none twice; otherwise one message naming all that is wrong and the columns expected."""

    def check(header: list) -> list[str]:
        keys = [header_key(h) for h in header]
        if not any(keys):
            raise ImportFileError(str(_l("The file has no header row.")))
        unknown = [h for h, k in zip(header, keys, strict=True) if k and k not in columns]
        missing = [c for c in required if c not in keys]
        duplicated = sorted({k for k in keys if k and keys.count(k) > 1})
        problems = []
        if missing:
            problems.append(str(_l("missing columns: %(c)s", c=", ".join(missing))))
        if unknown:
            problems.append(str(_l("unknown columns: %(c)s", c=", ".join(map(str, unknown)))))
        if duplicated:
            problems.append(str(_l("repeated columns: %(c)s", c=", ".join(duplicated))))
        if problems:
            raise ImportFileError(str(_l("Wrong columns (%(p)s). Expected columns: %(e)s.",
                                         p="; ".join(problems), e=", ".join(columns))))
        return keys

    return check


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(str(_l("The CSV file is not text (UTF-8 or Windows-1252).")))


def read_rows(filename: str, data: bytes, check_header: Callable[[list], list[str]],
              ) -> tuple[list[str], Iterator[list]]:
    """Header keys and an iterator of rows, from CSV (UTF-8 or Windows-1252; comma,
    semicolon or tab) or XLSX content (its first sheet)."""
    if not data.strip():
        raise ImportFileError(str(_l("The file is empty.")))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, check_header)
    if filename.lower().endswith((".xlsx", ".xls")):
        raise ImportFileError(str(_l("The file is not a valid XLSX workbook.")))
    if b"\x00" in data[:4096]:
        raise ImportFileError(str(_l("The file is neither CSV nor XLSX.")))
    text = _decode(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(str(_l("The file is empty."))) from exc
    return check_header(header), reader


def _read_xlsx(data: bytes, check_header) -> tuple[list[str], Iterator[list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(str(_l("The file is not a valid XLSX workbook."))) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = list(next(rows))
    except StopIteration as exc:
        raise ImportFileError(str(_l("The file is empty."))) from exc
    return check_header(header), (list(r) for r in rows)
