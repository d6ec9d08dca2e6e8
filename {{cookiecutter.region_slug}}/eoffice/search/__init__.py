"""Full-text search over incoming and outgoing letters, disposition notes and the
text of attachments, ranked, with the access rule inside every query."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates", url_prefix="/cari")

from eoffice.search import views  # noqa: E402,F401
