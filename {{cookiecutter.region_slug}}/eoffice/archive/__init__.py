"""Archive rules: classification codes (klasifikasi arsip) and their retention."""

from flask import Blueprint

bp = Blueprint("archive", __name__, template_folder="templates", url_prefix="/admin/klasifikasi")
# The pickers' search, for every signed-in user (not only the administrators).
search_bp = Blueprint("classification", __name__, url_prefix="/klasifikasi")

from eoffice.archive import views  # noqa: E402,F401
