"""The address book of outgoing letters: recipient groups and external contacts.

Administrators keep groups of positions (all OPD heads, all camat, a committee) and
the agencies letters often go to; the draft form finds them, with positions and
units, in a type-to-search picker (``/surat-keluar/penerima/cari``).
"""

from flask import Blueprint

bp = Blueprint("recipients", __name__, template_folder="templates")

from eoffice.recipients import views  # noqa: E402,F401
