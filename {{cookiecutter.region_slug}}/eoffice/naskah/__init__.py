"""Naskah types (jenis naskah dinas, Permendagri 1/2023) and who may sign them.

Which kinds of letters an office writes, the code each puts in its numbers, the OPDs
that use it, and the signing-authority table (which positions may sign which type, in
their own name or a.n./u.b.) are data, managed by administrators.
"""

from flask import Blueprint

bp = Blueprint("naskah", __name__, template_folder="templates", url_prefix="/admin/naskah")

from eoffice.naskah import views  # noqa: E402,F401
