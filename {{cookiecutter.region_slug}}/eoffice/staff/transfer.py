"""Staff import and export (CSV and XLSX), with a report of every rejected row.

The columns are the same both ways, so an exported file can be edited and
imported again. Headers are matched case-insensitively; spaces count as ``_``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.extensions import db
from eoffice.org.models import Unit
from eoffice.staff.models import Staff
from eoffice.staff.services import Lookups, StaffError, clean_staff
from eoffice.tabular import csv_safe

# file column -> field of clean_staff
COLUMNS: dict[str, str] = {
    "nip": "nip",
    "nomor_pppk": "pppk_number",
    "gelar_depan": "front_title",
    "nama": "name",
    "gelar_belakang": "back_title",
    "jenis_kelamin": "gender",
    "tempat_lahir": "birth_place",
    "tanggal_lahir": "birth_date",
    "jenis_pegawai": "employment_type",
    "golongan": "golongan_code",
    "jenis_jabatan": "jabatan_type",
    "nama_jabatan": "jabatan_name",
    "kode_unit": "unit_code",
    "telepon": "phone",
    "email": "email",
    "status": "status",
}
FIELD_TO_COLUMN = {v: k for k, v in COLUMNS.items()} | {"unit_id": "kode_unit"}
REQUIRED_COLUMNS = ("nama", "jenis_pegawai")
EMPLOYMENT_LABELS = {"pns": "PNS", "pppk": "PPPK", "non_asn": "NON-ASN"}

MODE_ALL_OR_NOTHING = "all"
MODE_VALID_ONLY = "valid"
FORMAT_OURS = "ours"  # the columns above (also what the export writes)
FORMAT_SIASN = "siasn"  # a SIASN export (eoffice.staff.siasn)
FORMATS = (FORMAT_OURS, FORMAT_SIASN)


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


def _header_key(name) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def _check_header(header: list) -> list[str]:
    keys = [_header_key(h) for h in header]
    if not any(keys):
        raise ImportFileError(str(_l("The file has no header row.")))
    unknown = [h for h, k in zip(header, keys, strict=True) if k and k not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in keys]
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
                                     p="; ".join(problems), e=", ".join(COLUMNS))))
    return keys


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(str(_l("The CSV file is not text (UTF-8 or Windows-1252).")))


def read_rows(filename: str, data: bytes, check_header=_check_header,
              ) -> tuple[list[str], Iterator[list]]:
    """Header keys and an iterator of rows, from CSV or XLSX content."""
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


def _read_xlsx(data: bytes, check_header=_check_header) -> tuple[list[str], Iterator[list]]:
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


def import_staff(filename: str, data: bytes, *, mode: str = MODE_ALL_OR_NOTHING,
                 actor=None, format: str = FORMAT_OURS) -> ImportReport:
    """Check every row, then save all of them, only the valid ones, or none.

    All-or-nothing (the default) commits nothing when any row is wrong. Rows are
    checked against the database and against earlier rows of the same file
    (a NIP twice in one file is reported on its second row). ``format`` is ours
    (COLUMNS) or siasn (a SIASN export, columns mapped by ``eoffice.staff.siasn``).
    """
    if format == FORMAT_SIASN:
        from eoffice.staff import siasn

        keys, rows = read_rows(filename, data, siasn.check_header)
        to_record = siasn.RowMapper()

        def where(name: str, record: dict) -> tuple[str, object]:
            return siasn.column_of(name), record.get(name)
    else:
        keys, rows = read_rows(filename, data)

        def to_record(keys: list[str], values: list) -> dict:
            return {COLUMNS[k]: v for k, v in zip(keys, values, strict=False) if k}

        def where(name: str, record: dict) -> tuple[str, object]:
            column = FIELD_TO_COLUMN.get(name, name)
            return column, record.get(COLUMNS.get(column, name), "")
    report = ImportReport(mode=mode)
    numbering.begin_write()  # the numbers checked below are still free when the rows go in
    lookups = Lookups.load(with_numbers=True)
    seen: dict[tuple[str, str], int] = {}

    def check_unique(kind: str, number: str) -> int | None:
        table = lookups.nips if kind == "nip" else lookups.pppk_numbers
        if number in table:
            return table[number]
        if (kind, number) in seen:
            return -seen[(kind, number)]
        return None

    valid: list[dict] = []
    limit = current_app.config["MAX_IMPORT_ROWS"]
    for line, row in enumerate(rows, start=2):
        values = list(row) + [None] * (len(keys) - len(row))
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue  # blank line
        report.total += 1
        if report.total > limit:
            raise ImportFileError(str(_l("The file has more than %(n)d rows; split it.", n=limit)))
        record = to_record(keys, values)
        try:
            cleaned = clean_staff(record, lookups, check_unique=check_unique)
        except StaffError as exc:
            for name, message in exc.errors.items():
                column, value = where(name, record)
                report.errors.append(RowError(line, column, "" if value is None else str(value),
                                              message))
            continue
        if cleaned["nip"]:
            seen[("nip", cleaned["nip"])] = line
        if cleaned["pppk_number"]:
            seen[("pppk", cleaned["pppk_number"])] = line
        valid.append(cleaned)

    if report.total == 0:
        raise ImportFileError(str(_l("The file has a header but no rows.")))
    if report.errors and mode != MODE_VALID_ONLY:
        db.session.rollback()
        return report
    if valid:
        db.session.add_all(Staff(**values) for values in valid)
        audit.record("staff.imported", ("staff", "import"), actor=actor,
                     data={"file": filename[:200], "created": len(valid),
                           "rejected_rows": report.rejected_rows,
                           **({"format": format} if format != FORMAT_OURS else {})})
        db.session.commit()
        report.committed = True
    report.created = len(valid)
    return report


# --- Export ----------------------------------------------------------------------

EXPORT_BATCH = 500
# The values of an exported row, read as plain columns (see ``export_records``).
EXPORT_COLUMNS = (Staff.nip, Staff.pppk_number, Staff.front_title, Staff.name,
                  Staff.back_title, Staff.gender, Staff.birth_place, Staff.birth_date,
                  Staff.employment_type, Staff.golongan_code, Staff.jabatan_type,
                  Staff.jabatan_name, Unit.code.label("unit_code"), Staff.phone, Staff.email,
                  Staff.status)


def export_row(staff) -> list[str]:
    """One employee as the file's columns: a ``Staff`` or a row of EXPORT_COLUMNS."""
    unit_code = getattr(staff, "unit_code", None) if not isinstance(staff, Staff) else (
        staff.unit.code if staff.unit else None)
    return [
        staff.nip or "", staff.pppk_number or "", staff.front_title or "", staff.name,
        staff.back_title or "", staff.gender, staff.birth_place or "",
        staff.birth_date.isoformat() if staff.birth_date else "",
        EMPLOYMENT_LABELS.get(staff.employment_type, staff.employment_type),
        staff.golongan_code or "", staff.jabatan_type or "", staff.jabatan_name or "",
        unit_code or "", staff.phone or "", staff.email or "", staff.status,
    ]


