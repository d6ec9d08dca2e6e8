"""Staff records (kepegawaian): list, detail, edit, import and export."""

from flask import Blueprint

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/pegawai")

from eoffice.staff import views  # noqa: E402,F401
