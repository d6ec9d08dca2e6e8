"""Numbering series (seri penomoran): which counter and pattern number a document.

Every OPD can be its own office for numbering: the agenda book of incoming letters
and the numbers of outgoing letters come from series kept as data, managed by
administrators, with defaults created from region.toml.
"""

from flask import Blueprint

bp = Blueprint("series", __name__, template_folder="templates", url_prefix="/admin/penomoran")

from eoffice.series import views  # noqa: E402,F401
