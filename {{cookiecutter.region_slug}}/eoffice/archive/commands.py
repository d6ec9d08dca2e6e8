"""``flask eoffice klasifikasi import FILE`` and ``flask eoffice jra import FILE``.

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
