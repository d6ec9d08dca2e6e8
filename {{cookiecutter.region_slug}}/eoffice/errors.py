"""Error pages: user input never produces a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from eoffice.extensions import db
from eoffice.inputs import JSON_ENDPOINTS, UnsafeText

# Machine clients (the REST API, other regions' apps) get errors as JSON, never a page.
JSON_PREFIXES = ("/api/v1/", "/exchange/v1/")


def _json_error(code: int, message: str, headers=None):
    names = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 500: "server_error", 503: "busy"}
    return jsonify({"error": names.get(code, "error"), "message": str(message)}), code, \
        headers or {}


# SQLite's "busy"/"locked" result codes; PostgreSQL's lock_not_available, deadlock_detected,
# serialization_failure and query_canceled (lock_timeout / statement_timeout, when set).
SQLITE_BUSY_CODES = frozenset({5, 6})
POSTGRES_BUSY_STATES = frozenset({"55P03", "40P01", "40001", "57014"})
RETRY_AFTER_SECONDS = 5


def database_busy(error: OperationalError) -> bool:
    """The database was held by other writers longer than this request would wait: a
    moment's congestion (try again), not a fault of the request or of the code."""
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in SQLITE_BUSY_CODES
    if getattr(original, "sqlstate", None) in POSTGRES_BUSY_STATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database table is locked" in text


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def _busy(error: OperationalError):
        if not database_busy(error):
            raise error  # a real fault: logged with its traceback, the 500 page below
        db.session.rollback()
        app.logger.warning("Database busy on %s %s: %s", request.method, request.path,
                           str(error.orig).splitlines()[0][:200])
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        message = _("The database is busy with other changes. Nothing was saved: wait a "
                    "few seconds and try again.")
        if request.path.startswith(JSON_PREFIXES):
            return _json_error(503, message, headers)
        return render_template("error.html", code=503, title=_("The database is busy"),
                               message=message), 503, headers

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("error.html", code=400, title=_("The form expired"),
                               message=_("The page was open too long or was sent twice. "
                                         "Go back, reload the page and try again.")), 400

    @app.errorhandler(UnsafeText)
    def _unsafe_text(error: UnsafeText):
        # Refused as a statement was about to run: the session's work is void.
        db.session.rollback()
        if request.path.startswith(JSON_PREFIXES):
            return _json_error(400, error.description)
        return render_template("error.html", code=400, title=_("Bad request"),
                               message=error.description), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        # This request's own limit: JSON bodies have a smaller one (eoffice/inputs.py).
        limit = (request.max_content_length or app.config["MAX_CONTENT_LENGTH"]) // (1024 * 1024)
        if request.path.startswith(JSON_PREFIXES):
            if request.is_json or request.endpoint in JSON_ENDPOINTS:
                return _json_error(413, _("A JSON body may be at most %(n)d MB.", n=limit))
            return _json_error(413, _("Uploads may be at most %(n)d MB.", n=limit))
        return render_template("error.html", code=413, title=_("File too large"),
                               message=_("Uploads may be at most %(n)d MB.", n=limit)), 413

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if request.path.startswith(JSON_PREFIXES):
            allow = getattr(error, "valid_methods", None)
            return _json_error(error.code or 500, error.description or error.name,
                               {"Allow": ", ".join(allow)} if allow else None)
        titles = {403: _("Not allowed"), 404: _("Not found"), 405: _("Not allowed"),
                  400: _("Bad request")}
        messages = {403: _("You do not have access to this page."),
                    404: _("The page or record does not exist, or you may not see it.")}
        return render_template("error.html", code=error.code,
                               title=titles.get(error.code, error.name),
                               message=messages.get(error.code, error.description)), error.code

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        app.logger.error("Server error on %s", request.path)
        if request.path.startswith(JSON_PREFIXES):
            return _json_error(500, _("Something went wrong"))
        return render_template("error.html", code=500, title=_("Something went wrong"),
                               message=_("The error has been logged. Please try again or "
                                         "contact the administrator.")), 500
