"""Dispositions (disposisi): routing a letter down the organisation tree."""

from flask import Blueprint

bp = Blueprint("dispositions", __name__, template_folder="templates", url_prefix="/disposisi")

from eoffice.dispositions import views  # noqa: E402,F401
