"""Organisation: units and positions (jabatan) in a tree."""

from flask import Blueprint

bp = Blueprint("org", __name__, template_folder="templates", url_prefix="/organisasi")

from eoffice.org import views  # noqa: E402,F401
