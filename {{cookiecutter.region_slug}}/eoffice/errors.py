"""Error pages: user input never produces a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from eoffice.extensions import db
from eoffice.inputs import JSON_ENDPOINTS, UnsafeText

# Machine clients (the REST API, other regions' apps) get errors as JSON, never a page.
JSON_PREFIXES = ("/api/v1/", "/exchange/v1/")


def _json_error(code: int, message: str, headers=None):
    names = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 500: "server_error"}
    return jsonify({"error": names.get(code, "error"), "message": str(message)}), code, \
        headers or {}


def init_app(app: Flask) -> None:
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
