from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from eoffice.inputs import CONTROL_MESSAGE, page_arg, text_arg
from eoffice.search import bp, services
from eoffice.search.index import sources
from eoffice.search.text import parse
from eoffice.security import can

MAX_QUERY = 200


@bp.route("/")
@login_required
def index():
    if not (can(current_user, "letters.view") or can(current_user, "outgoing.view")):
        abort(403)
    text = text_arg("q", MAX_QUERY)
    refused = text is None  # a control character: said on the page, nothing searched
    text = text or ""
    kinds = {s.name: s for s in sources()}
    kind = request.args.get("jenis") if request.args.get("jenis") in kinds else ""
    per_page = 20
    last_page = max(1, services.NARROW // per_page)
    page = page_arg()
    page = min(max(page, 1), last_page)
    query = None if refused else parse(text)
    results = None
    if query is not None:
        results = services.search(query, current_user, names=[kind] if kind else None,
                                  page=page, per_page=per_page)
    return render_template("search/index.html", text=text, query=query, results=results,
                           kind=kind, kinds=kinds, narrow=services.NARROW, refused=refused,
                           control_message=CONTROL_MESSAGE,
                           window=services.WINDOW)