def export_records(conditions: list) -> Iterator[list[str]]:
    """Every employee matching ``conditions`` (``services.staff_conditions``), as export
    rows, by name.

    Read in batches of EXPORT_BATCH by key (name, id), each its own short query of plain
    columns, at the moment the rows are wanted. A streamed download goes on after its
    request has ended: Flask pushes the context again for the stream, but Flask-SQLAlchemy
    has closed the request's session by then, and rows of a result opened in that session
    cannot be read any more (SQLAlchemy 2.1 refuses: "identity map is no longer valid").
    Plain columns also keep no object per employee in memory, whatever the export's size.
    """
    query = (sa.select(Staff.id, *EXPORT_COLUMNS).outerjoin(Unit, Unit.id == Staff.unit_id)
             .where(*conditions).order_by(Staff.name, Staff.id).limit(EXPORT_BATCH))
    after: tuple[str, int] | None = None
    while True:
        page = query if after is None else query.where(sa.or_(
            Staff.name > after[0], sa.and_(Staff.name == after[0], Staff.id > after[1])))
        rows = db.session.execute(page).all()
        for row in rows:
            yield export_row(row)
        if len(rows) < EXPORT_BATCH:
            return
        after = (rows[-1].name, rows[-1].id)


def export_csv(records: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS.keys())
    yield "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 correctly
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(csv_safe(v) for v in record)
        yield buffer.getvalue()


def export_xlsx(records: Iterable[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("pegawai")
    sheet.append(list(COLUMNS.keys()))
    for record in records:
        cells = []
        for value in record:
            cell = WriteOnlyCell(sheet, value=csv_safe(value))
            cell.number_format = "@"  # NIPs stay text: 18 digits do not fit a number
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
