"""Letters between regions' apps: peers and keys, signed deliveries with retries,
the receiving endpoint, and the inbox where a clerk accepts or rejects what came in."""

from flask import Blueprint

bp = Blueprint("exchange", __name__, template_folder="templates", url_prefix="/pertukaran")
# The machine-to-machine endpoint: signed requests, no session, no CSRF token.
endpoint_bp = Blueprint("exchange_endpoint", __name__, url_prefix="/exchange/v1")

from eoffice.exchange import views  # noqa: E402,F401
