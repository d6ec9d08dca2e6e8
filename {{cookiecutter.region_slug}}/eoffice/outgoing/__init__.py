"""Outgoing letters (surat keluar, nota dinas): draft, paraf, sign, number, send."""

from flask import Blueprint

bp = Blueprint("outgoing", __name__, template_folder="templates", url_prefix="/surat-keluar")
verify_bp = Blueprint("verify", __name__, template_folder="templates")

from eoffice.outgoing import views  # noqa: E402,F401
