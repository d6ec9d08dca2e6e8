"""Notifications (pemberitahuan): the in-app notification centre, fed by domain events."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates",
               url_prefix="/pemberitahuan")

from eoffice.notifications import views  # noqa: E402,F401
