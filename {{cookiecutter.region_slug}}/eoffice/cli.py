"""``flask eoffice ...`` commands: create-admin, demo, check; doctor, backup, restore, audit."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from eoffice.config import INSECURE_SECRET
from eoffice.extensions import db


def build_cli(app: Flask) -> AppGroup:
    group = AppGroup("eoffice", help="E-office administration commands.")
    for commands in app.extensions["eoffice_plugins"].hook.eoffice_cli_commands(app=app):
        for command in commands:
            group.add_command(command)
    return group


def core_commands() -> list[click.Command]:
    from eoffice.archive.commands import jra, klasifikasi, retensi
    from eoffice.maintenance.commands import (
        access_group,
        audit_group,
        backup,
        doctor,
        files_group,
        maintain,
        restore,
    )
    from eoffice.search.commands import search
    from eoffice.signing.commands import ca_group

    return [create_admin, demo, check, doctor, backup, restore, audit_group, access_group, search,
            maintain, files_group, ca_group, klasifikasi, jra, retensi]


@click.command("create-admin")
@click.option("--username", prompt="Nama pengguna", default="admin", show_default=True)
@click.option("--full-name", prompt="Nama lengkap", default="Administrator", show_default=True)
@click.option("--email", default="", help="Email of the administrator.")
@click.password_option("--password", prompt="Kata sandi",
                       confirmation_prompt="Ulangi kata sandi")
def create_admin(username: str, full_name: str, email: str, password: str) -> None:
    """Create an administrator account."""
    from eoffice.auth.services import AuthError, create_user
    from eoffice.reference import seed_reference_data

    seed_reference_data()
    try:
        user = create_user(username, password, full_name=full_name, roles=["admin", "pegawai"],
                           email=email or current_app.config["ADMIN_EMAIL"] or None)
    except AuthError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Admin '{user.username}' dibuat. Masuk di /masuk.")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow demo data even when EOFFICE_ENV=production.")
def demo(force: bool) -> None:
    """Load realistic demo data (safe to run twice) and print the demo logins."""
    from eoffice.demo import load_demo

    if current_app.config["EOFFICE_ENV"] == "production" and not force:
        raise click.ClickException(_(
            "EOFFICE_ENV=production: demo data would mix with real data. Use --force if sure."))
    result = load_demo()
    for hook_result in current_app.extensions["eoffice_plugins"].hook.eoffice_demo_data(
            app=current_app._get_current_object(), faker=_faker()):
        del hook_result
    click.echo(f"Data demo siap: {result.units} unit, {result.positions} jabatan, "
               f"{result.staff} pegawai, {result.letters} surat masuk baru.")
    click.echo("Login demo (nama pengguna / kata sandi / peran):")
    for username, password, roles in result.users:
        click.echo(f"  {username:<10} {password:<15} {roles}")
    if result.signers:
        from eoffice.demo import DEMO_CA_PASSPHRASE, DEMO_SIGNING_PASSPHRASE

        click.echo(f"Frasa sandi TTE untuk menandatangani surat ({', '.join(result.signers)}): "
                   f"{DEMO_SIGNING_PASSPHRASE}")
        click.echo(f"Frasa sandi CA daerah demo (flask eoffice ca issue): {DEMO_CA_PASSPHRASE}")
    elif result.signing_note:
        click.echo(result.signing_note)


def _faker():
    from faker import Faker

    faker = Faker("id_ID")
    faker.seed_instance(1)
    return faker


@click.command("check")
def check() -> None:
    """Check the configuration and the database; exit 1 when something is wrong."""
    problems = 0
    for ok, message in run_checks(current_app):
        click.echo(("  OK      " if ok else "  MASALAH ") + message)
        problems += not ok
    if problems:
        click.echo(f"{problems} masalah ditemukan.")
        sys.exit(1)
    click.echo("Semua pemeriksaan lulus.")


def run_checks(app: Flask) -> list[tuple[bool, str]]:
    """(ok, message) for each configuration and database check, in Bahasa Indonesia."""
    config = app.config
    results: list[tuple[bool, str]] = []
    secret = config["SECRET_KEY"]
    if secret == INSECURE_SECRET or len(secret) < 32:
        results.append((False, "SECRET_KEY belum diisi atau terlalu pendek (min. 32 karakter): "
                               "isi di .env, mis. python -c 'import secrets; "
                               "print(secrets.token_urlsafe(48))'"))
    else:
        results.append((True, "SECRET_KEY terisi"))
    results.extend(_login_checks(config))
    toml_path = Path(config["REGION_TOML_PATH"])
    found = toml_path.exists()
    results.append((found, f"region.toml {'ditemukan' if found else 'tidak ditemukan'}: "
                           f"{toml_path}"))
    code = config["REGION_CODE"]
    expected = r"^\d{2}$" if config["REGION_TYPE"] == "provinsi" else r"^\d{2}\.\d{2}$"
    code_ok = bool(re.match(expected, code))
    results.append((code_ok, f"kode wilayah [region] code = {code!r} ("
                             + ("sesuai" if code_ok else
                                "harus NN untuk provinsi, NN.NN untuk kabupaten/kota") + ")"))
    if config["REGION_TYPE"] not in ("kabupaten", "kota", "provinsi"):
        results.append((False, f"[region] type = {config['REGION_TYPE']!r}: gunakan kabupaten, "
                               "kota atau provinsi"))
    results.append((True, f"zona waktu {config['TIMEZONE']}, "
                          f"bahasa {config['BABEL_DEFAULT_LOCALE']}"))
    logo = config["REGION_LOGO"]
    if logo:
        logo_path = (toml_path.parent / logo)
        results.append((logo_path.is_file(), f"logo {logo_path}"
                        + ("" if logo_path.is_file() else " tidak ditemukan")))
    results.extend(_numbering_checks(config))
    instance = Path(app.instance_path)
    writable = instance.is_dir() and os.access(instance, os.W_OK)
    results.append((writable, f"folder instance {instance} "
                              f"{'dapat ditulis' if writable else 'tidak dapat ditulis'}"))
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - reported to the operator, not raised
        results.append((False, f"basis data tidak dapat dihubungi ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:200]})"))
        return results
    results.append((True, f"basis data terhubung ({db.engine.dialect.name})"))
    try:
        pending = pending_migrations(app)
    except Exception as exc:  # noqa: BLE001 - alembic's errors for unknown revisions
        results.append((False, "basis data memakai revisi skema yang tidak dikenal kode ini "
                               f"({str(exc).splitlines()[0][:160]}): kode lebih lama dari "
                               "basis data; perbarui kode (cruft update) atau pulihkan cadangan"))
        return results
    if pending is None:
        results.append((False, "skema basis data belum dibuat: jalankan `flask db upgrade heads`"))
    elif pending:
        results.append((False, f"{len(pending)} migrasi belum dijalankan: jalankan "
                               "`flask db upgrade heads`"))
    else:
        results.append((True, "skema basis data mutakhir"))
        results.extend(_series_checks())
    return results


def _series_checks() -> list[tuple[bool, str]]:
    """Every numbering series' pattern is valid (the check of the series form), and every
    kind of document has an active region-wide series to fall back on."""
    from eoffice.numbering import PatternError, check_pattern
    from eoffice.series.models import NumberingSeries
    from eoffice.series.services import kind_choices

    results = []
    items = db.session.scalars(sa.select(NumberingSeries).order_by(NumberingSeries.id)).all()
    bad = 0
    for series in items:
        try:
            check_pattern(series.pattern)
        except PatternError as exc:
            bad += 1
            results.append((False, f"seri penomoran #{series.id} {series.name!r}: {exc}"))
    if not bad:
        results.append((True, f"pola {len(items)} seri penomoran valid"))
    fallback = {kind for s in items if s.active and s.scope == "region"
                and not s.classification_codes for kind in s.kinds or []}
    missing = [label for kind, label in kind_choices() if kind not in fallback]
    if missing:
        results.append((False, "tidak ada seri penomoran aktif tingkat daerah untuk: "
                               f"{', '.join(missing)}; dokumen OPD tanpa seri sendiri tidak "
                               "bisa diberi nomor"))
    return results


def _login_checks(config) -> list[tuple[bool, str]]:
    """Cookies and password rules against OWASP ASVS level 2 (docs/it/sessions.md)."""
    results = []
    if config["EOFFICE_ENV"] == "production" and not config["SESSION_COOKIE_SECURE"]:
        results.append((False, "[security] secure_cookies = false pada EOFFICE_ENV=production: "
                               "cookie sesi juga terkirim lewat http://; pasang HTTPS dan "
                               "hapus setelan itu"))
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if minimum < 12 or maximum < 64 or maximum < minimum \
            or not 0 <= config["PASSWORD_MIN_SCORE"] <= 4:
        results.append((False, f"[security] kata sandi {minimum}-{maximum} karakter, skor "
                               f"{config['PASSWORD_MIN_SCORE']}: paling pendek harus 12 atau "
                               "lebih, paling panjang 64 atau lebih, skor 0-4"))
    else:
        results.append((True, f"kata sandi {minimum}-{maximum} karakter, skor zxcvbn "
                              f"{config['PASSWORD_MIN_SCORE']} atau lebih"))
    return results


def _numbering_checks(config) -> list[tuple[bool, str]]:
    """Numbering patterns, the letter counter and holiday dates (region.toml)."""
    import datetime as dt

    from eoffice.numbering import PatternError, check_pattern

    results = []
    for key, toml_key in (("AGENDA_PATTERN", "agenda_pattern"),
                          ("LETTER_PATTERN", "letter_pattern")):
        try:
            check_pattern(config[key])
            results.append((True, f"[numbering] {toml_key} = {config[key]!r}"))
        except PatternError as exc:
            results.append((False, f"[numbering] {toml_key}: {exc}"))
    counter = config["LETTER_COUNTER"]
    if counter not in ("shared", "per_code"):
        results.append((False, f"[numbering] letter_counter = {counter!r}: gunakan 'shared' "
                               "atau 'per_code'"))
    elif counter == "per_code" and "{code}" not in config["LETTER_PATTERN"]:
        results.append((False, "[numbering] letter_counter = 'per_code' tetapi letter_pattern "
                               "tidak memuat {code}: nomor surat dari kode berbeda akan bentrok"))
    bad = []
    for text in config["HOLIDAYS"]:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            bad.append(text)
    if bad:
        results.append((False, "[dispositions] holidays: tanggal tidak valid "
                               f"{', '.join(map(repr, bad))} (gunakan YYYY-MM-DD)"))
    return results


def pending_migrations(app: Flask) -> list[str] | None:
    """Revisions not yet applied; None when the database has no schema at all."""
    from eoffice.maintenance.schema import database_revisions, pending_revisions, script_directory

    script = script_directory()  # the core's chain and the region's local/migrations
    with db.engine.connect() as connection:
        current = database_revisions(connection)
    if not current:
        return None
    return pending_revisions(script, current)
