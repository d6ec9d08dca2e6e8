"""Example local plugin: a staff-per-unit recap page with its own navigation item.

It shows the three things most local features need: a page (blueprint), an
entry in the navigation, and a permission given to a role. It uses only
``eoffice.plugins.toolkit``. Its strings are translated in the region's own catalog,
local/translations (``bash scripts/i18n.sh --local``; see docs/dev/translations.md).
"""

from eoffice.plugins.toolkit import (
    Blueprint,
    NavItem,
    hookimpl,
    lazy_gettext,
    permission_required,
    render_template,
    staff_counts_by_unit,
)

bp = Blueprint("example", __name__, url_prefix="/lokal/rekap-pegawai",
               template_folder="templates")


@bp.route("/")
@permission_required("local.example.view")
def recap():
    rows = staff_counts_by_unit()
    return render_template("example/recap.html", rows=rows, total=sum(r[2] for r in rows))


@hookimpl
def eoffice_blueprints(app):
    return [bp]


@hookimpl
def eoffice_nav_items(user):
    return [NavItem(str(lazy_gettext("Staff recap")), "example.recap", "bar-chart",
                    "local.example.view", 100)]


@hookimpl
def eoffice_permissions():
    return {"admin": {"local.example.view"}, "pimpinan": {"local.example.view"}}
