from pathlib import Path

from flask import current_app, render_template, send_file
from flask_login import current_user

from eoffice.dashboard import bp
from eoffice.pagecache import cached_page
from eoffice.security import permission_required
from eoffice.ui import dashboard_cards


@bp.route("/")
@permission_required("dashboard.view")
@cached_page
def index():
    from eoffice.org.acting import current_for

    return render_template("dashboard/index.html", cards=dashboard_cards(current_user),
                           acting=current_for(current_user))


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
