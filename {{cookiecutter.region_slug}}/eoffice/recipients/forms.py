from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.forms import Form, SelectMultipleField


class GroupForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    position_ids = SelectMultipleField(_l("Positions"), choices=[], coerce=int)
    active = BooleanField(_l("Active"), default=True)


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=255)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("Active"), default=True)
