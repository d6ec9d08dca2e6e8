"""Rules of the REST API: tokens, the principal a token acts as, errors, paging.

The API's views call the same services as the pages, with the token's principal
as the user, so every access rule of ``eoffice.security`` applies unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from eoffice import audit, numbering
from eoffice.api.models import SCOPES, ApiToken
from eoffice.auth.models import User
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.inputs import CONTROL_MESSAGE, has_control_characters
from eoffice.security import can

TOKEN_PREFIX = "eo_"  # noqa: S105 - a marker, not a secret
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_used_at is written at most this often


class TokenError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ApiError(Exception):
    """An error answered as JSON: ``{"error": code, "message": ..., "errors": {...}}``."""

    def __init__(self, status: int, error: str, message: str = "",
                 errors: dict[str, str] | None = None, headers: dict | None = None):
        super().__init__(message or error)
        self.status, self.error, self.message = status, error, message
        self.errors, self.headers = errors, headers or {}

    def body(self) -> dict:
        out: dict[str, Any] = {"error": self.error, "message": self.message or self.error}
        if self.errors:
            out["errors"] = self.errors
        return out


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- Tokens --------------------------------------------------------------------------

@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(kind: str, name: str, *, user: User | None = None, scopes=(),
                 expires_at: dt.datetime | None = None, actor=None) -> NewToken:
    """Make a token; the secret is returned once and only its SHA-256 is kept."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = str(_l("Give the token a name of 1 to 100 characters."))
    scopes = sorted(set(scopes or ()))
    if kind == "personal":
        if user is None:
            errors["user"] = str(_l("A personal token belongs to a user."))
        scopes = []
    elif kind == "system":
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            errors["scopes"] = str(_l("Unknown scope: %(s)s.", s=", ".join(unknown)))
        elif not scopes:
            errors["scopes"] = str(_l("Choose at least one scope."))
        user = None
    else:
        errors["kind"] = str(_l("A token is personal or system."))
    if expires_at is not None and expires_at <= utcnow():
        errors["expires_at"] = str(_l("The expiry date has passed."))
    if errors:
        raise TokenError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(kind=kind, name=name, user_id=user.id if user else None, scopes=scopes,
                     token_hash=hash_secret(secret), prefix=secret[:10],
                     created_by_id=getattr(actor, "id", None), expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    audit.record("api.token_created", token, actor=actor,
                 data={"kind": kind, "name": name, "scopes": scopes,
                       "user": user.username if user else None})
    return NewToken(token, secret)


def revoke_token(token: ApiToken, *, actor=None) -> bool:
    """Revoke at once; a revoked token is refused from its next request on."""
    if token.revoked_at is not None:
        return False
    token.revoked_at, token.revoked_by_id = utcnow(), getattr(actor, "id", None)
    audit.record("api.token_revoked", token, actor=actor, data={"name": token.name})
    return True


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired), or None.

    A personal token whose user is deactivated or locked (too many wrong passwords)
    raises ApiError 401 ``account_unavailable``: the token itself is fine, and its
    holder is told why it is refused (a locked account opens again by itself).
    """
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(
        ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or \
            (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.kind == "personal" and token.user is None:
        return None
    if token.kind == "personal" and (not token.user.active or token.user.is_locked):
        raise ApiError(401, "account_unavailable", str(_l(
            "The account this token belongs to is deactivated or locked for a while "
            "after too many wrong passwords.")),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        # Its own short transaction, so a read-only request never holds a write lock;
        # on SQLite one that starts as a write (a read transaction could not write once
        # another writer has committed).
        token_id = token.id
        numbering.begin_write()
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now))
        db.session.commit()
    return token


class SystemPrincipal:
    """Who a system token acts as: no person, no position, only its scopes.

    Quacks like a user for ``eoffice.security`` (``is_system`` is what the access
    rules look at) and for the audit log (``full_name``).
    """

    is_system = True
    is_authenticated = True
    is_active = True
    is_anonymous = False
    id = None
    staff = None
    staff_id = None
    locale = None
    must_change_password = False
    role_names: frozenset[str] = frozenset()

    def __init__(self, token: ApiToken):
        self.token_id = token.id
        self.scopes = frozenset(token.scopes or ())
        self.full_name = f"API: {token.name}"
        self.username = f"token:{token.prefix}"

    def get_id(self) -> None:
        return None


def principal_of(token: ApiToken):
    return token.user if token.kind == "personal" else SystemPrincipal(token)


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.kind == "personal", ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def system_tokens() -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.kind == "system")
                                   .order_by(ApiToken.revoked_at.is_not(None),
                                             ApiToken.id.desc())))


def permissions_summary(principal) -> list[str]:
    from eoffice.security import permissions_of

    return sorted(permissions_of(principal))


# --- Request parsing -------------------------------------------------------------------

@dataclass
class Fields:
    """Reads typed fields from a JSON object or query arguments, collecting errors."""

    data: dict
    errors: dict[str, str] = field(default_factory=dict)  # wrong type or form: 400
    invalid: dict[str, str] = field(default_factory=dict)  # well formed, unusable text: 422
    invalid_status: int = 422  # query arguments declare their pattern: 400 there

    def _missing(self, name: str, required: bool):
        if required:
            self.errors[name] = str(_l("This field is required."))
        return None

    def _empty(self, name: str, value) -> bool:
        """Absent (None) counts as not given; an empty value of a typed field is wrong."""
        if value == "":
            self.errors[name] = str(_l("Must not be empty."))
            return True
        return False

    def text(self, name: str, *, required: bool = False, max_length: int = 500,
             default: str = "", multiline: bool = False) -> str:
        """A string; control characters are refused (tab, newline and CR allowed in a
        ``multiline`` one), as in the forms (eoffice/inputs.py)."""
        value = self.data.get(name)
        if value is None or value == "":
            self._missing(name, required)
            return default
        if not isinstance(value, str):
            self.errors[name] = str(_l("Must be text."))
            return default
        if len(value) > max_length:
            self.errors[name] = str(_l("At most %(n)d characters.", n=max_length))
            return default
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.invalid[name] = str(_l("Must be valid text (UTF-8)."))
            return default
        if has_control_characters(value, multiline=multiline):
            self.invalid[name] = str(CONTROL_MESSAGE)
            return default
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, default: int | None = None) -> int | None:
        value = self.data.get(name)
        if value is None:
            self._missing(name, required)
            return default
        if self._empty(name, value):
            return default
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 19:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = str(_l("Must be a whole number."))
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.errors[name] = str(_l("Must be between %(a)s and %(b)s.",
                                       a=minimum if minimum is not None else "-",
                                       b=maximum if maximum is not None else "-"))
            return default
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        self.errors[name] = str(_l("Must be true or false."))
        return default

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.data.get(name)
        if value is None:
            return self._missing(name, required)
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.errors[name] = str(_l("Must be a date (YYYY-MM-DD)."))
            return None

    def choice(self, name: str, choices, *, default: str = "", required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            self._missing(name, required)
            return default
        if value not in choices:
            self.errors[name] = str(_l("Must be one of: %(c)s.", c=", ".join(choices)))
            return default
        return value

    def int_list(self, name: str, *, max_items: int = 100) -> list[int]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > max_items or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in value):
            self.errors[name] = str(_l("Must be a list of ids."))
            return []
        return list(value)

    def check(self) -> None:
        if self.errors:
            raise ApiError(400, "invalid_request", str(_l("Some fields are wrong.")),
                           {**self.invalid, **self.errors})
        if self.invalid:
            raise ApiError(self.invalid_status, "validation_failed",
                           str(_l("Some fields are wrong.")), dict(self.invalid))


def json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", str(_l("Send a JSON object.")),
                       {"body": str(_l("Send a JSON object (Content-Type: application/json)."))})
    return data


def query_fields(*allowed: str) -> Fields:
    """Query arguments as Fields: each known argument once; an unknown one is refused
    (a misspelt filter would otherwise silently return everything)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in request.args:
        values = request.args.getlist(key)
        if key not in allowed:
            errors[key[:50]] = str(_l("Unknown parameter."))
        elif len(values) > 1:
            errors[key] = str(_l("Give this argument once."))
        data[key] = values[0]
    return Fields(data, errors, invalid_status=400)


