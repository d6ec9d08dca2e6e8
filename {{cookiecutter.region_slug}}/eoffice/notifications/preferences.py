"""Each user's notification choices: which events come by e-mail, and quiet hours."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice.events import EVENTS
from eoffice.extensions import db
from eoffice.notifications.models import NotificationPreference

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

#: The events a user may choose to receive by e-mail, with the label the settings page shows.
EVENT_LABELS = {
    "letter_registered": _l("A letter is addressed to my position"),
    "copy_received": _l("A copy (tembusan) reaches my position"),
    "disposition_received": _l("A disposition reaches my position"),
    "disposition_returned": _l("My disposition report is sent back"),
    "disposition_due_soon": _l("A disposition of mine is due soon"),
    "disposition_overdue": _l("A disposition of mine is overdue"),
    "draft_awaiting_paraf": _l("A draft waits for my paraf"),
    "draft_awaiting_signature": _l("A draft waits for my signature"),
    "draft_returned": _l("My draft is returned"),
    "letter_signed": _l("My letter is signed"),
    "letter_sent": _l("My letter is sent"),
    "exchange_received": _l("A letter from another region waits to be accepted"),
}


class PreferenceError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Preferences:
    email_enabled: bool = True
    email_events: frozenset[str] = frozenset(EVENTS)
    quiet_start: str | None = None
    quiet_end: str | None = None
    whatsapp_enabled: bool = False  # a personal phone: only when the user asks for it
    whatsapp_events: frozenset[str] = frozenset(EVENTS)
    digest_enabled: bool = False

    def wants_email(self, event: str) -> bool:
        return self.email_enabled and event in self.email_events

    def wants_whatsapp(self, event: str) -> bool:
        return self.whatsapp_enabled and event in self.whatsapp_events


def _from_row(row: NotificationPreference) -> Preferences:
    known = set(EVENTS)
    return Preferences(row.email_enabled, frozenset(row.email_events or ()) & known,
                       row.quiet_start, row.quiet_end, row.whatsapp_enabled,
                       frozenset(row.whatsapp_events or ()) & known, row.digest_enabled)


def preferences_of(user) -> Preferences:
    """The user's choices, or the defaults (every event by e-mail, no WhatsApp, no quiet
    hours)."""
    row = db.session.get(NotificationPreference, user.id)
    return Preferences() if row is None else _from_row(row)


def preferences_for(user_ids: list[int]) -> dict[int, Preferences]:
    """Choices of several users in one query (users without a row get the defaults)."""
    import sqlalchemy as sa

    rows = db.session.scalars(sa.select(NotificationPreference).where(
        NotificationPreference.user_id.in_(user_ids))) if user_ids else []
    found = {row.user_id: _from_row(row) for row in rows}
    return {user_id: found.get(user_id, Preferences()) for user_id in user_ids}


def save_preferences(user, *, email_enabled: bool, email_events: list[str],
                     quiet_start: str | None, quiet_end: str | None,
                     whatsapp_enabled: bool = False,
                     whatsapp_events: list[str] | None = None,
                     digest_enabled: bool = False) -> NotificationPreference:
    """Store the user's choices; PreferenceError (field -> message) for bad input."""
    quiet_start, quiet_end = (quiet_start or "").strip() or None, (quiet_end or "").strip() or None
    errors = {}
    for name, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if value is not None and not TIME_RE.match(value):
            errors[name] = str(_l("Write the time as HH:MM, e.g. 21:00."))
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end"] = str(_l("Give both the start and the end of the quiet hours, "
                                     "or neither."))
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = str(_l("The quiet hours must end at another time than they "
                                     "start."))
    whatsapp_events = list(EVENTS) if whatsapp_events is None else whatsapp_events
    for name, chosen in (("email_events", email_events), ("whatsapp_events", whatsapp_events)):
        if set(chosen) - set(EVENTS):
            errors[name] = str(_l("Unknown event."))
    if errors:
        raise PreferenceError(errors)
    row = db.session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id)
        db.session.add(row)
    row.email_enabled = email_enabled
    row.email_events = [event for event in EVENTS if event in set(email_events)]
    row.whatsapp_enabled, row.digest_enabled = whatsapp_enabled, digest_enabled
    row.whatsapp_events = [event for event in EVENTS if event in set(whatsapp_events)]
    row.quiet_start, row.quiet_end = quiet_start, quiet_end
    return row


def in_quiet_hours(preferences: Preferences, now: dt.datetime | None = None) -> bool:
    """Whether ``now`` (UTC, naive or aware) falls in the quiet hours, read in the
    region's timezone; a window such as 21:00-06:00 passes midnight."""
    if not (preferences.quiet_start and preferences.quiet_end):
        return False
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    local = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%H:%M")
    start, end = preferences.quiet_start, preferences.quiet_end
    if start < end:
        return start <= local < end
    return local >= start or local < end
