"""``flask eoffice klasifikasi import FILE``, ``flask eoffice jra import FILE`` and
``flask eoffice retensi scan | report``.

The same imports as the admin page (``eoffice.archive.transfer``): all-or-nothing,
and every rejected row printed with its line number; exit 1 when nothing was saved.
"""

from __future__ import annotations

from pathlib import Path

import click

from eoffice.extensions import db


@click.group("klasifikasi")
def klasifikasi() -> None:
    """Classification codes (klasifikasi arsip, Permendagri 83/2022)."""


@click.group("jra")
def jra() -> None:
    """The retention schedule (jadwal retensi arsip) in force."""


def _run(importer, path: str, what: str) -> None:
    from eoffice.archive.transfer import ImportFileError

    file = Path(path)
    try:
        report = importer(file.name, file.read_bytes())
    except (OSError, ImportFileError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"{report.total} baris dibaca.")
    if not report.committed:
        for error in report.errors:
            click.echo(f"  baris {error.row}, kolom {error.column} ({error.value!r}): "
                       f"{error.message}", err=True)
        click.echo(f"Tidak ada yang disimpan: {report.rejected_rows} baris salah.", err=True)
        raise SystemExit(1)
    click.echo(what.format(report=report))


@klasifikasi.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_classifications(path: str) -> None:
    """Add and rename classification codes from a CSV/XLSX file (kode,nama,induk[,aktif])."""
    from eoffice.archive.transfer import import_classifications as run

    _run(run, path, "Klasifikasi disimpan: {report.created} kode baru, "
                    "{report.updated} kode diubah.")


@jra.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_schedule(path: str) -> None:
    """Replace the retention schedule in force with a CSV/XLSX file
    (kode,retensi_aktif,retensi_inaktif,nasib_akhir[,keterangan,source])."""
    from eoffice.archive.transfer import import_schedule as run

    _run(run, path, "JRA daerah berlaku: {report.created} kode.")


@click.group("retensi")
def retensi() -> None:
    """The retention lifecycle of closed berkas (pemindahan, usul musnah / serah)."""


def echo_scan(result) -> None:
    from flask_babel import gettext as _

    click.echo(_("Retention: %(i)d berkas moved to inactive; proposed: %(m)d for "
                 "destruction, %(s)d for handover, %(r)d for review.",
                 i=result.moved_inactive, m=result.proposed.get("usul_musnah", 0),
                 s=result.proposed.get("usul_serah", 0),
                 r=result.proposed.get("dinilai_kembali", 0)))


@retensi.command("scan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this day (YYYY-MM-DD) instead of today.")
def retensi_scan(day) -> None:
    """Move closed berkas past their active period to inactive and list those past the
    inactive period as proposals (daily, also by flask eoffice maintain)."""
    from eoffice.archive.retention import scan

    result = scan(day.date() if day else None)
    db.session.commit()
    echo_scan(result)


@retensi.command("report")
def retensi_report() -> None:
    """Berkas per status and per classification code (every unit)."""
    from eoffice.archive.retention import counts_by_classification, counts_by_status

    for status, number in counts_by_status(None).items():
        click.echo(f"{status}\t{number}")
    for code, _name, counts in counts_by_classification(None):
        click.echo(code + "\t" + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    db.session.rollback()
