"""Archive rules: classification codes (klasifikasi arsip) and their retention, and the
berkas letters are filed into (pemberkasan)."""

from flask import Blueprint

bp = Blueprint("archive", __name__, template_folder="templates", url_prefix="/admin/klasifikasi")
# The pickers' search, for every signed-in user (not only the administrators).
search_bp = Blueprint("classification", __name__, url_prefix="/klasifikasi")
# Pemberkasan: the daftar berkas, daftar isi berkas, filing letters.
records_bp = Blueprint("records", __name__, template_folder="templates",
                       url_prefix="/pemberkasan")

from eoffice.archive import berkas_views, views  # noqa: E402,F401
