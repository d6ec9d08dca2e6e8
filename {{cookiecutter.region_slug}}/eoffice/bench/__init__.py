"""The benchmark: a region's ten years of letters, and how fast the pages answer.

``flask eoffice bench seed`` fills a separate database (``eoffice.bench.seed``),
``flask eoffice bench run`` starts the app under gunicorn as deployed on it and times
the daily pages for four kinds of users (``eoffice.bench.runner``), ``flask eoffice
bench all`` does both. See docs/dev/performance.md.

The blueprint holds one bare route (no database, no session) that the runner compares
the letter list's throughput with; it is registered only when ``BENCHMARK_ROUTE`` is
on (the runner turns it on for its own gunicorn).
"""

from flask import Blueprint

bp = Blueprint("bench", __name__, url_prefix="/_bench")

from eoffice.bench import views  # noqa: E402,F401
