from flask import Response

from eoffice.bench import bp


@bp.route("/ok")
def ok():
    """The smallest answer the app can give: the baseline of the throughput test."""
    return Response("ok", mimetype="text/plain")
