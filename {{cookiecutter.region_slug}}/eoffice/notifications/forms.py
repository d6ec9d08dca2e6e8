"""The notification settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from eoffice.forms import Form, MultiCheckboxField


class SettingsForm(Form):
    email_enabled = BooleanField(_l("Send me notifications by e-mail"))
    email_events = MultiCheckboxField(_l("By e-mail, when"), choices=[])
    digest_enabled = BooleanField(
        _l("Send me a daily digest of what is still unread"),
        description=_l("One e-mail each working morning, only when something is unread."))
    whatsapp_enabled = BooleanField(_l("Send me notifications by WhatsApp"),
                                    description=_l("To the phone number of your staff record."))
    whatsapp_events = MultiCheckboxField(_l("By WhatsApp, when"), choices=[])
    quiet_start = StringField(_l("Quiet hours from"), validators=[Length(max=5)],
                              description=_l("HH:MM, e.g. 21:00; empty: no quiet hours."))
    quiet_end = StringField(_l("Quiet hours until"), validators=[Length(max=5)],
                            description=_l("HH:MM, e.g. 06:00. Messages wait until then."))
