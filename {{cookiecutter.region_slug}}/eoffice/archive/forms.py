from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eoffice.forms import Form, SelectField


class ClassificationForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Dotted: 000, 000.1, 000.1.2"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    retention_active_years = IntegerField(_l("Active retention (years)"),
                                          validators=[Optional(), NumberRange(0, 100)])
    retention_inactive_years = IntegerField(_l("Inactive retention (years)"),
                                            validators=[Optional(), NumberRange(0, 100)])
    final_disposition = SelectField(_l("After retention"), choices=[
        ("", "-"), ("musnah", _l("Destroy (musnah)")), ("permanen", _l("Keep permanently")),
        ("dinilai_kembali", _l("Review again (dinilai kembali)"))])
    active = BooleanField(_l("Active"), default=True)
