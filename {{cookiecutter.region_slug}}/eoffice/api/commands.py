"""``flask eoffice token ...``: create, list and revoke API tokens."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from eoffice.extensions import db


@click.group("token")
def token() -> None:
    """API tokens (personal or system)."""


@token.command("create")
@click.option("--name", required=True, help="What uses the token.")
@click.option("--user", "username", default="", help="Personal token of this user.")
@click.option("--scope", "scopes", multiple=True,
              help="System token scope (repeat): letters:read, outgoing:read, staff:read, "
                   "staff:write, org:read.")
@click.option("--days", type=int, default=0, help="Valid for this many days (0: no expiry).")
def create(name: str, username: str, scopes: tuple[str, ...], days: int) -> None:
    """Create a token and print its secret once."""
    from eoffice.api.services import TokenError, create_token
    from eoffice.auth.models import User
    from eoffice.db import utcnow

    if bool(username) == bool(scopes):
        raise click.UsageError(_("Give --user (personal token) or --scope (system token)."))
    user = None
    if username:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"Pengguna '{username}' tidak ada.")
    expires = utcnow() + dt.timedelta(days=days) if days > 0 else None
    try:
        new = create_token("personal" if user else "system", name, user=user, scopes=scopes,
                           expires_at=expires)
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) \
            from None
    db.session.commit()
    click.echo(f"Token #{new.token.id} dibuat. Simpan sekarang; token tidak dapat dibaca lagi:")
    click.echo(new.secret)


@token.command("list")
def list_tokens() -> None:
    """List tokens (never their secrets)."""
    from eoffice.api.models import ApiToken

    for item in db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)):
        owner = item.user.username if item.user else ",".join(item.scopes or [])
        state = "dicabut" if item.revoked_at else "aktif"
        used = item.last_used_at.isoformat(timespec="minutes") if item.last_used_at else "-"
        click.echo(f"{item.id:>4}  {item.kind:<8} {item.prefix}…  {item.name:<25} {owner:<30} "
                   f"{state:<8} dipakai {used}")


@token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke a token by its number (from `token list`)."""
    from eoffice.api.models import ApiToken
    from eoffice.api.services import revoke_token

    item = db.session.get(ApiToken, token_id)
    if item is None:
        raise click.ClickException(f"Token #{token_id} tidak ada.")
    changed = revoke_token(item)
    db.session.commit()
    click.echo(f"Token #{token_id} {'dicabut' if changed else 'sudah dicabut sebelumnya'}.")
