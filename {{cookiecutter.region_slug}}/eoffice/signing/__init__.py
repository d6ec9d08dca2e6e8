"""Electronic signatures (issue 10): the region CA, officials' certificates, PAdES signing."""

from flask import Blueprint

bp = Blueprint("signing", __name__, template_folder="templates")

from eoffice.signing import views  # noqa: E402,F401 - registers the routes
