"""The notification centre's pages: the list, opening one, marking as read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eoffice import paging
from eoffice.extensions import db
from eoffice.notifications import bp, services


@bp.route("/")
@login_required
def index():
    unread_only = request.args.get("tampil") == "belum-dibaca"
    page = services.page_of(current_user, cursor=paging.cursor_arg(),
                            per_page=paging.per_page_arg(), unread_only=unread_only)
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           describe=services.describe)


def _own(notification_id: int):
    item = services.own_notification(notification_id, current_user)
    if item is None:
        abort(404)
    return item


@bp.route("/<int:notification_id>/buka", methods=["POST"])
@login_required
def open_item(notification_id: int):
    """Mark it read and go to the letter (whose own page decides who may see it)."""
    item = _own(notification_id)
    services.mark_read(item)
    target = services.target_url(item)
    db.session.commit()
    return redirect(target)


@bp.route("/<int:notification_id>/baca", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    services.mark_read(_own(notification_id))
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.route("/baca-semua", methods=["POST"])
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(n)s notifications marked as read.", n=count) if count
          else _("No unread notifications."), "success")
    return redirect(url_for("notifications.index"))