# --- Lists -----------------------------------------------------------------------------

def page_args(fields: Fields) -> tuple[int, int]:
    limit = current_app.config["API_MAX_PER_PAGE"]
    page = fields.integer("page", minimum=1, maximum=1_000_000, default=1)
    per_page = fields.integer("per_page", minimum=1, maximum=limit,
                              default=min(current_app.config["PER_PAGE"], limit))
    return page or 1, per_page or 25


def page_body(query: sa.Select, fields: Fields, serialize) -> dict:
    """A page of ``query``: items, page, per_page, total, pages and links."""
    page, per_page = page_args(fields)
    fields.check()
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    pages = pagination.pages

    def link(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k != "page"}
        return url_for(request.endpoint, **(request.view_args or {}), **args, page=number)

    links = {"self": link(page), "first": link(1), "last": link(max(pages, 1)),
             "next": link(page + 1) if page < pages else None,
             "prev": link(min(page - 1, max(pages, 1))) if page > 1 else None}
    return {"items": [serialize(item) for item in pagination.items], "page": page,
            "per_page": per_page, "total": pagination.total or 0, "pages": pages,
            "links": links}


def cursor_arg(fields: Fields):
    """The ``cursor`` argument: a cursor an earlier answer gave, or None. A cursor this
    API did not give (edited, truncated) starts from the first page, as on the web
    pages; clients only ever follow ``links.next``."""
    from eoffice import paging

    text = fields.text("cursor", max_length=paging.MAX_CURSOR_LENGTH)
    return paging.decode_cursor(text) if text else None


def keyset_args(fields: Fields):
    """(cursor, per_page) of a list paged by keys; errors are collected in ``fields``."""
    limit = current_app.config["API_MAX_PER_PAGE"]
    per_page = fields.integer("per_page", minimum=1, maximum=limit,
                              default=min(current_app.config["PER_PAGE"], limit))
    return cursor_arg(fields), per_page or 25


def keyset_body(page, serialize) -> dict:
    """A page of a list paged by keys: items, per_page, total (or more_than), the
    cursors and links. There is no page number: follow ``links.next``."""

    def link(cursor: str | None) -> str:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        if cursor:
            args["cursor"] = cursor
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    return {"items": [serialize(item) for item in page.items], "per_page": page.per_page,
            "total": page.total, "more_than": page.more_than,
            "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor,
            "links": {"self": link(request.args.get("cursor")), "first": link(None),
                      "next": link(page.next_cursor) if page.next_cursor else None,
                      "prev": link(page.prev_cursor) if page.prev_cursor else None}}


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def principal_summary(principal, token: ApiToken) -> dict:
    return {
        "token": {"id": token.id, "name": token.name, "kind": token.kind,
                  "scopes": list(token.scopes or []), "prefix": token.prefix},
        "user": None if token.kind == "system" else {
            "id": principal.id, "username": principal.username,
            "full_name": principal.full_name, "roles": sorted(principal.role_names)},
        "permissions": permissions_summary(principal),
    }


def may(principal, permission: str) -> bool:
    return can(principal, permission)
