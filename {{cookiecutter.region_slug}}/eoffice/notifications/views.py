"""The notification centre's pages: the list, opening one, marking as read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eoffice import paging
from eoffice.extensions import db
from eoffice.notifications import bp, preferences, services
from eoffice.notifications.forms import SettingsForm


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


@bp.route("/pengaturan", methods=["GET", "POST"])
@login_required
def settings():
    """Which notifications come by e-mail, and quiet hours."""
    from eoffice.notifications.mail import configured
    from eoffice.notifications.whatsapp import configured as whatsapp_configured
    from eoffice.notifications.whatsapp import phone_of

    form = SettingsForm()
    choices = [(k, str(v)) for k, v in preferences.EVENT_LABELS.items()]
    form.email_events.choices = form.whatsapp_events.choices = choices
    if request.method == "GET":
        current = preferences.preferences_of(current_user)
        form.email_enabled.data = current.email_enabled
        form.email_events.data = sorted(current.email_events)
        form.digest_enabled.data = current.digest_enabled
        form.whatsapp_enabled.data = current.whatsapp_enabled
        form.whatsapp_events.data = sorted(current.whatsapp_events)
        form.quiet_start.data, form.quiet_end.data = current.quiet_start, current.quiet_end
    elif form.validate():
        whatsapp = (form.whatsapp_enabled.data, form.whatsapp_events.data or [])
        if not whatsapp_configured():  # the fields are not shown: keep what was chosen
            kept = preferences.preferences_of(current_user)
            whatsapp = (kept.whatsapp_enabled, sorted(kept.whatsapp_events))
        try:
            preferences.save_preferences(
                current_user, email_enabled=form.email_enabled.data,
                email_events=form.email_events.data or [], quiet_start=form.quiet_start.data,
                quiet_end=form.quiet_end.data, whatsapp_enabled=whatsapp[0],
                whatsapp_events=whatsapp[1], digest_enabled=form.digest_enabled.data)
        except preferences.PreferenceError as exc:
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            flash(_("Notification settings saved."), "success")
            return redirect(url_for("notifications.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("notifications/settings.html", form=form,
                           email_configured=configured(),
                           has_address=bool(current_user.email),
                           whatsapp_configured=whatsapp_configured(),
                           has_phone=phone_of(current_user) is not None), status
