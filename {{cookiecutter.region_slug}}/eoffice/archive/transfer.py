"""Import of a region's classification codes and retention schedule (JRA), CSV or XLSX.

Files are read and reported on exactly as the staff import does
(``eoffice.tabular``: same reader, same row report with the line number a user sees
in the file, header = row 1). Both imports are all-or-nothing: a tree
or a schedule half applied would be worse than none, so one wrong row saves nothing.

- Classification (``kode,nama,induk[,aktif]``): new codes are added, existing
  codes take the file's name (and ``aktif`` when given); codes not in the file
  are left as they are (deactivate them on the page or with ``aktif=tidak``).
  The parent must exist already or come anywhere in the same file.
- Retention schedule (``kode,retensi_aktif,retensi_inaktif,nasib_akhir[,keterangan,source]``):
  the file *replaces* the schedule in force: every code's retention is cleared,
  then set from the file, and the import is recorded as the schedule in force
  (which ends the "example schedule" warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.archive.models import NAME_MAX, Classification, RetentionSchedule
from eoffice.archive.services import CODE_RE, parent_code
from eoffice.extensions import db
from eoffice.tabular import (
    ImportFileError,
    ImportReport,
    RowError,
    header_checker,
    read_rows,
)

__all__ = ["CLASSIFICATION_COLUMNS", "SCHEDULE_COLUMNS", "ImportFileError", "ImportReport",
           "import_classifications", "import_schedule"]

CLASSIFICATION_COLUMNS = ("kode", "nama", "induk", "aktif")
CLASSIFICATION_REQUIRED = ("kode", "nama")
SCHEDULE_COLUMNS = ("kode", "retensi_aktif", "retensi_inaktif", "nasib_akhir", "keterangan",
                    "source")
SCHEDULE_REQUIRED = ("kode", "retensi_aktif", "retensi_inaktif", "nasib_akhir")
DISPOSITIONS = {"musnah": "musnah", "permanen": "permanen", "dinilai kembali": "dinilai_kembali",
                "dinilai_kembali": "dinilai_kembali"}
YES = {"ya", "y", "1", "true", "aktif", ""}
NO = {"tidak", "t", "0", "false", "nonaktif", "tidak aktif"}


@dataclass
class ArchiveImportReport(ImportReport):
    updated: int = 0


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _records(filename: str, data: bytes, columns, required) -> Iterator[tuple[int, dict]]:
    """(line, {column: text}) of each non-blank row; the row limit of every import."""
    keys, rows = read_rows(filename, data, header_checker(columns, required))
    limit = current_app.config["MAX_IMPORT_ROWS"]
    count = 0
    for line, row in enumerate(rows, start=2):
        values = [_text(v) for v in row]
        if not any(values):
            continue
        count += 1
        if count > limit:
            raise ImportFileError(str(_l("The file has more than %(n)d rows; split it.",
                                         n=limit)))
        yield line, {k: (values[i] if i < len(values) else "") for i, k in enumerate(keys) if k}
    if count == 0:
        raise ImportFileError(str(_l("The file has a header but no rows.")))


def _code_error(code: str, seen: dict[str, int]) -> str | None:
    if not code:
        return str(_l("The code is empty."))
    if not CODE_RE.match(code):
        return str(_l("A code looks like 000, 000.1 or 000.1.2."))
    if code in seen:
        return str(_l("The code %(c)s is already in row %(r)d of this file.", c=code,
                      r=seen[code]))
    return None


def import_classifications(filename: str, data: bytes, *, actor=None) -> ArchiveImportReport:
    """Check every row, then add and update all the codes, or none."""
    report = ArchiveImportReport()
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, record in _records(filename, data, CLASSIFICATION_COLUMNS,
                                 CLASSIFICATION_REQUIRED):
        report.total += 1
        rows.append((line, record))
        code = record.get("kode", "")
        problem = _code_error(code, seen)
        if problem:
            report.errors.append(RowError(line, "kode", code, problem))
        else:
            seen[code] = line
    numbering.begin_write()
    existing = {c.code: c for c in db.session.scalars(sa.select(Classification))}
    valid: list[tuple[int, dict]] = []
    for line, record in rows:
        code, name = record.get("kode", ""), record.get("nama", "")
        if any(e.row == line for e in report.errors):
            continue
        errors = []
        if not name:
            errors.append(("nama", name, str(_l("The name is empty."))))
        elif len(name) > NAME_MAX:
            errors.append(("nama", name[:60] + "…", str(_l(
                "The name is longer than %(n)d characters.", n=NAME_MAX))))
        parent = parent_code(code)
        induk = record.get("induk", "")
        if induk and induk != parent:
            errors.append(("induk", induk, str(_l(
                "The parent of %(c)s is %(p)s (the code without its last part).",
                c=code, p=parent or "-"))))
        elif parent and parent not in existing and parent not in seen:
            errors.append(("induk", induk or parent, str(_l(
                "Unknown parent code %(p)s: add it to the file or to the list first.",
                p=parent))))
        active = record.get("aktif", "").lower()
        if active not in YES and active not in NO:
            errors.append(("aktif", record.get("aktif", ""), str(_l(
                "Write ya or tidak."))))
        if errors:
            report.errors.extend(RowError(line, c, v, m) for c, v, m in errors)
        else:
            valid.append((line, record))
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        db.session.rollback()
        return report
    created = updated = 0
    new: list[Classification] = []
    for _line, record in sorted(valid, key=lambda r: r[1]["kode"].count(".")):
        code = record["kode"]
        active = record.get("aktif", "").lower() not in NO
        item = existing.get(code)
        if item is None:
            item = Classification(name=record["nama"], active=active)
            item.set_code(code)
            item.parent = existing.get(parent_code(code) or "")
            existing[code] = item
            new.append(item)
            db.session.add(item)
            created += 1
        elif item.name != record["nama"] or ("aktif" in record and item.active != active):
            item.name = record["nama"]
            if "aktif" in record:
                item.active = active
            updated += 1
    db.session.flush()
    audit.record("classification.imported", ("classifications", "import"), actor=actor,
                 data={"file": filename[:200], "created": created, "updated": updated})
    db.session.commit()
    report.created, report.updated, report.committed = created, updated, True
    return report


def _years(value: str) -> int | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    if not number.is_integer() or not 0 <= number <= 100:
        return None
    return int(number)


# PostgreSQL: the schedule's rows as arrays, unnested into one UPDATE.
UNNEST_UPDATE = sa.text(
    "UPDATE classifications SET retention_active_years = v.active, "
    "retention_inactive_years = v.inactive, final_disposition = v.final, "
    "retention_note = v.note, retention_source = v.source "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:active AS integer[]), "
    "CAST(:inactive AS integer[]), CAST(:final AS varchar[]), CAST(:note AS text[]), "
    "CAST(:source AS varchar[])) AS v (id, active, inactive, final, note, source) "
    "WHERE classifications.id = v.id")


def _set_retention(values: list[dict]) -> None:
    """Write the schedule's rows. PostgreSQL: one UPDATE from arrays (3,000 single
    UPDATEs, or a VALUES list of 3,000 rows, take seconds); SQLite runs the UPDATEs
    as one executemany (fast in-process)."""
    table = Classification.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(UNNEST_UPDATE, {
            "ids": [v["b_id"] for v in values], "active": [v["b_active"] for v in values],
            "inactive": [v["b_inactive"] for v in values],
            "final": [v["b_final"] for v in values], "note": [v["b_note"] for v in values],
            "source": [v["b_source"] for v in values]})
        return
    db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
        retention_active_years=sa.bindparam("b_active"),
        retention_inactive_years=sa.bindparam("b_inactive"),
        final_disposition=sa.bindparam("b_final"), retention_note=sa.bindparam("b_note"),
        retention_source=sa.bindparam("b_source")), values)


def import_schedule(filename: str, data: bytes, *, actor=None) -> ArchiveImportReport:
    """Check every row, then replace the schedule in force with the file's, or do nothing."""
    report = ArchiveImportReport()
    numbering.begin_write()
    ids = dict(db.session.execute(sa.select(Classification.code, Classification.id)).all())
    seen: dict[str, int] = {}
    values: list[dict] = []
    sources: set[str] = set()
    for line, record in _records(filename, data, SCHEDULE_COLUMNS, SCHEDULE_REQUIRED):
        report.total += 1
        errors = []
        code = record.get("kode", "")
        problem = _code_error(code, seen)
        if problem:
            errors.append(("kode", code, problem))
        elif code not in ids:
            errors.append(("kode", code, str(_l(
                "Unknown classification code %(c)s: import the classification first.", c=code))))
        else:
            seen[code] = line
        years = {}
        for column in ("retensi_aktif", "retensi_inaktif"):
            years[column] = _years(record.get(column, ""))
            if years[column] is None:
                errors.append((column, record.get(column, ""), str(_l(
                    "Write the years as a whole number from 0 to 100."))))
        final = DISPOSITIONS.get(" ".join(record.get("nasib_akhir", "").lower().split()))
        if final is None:
            errors.append(("nasib_akhir", record.get("nasib_akhir", ""), str(_l(
                "Write musnah, permanen, dinilai kembali."))))
        if errors:
            report.errors.extend(RowError(line, c, v, m) for c, v, m in errors)
            continue
        source = record.get("source", "")[:255]
        sources.add(source)
        values.append({"b_id": ids[code], "b_active": years["retensi_aktif"],
                       "b_inactive": years["retensi_inaktif"], "b_final": final,
                       "b_note": record.get("keterangan", "") or None,
                       "b_source": source or None})
    if report.errors:
        db.session.rollback()
        return report
    table = Classification.__table__
    db.session.execute(sa.update(table).values(
        retention_active_years=None, retention_inactive_years=None, final_disposition=None,
        retention_note=None, retention_source=None))
    _set_retention(values)
    named = sorted(s for s in sources if s)
    schedule = RetentionSchedule(
        name=(named[0] if len(named) == 1 else filename)[:255] or filename[:255],
        is_example=False, codes=len(values), file_name=filename[:255],
        imported_by_id=getattr(actor, "id", None))
    db.session.add(schedule)
    db.session.flush()
    audit.record("retention_schedule.imported", schedule, actor=actor,
                 data={"file": filename[:200], "codes": len(values)})
    db.session.expire_all()
    db.session.commit()
    report.created, report.committed = len(values), True
    return report
