"""Incoming letters (surat masuk): registration, reading, lists, agenda book."""

from flask import Blueprint

bp = Blueprint("letters", __name__, template_folder="templates", url_prefix="/surat-masuk")

from eoffice.letters import views  # noqa: E402,F401
