"""REST API: /api/v1 with token authentication, its OpenAPI document and reference page,
and the pages where users and administrators make and revoke tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
ui_bp = Blueprint("api_ui", __name__, template_folder="templates")

from eoffice.api import views  # noqa: E402,F401
