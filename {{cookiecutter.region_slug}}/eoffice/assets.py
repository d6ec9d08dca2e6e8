"""Static assets: URLs that carry a content hash, cached for a year; compressed.

Every URL the app builds for a file it serves as is (the core's ``static``,
Bootstrap-Flask's ``bootstrap.static``, any blueprint's ``<name>.static``, the
region's logo) gets ``?v=<hash>``: the first 12 hex digits of the SHA-256 of the
file's content. A changed file therefore has a new URL, and an unchanged one can be
kept by browsers without asking again:

- a request whose ``v`` is the file's current hash is answered with
  ``Cache-Control: public, max-age=31536000, immutable``;
- without ``v``, or with an old one (a page rendered before an update), with a
  short cache (an hour), revalidated afterwards with ETag / Last-Modified.

nginx (deploy/nginx.conf) serves ``/static/`` from disk with the same headers and
passes the others (Bootstrap's files, the logo) on to the app.

Compression (gzip, or brotli when the browser accepts it) is Flask-Compress's,
configured in ``config.py`` for CSS, JavaScript and SVG only: pages and API answers
stay uncompressed, because a compressed response that holds a secret (a CSRF token)
next to text an attacker chose can leak the secret (BREACH).

Asset responses never carry the session (auth/sessions.py asks ``is_asset_endpoint``):
no cookie, and no ``Vary: Cookie``, which would make browsers keep a separate copy
per value of the session cookie.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
HASH_LENGTH = 12

# path -> (mtime_ns, size, hash): a file is hashed again only when it changed on disk.
_hashes: dict[str, tuple[int, int, str]] = {}


def content_hash(path: Path | str) -> str:
    """The short SHA-256 of a file's content, as put in its URL."""
    key = os.fspath(path)
    stat = os.stat(key)
    known = _hashes.get(key)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(key, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()[:HASH_LENGTH]
    _hashes[key] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def is_asset_endpoint(endpoint: str | None) -> bool:
    """Whether ``endpoint`` serves a file as it is (see the module's docstring)."""
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static")
                               or endpoint == "dashboard.logo")


def asset_file(endpoint: str, values: dict) -> Path | None:
    """The file that the URL of ``endpoint`` with ``values`` serves, if it exists."""
    if endpoint == "dashboard.logo":
        from eoffice.dashboard.views import logo_file

        path = logo_file()
    else:
        if endpoint == "static":
            folder = current_app.static_folder
        else:
            blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
            folder = blueprint.static_folder if blueprint else None
        filename = values.get("filename")
        joined = safe_join(folder, filename) if folder and filename else None
        if joined is None:
            return None
        path = Path(joined)
    return path if path.is_file() else None


def add_content_hash(endpoint: str, values: dict) -> None:
    """``url_for`` default: ``v=<content hash>`` for the URL of an asset file."""
    if "v" in values or not is_asset_endpoint(endpoint):
        return
    path = asset_file(endpoint, values)
    if path is not None:
        values["v"] = content_hash(path)


def set_cache_headers(response):
    """A year for the current hash, an hour otherwise (see the module's docstring)."""
    if not is_asset_endpoint(request.endpoint) or response.status_code not in (200, 304):
        return response
    if response.is_streamed and hasattr(response.response, "close"):
        # Flask-Compress (whose hook runs after this one) replaces a file's body by a
        # compressing generator and leaves the file open: close it with the response.
        response.call_on_close(response.response.close)
    wanted = request.args.get("v")
    path = asset_file(request.endpoint, request.view_args or {}) if wanted else None
    current = path is not None and content_hash(path) == wanted
    response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
    response.headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_content_hash)
    app.after_request(set_cache_headers)
