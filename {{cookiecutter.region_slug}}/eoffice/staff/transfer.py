"""Staff import and export (CSV and XLSX), with a report of every rejected row.

The columns are the same both ways, so an exported file can be edited and
imported again. Headers are matched case-insensitively; spaces count as ``_``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering, tabular
from eoffice.extensions import db
from eoffice.org.models import Unit
from eoffice.staff.models import Staff
from eoffice.staff.services import Lookups, StaffError, clean_staff
from eoffice.tabular import (
    MODE_ALL_OR_NOTHING,
    ImportFileError,
    ImportReport,
    RowError,
    csv_safe,
    header_checker,
)

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

MODE_VALID_ONLY = "valid"
FORMAT_OURS = "ours"  # the columns above (also what the export writes)
FORMAT_SIASN = "siasn"  # a SIASN export (eoffice.staff.siasn)
FORMATS = (FORMAT_OURS, FORMAT_SIASN)


_check_header = header_checker(tuple(COLUMNS), REQUIRED_COLUMNS)


def read_rows(filename: str, data: bytes, check_header=_check_header,
              ) -> tuple[list[str], Iterator[list]]:
    """``eoffice.tabular.read_rows`` with the staff columns unless told otherwise."""
    return tabular.read_rows(filename, data, check_header)


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
