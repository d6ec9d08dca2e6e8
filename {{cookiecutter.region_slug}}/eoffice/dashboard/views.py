from pathlib import Path

from flask import current_app, render_template, send_file
from flask_babel import format_date
from flask_login import current_user

from eoffice.dashboard import bp, services
from eoffice.pagecache import cached_page
from eoffice.security import can, permission_required
from eoffice.ui import dashboard_cards


@bp.route("/")
@permission_required("dashboard.view")
@cached_page
def index():
    from eoffice.org.acting import current_for

    role = services.dashboard_role(current_user)
    first, others = services.arrange(dashboard_cards(current_user), role)
    return render_template("dashboard/index.html", role=role, first=first, cards=others,
                           acting=current_for(current_user), chart=_weeks_chart(role),
                           recent=_recent(current_user))


def _weeks_chart(role: str) -> dict | None:
    """A head's letters in and out per week: what they would rather look at than read."""
    if role != "pimpinan":
        return None
    from eoffice.letters.services import today_local

    weeks = services.letters_per_week(current_user, today_local())
    chart = services.bar_chart(
        [(format_date(w.start, "d MMM"), {"incoming": w.incoming, "outgoing": w.outgoing})
         for w in weeks], ("incoming", "outgoing"))
    return {"weeks": weeks, "chart": chart}


def _recent(user) -> dict | None:
    """A few letters to open at once: a clerk's latest registered, anyone else's unread."""
    if not can(user, "letters.view"):
        return None
    from eoffice.letters.services import LetterFilter, letter_page

    queue = "registered_by_me" if can(user, "letters.register") else "to_read"
    page = letter_page(LetterFilter(queue=queue), user, per_page=5, count=False)
    return {"queue": queue, "letters": page.items}


@bp.route("/tentang")
def about():
    from eoffice.plugins.manager import loaded_plugins
    from eoffice.version import __version__

    return render_template("dashboard/about.html", version=__version__,
                           plugins=loaded_plugins(current_app) if current_user.is_authenticated
                           else [])


def logo_file() -> Path:
    """The region's logo from region.toml, or the built-in emblem."""
    configured = current_app.config["REGION_LOGO"]
    if configured:
        path = Path(current_app.config["REGION_TOML_PATH"]).parent / configured
        if path.is_file() and path.suffix.lower() in (".png", ".svg", ".jpg", ".jpeg"):
            return path
    return Path(current_app.static_folder) / "img" / "emblem.svg"


@bp.route("/logo")
def logo():
    """The logo; its URL carries the file's content hash (eoffice/assets.py), which
    also sets how long browsers keep it."""
    return send_file(logo_file())
