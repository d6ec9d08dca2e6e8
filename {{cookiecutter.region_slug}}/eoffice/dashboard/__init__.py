"""The dashboard: each user's counters and queues, contributed through hooks."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates")

from eoffice.dashboard import views  # noqa: E402,F401
