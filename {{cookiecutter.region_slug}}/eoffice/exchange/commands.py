"""``flask eoffice exchange ...``: this app's key, peers, and the delivery run."""

from __future__ import annotations

import json
import sys

import click
import sqlalchemy as sa
from flask import current_app

from eoffice.extensions import db


@click.group("exchange")
def exchange() -> None:
    """Letter exchange with other regions' e-office."""


@exchange.command("show-key")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (for scripts).")
def show_key(as_json: bool) -> None:
    """Print this app's public key (made on first use) to give to peers."""
    from eoffice.exchange import keys, protocol

    raw = keys.raw_public(keys.private_key())
    info = {**protocol.identity(), "public_key": keys.public_key_text(),
            "fingerprint": keys.fingerprint(raw),
            "endpoint": (current_app.config["PUBLIC_BASE_URL"] or "<PUBLIC_BASE_URL>")
            + protocol.ENDPOINT_PATH}
    if as_json:
        click.echo(json.dumps(info))
        return
    click.echo(f"Daerah      : {info['region_name']} ({info['region_code']})")
    click.echo(f"Kunci publik: {info['public_key']}")
    click.echo(f"Sidik jari  : {info['fingerprint']}")
    click.echo(f"Endpoint    : {info['endpoint']}")
    if not keys.file_mode_ok():
        click.echo(f"PERINGATAN: {keys.key_path()} dapat dibaca pengguna lain; chmod 600.")


@exchange.command("add-peer")
@click.option("--name", required=True, help="Name of the peer region.")
@click.option("--url", "base_url", required=True, help="Base address of its e-office.")
@click.option("--key", "public_key", required=True, help="Its public key (ed25519:...).")
@click.option("--agency", default="", help="Its agency name.")
@click.option("--code", "region_code", default="", help="Its Kemendagri region code.")
def add_peer(name: str, base_url: str, public_key: str, agency: str, region_code: str) -> None:
    """Register a peer region (or update the one with the same name)."""
    from eoffice.exchange.models import Peer
    from eoffice.exchange.services import ExchangeError, save_peer

    peer = db.session.scalar(sa.select(Peer).where(Peer.name == name.strip()))
    try:
        peer = save_peer(peer, name=name, base_url=base_url, public_key=public_key,
                         agency=agency, region_code=region_code)
    except ExchangeError as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) \
            from None
    db.session.commit()
    click.echo(f"Mitra '{peer.name}' tersimpan (id kunci {peer.key_id}).")


@exchange.command("peers")
def list_peers() -> None:
    """List the peer regions."""
    from eoffice.exchange.models import Peer

    for peer in db.session.scalars(sa.select(Peer).order_by(Peer.name)):
        state = "aktif" if peer.active else "nonaktif"
        click.echo(f"{peer.id:>4}  {peer.name:<30} {peer.base_url:<40} {peer.key_id} {state}")


@exchange.command("run")
@click.option("--force", is_flag=True, help="Attempt every undelivered item now, ignoring the "
                                            "backoff schedule.")
def run(force: bool) -> None:
    """Send due deliveries and receipts (run it from the systemd timer or cron)."""
    from eoffice.exchange.services import run_due

    result = run_due(force=force)
    click.echo(f"Pengiriman: {result.deliveries} dicoba, {result.delivered} terkirim; "
               f"tanda terima: {result.receipts} dicoba, {result.receipts_sent} terkirim.")
    for line in result.failed:
        click.echo(f"  gagal: {line}")
    if result.failed:
        sys.exit(3)  # visible in the timer's status; the items are retried later anyway


@exchange.command("status")
def status() -> None:
    """Count deliveries and received letters by status."""
    from eoffice.exchange.models import Delivery, InboundLetter

    for label, model in (("Pengiriman", Delivery), ("Surat diterima", InboundLetter)):
        rows = db.session.execute(sa.select(model.status, sa.func.count())
                                  .group_by(model.status)).all()
        click.echo(f"{label}: " + (", ".join(f"{s} {n}" for s, n in rows) or "-"))
