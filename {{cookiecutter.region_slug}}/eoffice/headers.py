"""Security headers of every response: what the browser may load, frame, cache and use.

- **Content-Security-Policy** on every HTML page: scripts, styles, fonts and frames
  from this app only; no inline script at all, no inline style except a
  ``<style nonce="{{ csp_nonce() }}">`` block (base.html's region colours), no
  plugins, no ``<base>`` elsewhere, forms posted here only, framed only by this app
  (letters/detail.html frames a letter's own PDF). Images also as ``data:`` URLs,
  which Bootstrap's stylesheet uses for its small icons. Templates therefore hold
  no ``<script>`` body, ``style="..."`` attribute or ``on...=`` handler: behaviour
  lives in ``static/js``, looks in ``static/css`` (docs/dev/security-headers.md).
  JSON answers of the API and the exchange get ``default-src 'none'``.
- **Cache-Control: no-store** on every answer that is not an asset: pages, letters,
  downloads, API data and error pages alike hold what only the signed-in user may
  see, and must not stay in a shared computer's browser cache or a proxy. A view
  that set its own Cache-Control keeps it; assets keep theirs (``eoffice.assets``).
- X-Content-Type-Options, X-Frame-Options, Referrer-Policy and Permissions-Policy on
  every response.
- **Strict-Transport-Security** (one year) on every answer that came over HTTPS, so a
  browser that has seen the site once never sends a password or cookie over plain
  HTTP again. Not on plain HTTP (browsers ignore it there; a development server stays
  reachable); without ``includeSubDomains``, which is the domain owner's call (other
  sites of a region's domain may not have HTTPS yet: docs/it/install.md).
"""

from __future__ import annotations

import secrets

from flask import Flask, has_request_context, request

from eoffice.assets import is_asset_endpoint

# The policy of HTML pages; the style nonce is added per response when a page used it.
PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Powerful browser features the app never uses, refused to every page and frame.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb"))
NO_STORE = "no-store"


NONCE_KEY = "eoffice.csp_nonce"


def csp_nonce() -> str:
    """The nonce of this response's policy (made on first use): ``<style nonce=...>``.
    Kept with the request, not in ``g``, whose app context may serve several requests
    (tests, a PDF rendered inside a request); outside a request there is no policy."""
    if not has_request_context():
        return ""
    return request.environ.setdefault(NONCE_KEY, secrets.token_urlsafe(18))


HSTS = "max-age=31536000"


def page_policy(nonce: str | None = None) -> str:
    directives = dict(PAGE_POLICY)
    if nonce:
        directives["style-src"] += f" 'nonce-{nonce}'"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def set_security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = page_policy(request.environ.get(NONCE_KEY))
    elif response.mimetype == "application/json":
        response.headers.setdefault("Content-Security-Policy", JSON_POLICY)
    if not is_asset_endpoint(request.endpoint):
        response.headers.setdefault("Cache-Control", NO_STORE)
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
