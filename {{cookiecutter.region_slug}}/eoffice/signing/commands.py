"""``flask eoffice ca ...``: the region's own CA for demos, training and tests.

Thin: the work is in :mod:`eoffice.signing.ca`; here passphrases are read (environment or
prompt, never an option, so they stay out of shell history) and errors become one line."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask_babel import gettext as _

from eoffice.signing import ca as service

CA_PASSPHRASE_ENV = "EOFFICE_CA_PASSPHRASE"  # noqa: S105 - a variable name
P12_PASSPHRASE_ENV = "EOFFICE_P12_PASSPHRASE"  # noqa: S105 - a variable name


def _passphrase(env: str, prompt: str, *, confirm: bool) -> str:
    value = os.environ.get(env)
    if value:
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def _fail(exc: service.CAError):
    raise click.ClickException(str(exc)) from None


@click.group("ca")
def ca_group() -> None:
    """The region's own CA for demos, training and tests (NOT a national CA)."""


@ca_group.command("init")
@click.option("--name", default=None,
              help="Common name of the CA (default: CA Uji <region> (BUKAN CA NASIONAL)).")
@click.option("--years", type=click.IntRange(1, 30), default=service.DEFAULT_CA_YEARS,
              show_default=True, help="Years the CA is valid.")
@click.option("--force", is_flag=True, help="Replace an existing CA.")
def ca_init(name: str | None, years: int, force: bool) -> None:
    """Create the region's root CA in instance/ca/ (passphrase: EOFFICE_CA_PASSPHRASE or
    prompted)."""
    try:
        service.check_can_init(force)  # refuse before asking for a passphrase
        passphrase = _passphrase(CA_PASSPHRASE_ENV, _("CA passphrase"), confirm=True)
        result = service.init_ca(passphrase, name=name, years=years, force=force)
    except service.CAError as exc:
        _fail(exc)
    click.echo(_("Region CA created: %(subject)s", subject=result.subject))
    click.echo(_("Valid until %(date)s.", date=result.not_after.date().isoformat()))
    click.echo(_("SHA-256 fingerprint: %(fp)s", fp=result.fingerprint))
    click.echo(_("Certificate: %(path)s", path=result.cert_path))
    click.echo(_("Private key: %(path)s (encrypted; back it up with its passphrase kept "
                 "apart)", path=result.key_path))


@ca_group.command("issue")
@click.argument("username")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Days the certificate is valid (default 365, never beyond the CA).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PKCS#12 (default instance/ca/p12/<user>-<serial>.p12).")
def ca_issue(username: str, days: int | None, out: Path | None) -> None:
    """Issue a signing certificate for USERNAME as PKCS#12 (passphrases:
    EOFFICE_CA_PASSPHRASE and EOFFICE_P12_PASSPHRASE, or prompted)."""
    try:
        service.load_ca()  # "no CA yet" before asking for any passphrase
        ca_passphrase = _passphrase(CA_PASSPHRASE_ENV, _("CA passphrase"), confirm=False)
        p12_passphrase = _passphrase(P12_PASSPHRASE_ENV,
                                     _("Passphrase of the official's certificate file"),
                                     confirm=True)
        result = service.issue(username, ca_passphrase, p12_passphrase, days=days, out=out)
    except service.CAError as exc:
        _fail(exc)
    except OSError as exc:  # --out in a folder that cannot be written
        raise click.ClickException(_("Cannot write %(path)s: %(error)s",
                                     path=exc.filename or out, error=exc.strerror)) from None
    record = result.record
    click.echo(_("Certificate %(serial)s issued: %(subject)s",
                 serial=record.serial, subject=record.subject))
    click.echo(_("Valid %(start)s to %(end)s.", start=record.not_before, end=record.not_after))
    if result.capped:
        click.echo(_("Validity shortened to end with the CA."))
    if not result.has_nip:
        click.echo(_("No NIP in the certificate (the user has no staff record with a NIP)."))
    click.echo(_("SHA-256 fingerprint: %(fp)s", fp=record.sha256))
    click.echo(_("PKCS#12 file: %(path)s", path=result.p12_path))


@ca_group.command("list")
def ca_list() -> None:
    """Certificates issued by the region CA, with their status."""
    records = service.list_issued()
    if not records:
        click.echo(_("No certificates issued yet."))
        return
    for record in records:
        click.echo(f"{record.serial}  {record.status():<7}  {record.not_after[:10]}  "
                   f"{record.username}  {record.subject}")


@ca_group.command("revoke")
@click.argument("serial")
@click.option("--reason", default=None, help="Why, kept in the index.")
def ca_revoke(serial: str, reason: str | None) -> None:
    """Revoke the certificate SERIAL and write instance/ca/crl.pem."""
    try:
        service.load_ca()
        passphrase = _passphrase(CA_PASSPHRASE_ENV, _("CA passphrase"), confirm=False)
        result = service.revoke(serial, passphrase, reason=reason)
    except service.CAError as exc:
        _fail(exc)
    click.echo(_("Certificate %(serial)s revoked at %(time)s.",
                 serial=result.record.serial, time=result.record.revoked_at))
    click.echo(_("CRL: %(path)s", path=result.crl_path))

