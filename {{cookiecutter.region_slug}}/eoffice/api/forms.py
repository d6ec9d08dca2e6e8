import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.api.models import SCOPES
from eoffice.forms import Form, MultiCheckboxField

SCOPE_LABELS = {
    "letters:read": _l("Read incoming letters (B and T only)"),
    "outgoing:read": _l("Read signed outgoing letters (B and T only)"),
    "staff:read": _l("Read all staff records"),
    "staff:write": _l("Import staff records"),
    "org:read": _l("Read the organisation and classification codes"),
}


class _TokenForm(Form):
    name = StringField(_l("Name (what uses the token)"), validators=[DataRequired(),
                                                                     Length(max=100)])
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()])

    def expires_at_utc(self) -> dt.datetime | None:
        """The end of the chosen day in the region's timezone, in UTC."""
        if not self.expires_on.data:
            return None
        from zoneinfo import ZoneInfo

        from flask import current_app

        local = dt.datetime.combine(self.expires_on.data, dt.time(23, 59, 59),
                                    tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
        return local.astimezone(dt.UTC).replace(tzinfo=None)


class PersonalTokenForm(_TokenForm):
    pass


class SystemTokenForm(_TokenForm):
    scopes = MultiCheckboxField(_l("Scopes"), choices=[(s, SCOPE_LABELS[s]) for s in SCOPES],
                                validators=[DataRequired()])
