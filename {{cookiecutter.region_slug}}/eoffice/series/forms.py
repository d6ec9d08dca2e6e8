from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.forms import Form, MultiCheckboxField, SelectField
from eoffice.inputs import optional_id

SCOPE_CHOICES = [("region", _l("The whole region")), ("opd", _l("One OPD")),
                 ("unit", _l("One unit (and the units below it)"))]


class SeriesForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    scope = SelectField(_l("Scope"), choices=SCOPE_CHOICES, default="region")
    unit_id = SelectField(_l("OPD or unit"), choices=[], coerce=optional_id,
                          description=_l("For the scope One OPD or One unit."))
    kinds = MultiCheckboxField(_l("Numbers these documents"), choices=[])
    classification_codes = StringField(
        _l("Only these classification codes"), validators=[Optional(), Length(max=500)],
        description=_l("Codes separated by commas, e.g. 800, 000.1; a code covers the codes "
                       "below it. Empty: every code."))
    pattern = StringField(
        _l("Pattern"), validators=[DataRequired(), Length(max=200)],
        description=_l("Placeholders: {seq} (or {seq:03d} for 001), {code}, {unit}, {opd}, "
                       "{type}, {roman_month}, {month}, {year}."))
    yearly_reset = BooleanField(_l("Start again at 1 every year"), default=True)
    per_code = BooleanField(_l("A counter per classification code"))
    active = BooleanField(_l("Active"), default=True)
