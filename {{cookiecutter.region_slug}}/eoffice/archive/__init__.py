"""Archive rules: classification codes (klasifikasi arsip) and their retention, and the
berkas letters are filed into (pemberkasan)."""

from flask import Blueprint

bp = Blueprint("archive", __name__, template_folder="templates", url_prefix="/admin/klasifikasi")
# The pickers' search, for every signed-in user (not only the administrators).
search_bp = Blueprint("classification", __name__, url_prefix="/klasifikasi")
# Pemberkasan (the blueprint ``records``) lives in ``eoffice.archive.berkas_views``: its
# rules read letters, and letters read classification codes from this package, so it is
# imported only when the blueprints are registered.

from eoffice.archive import views  # noqa: E402,F401
