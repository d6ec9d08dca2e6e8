from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from eoffice.forms import Form, SelectField
from eoffice.inputs import optional_id

UNIT_KIND_CHOICES = [("pemda", _l("Regional government")), ("opd", _l("OPD (agency)")),
                     ("sekretariat", _l("Sekretariat")), ("bidang", _l("Bidang")),
                     ("bagian", _l("Bagian")), ("seksi", _l("Seksi")),
                     ("subbagian", _l("Subbagian")), ("uptd", _l("UPTD")),
                     ("lainnya", _l("Other"))]


_optional_int = optional_id


class UnitForm(Form):
    code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short code used in letter numbers, e.g. DISKOMINFO"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=UNIT_KIND_CHOICES)
    parent_id = SelectField(_l("Parent unit"), choices=[], coerce=_optional_int)
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class PositionForm(Form):
    name = StringField(_l("Position name"), validators=[DataRequired(), Length(max=200)])
    unit_id = SelectField(_l("Unit"), choices=[], coerce=_optional_int,
                          validators=[DataRequired()])
    parent_id = SelectField(_l("Reports to"), choices=[], coerce=_optional_int)
    jabatan_type = SelectField(_l("Jabatan type"), choices=[
        ("jpt", "JPT"), ("administrator", _l("Administrator")), ("pengawas", _l("Pengawas")),
        ("fungsional", _l("Fungsional")), ("pelaksana", _l("Pelaksana"))])
    is_head = BooleanField(_l("Head of the unit"))
    holder = StringField(_l("Holder (NIP or PPPK number)"), validators=[Optional(), Length(max=40)],
                         description=_l("Leave empty when the position is vacant."))
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class ActingForm(Form):
    position_id = SelectField(_l("Position"), choices=[], coerce=_optional_int,
                              validators=[DataRequired()])
    official = StringField(_l("Acting official (NIP or PPPK number)"),
                           validators=[DataRequired(), Length(max=40)],
                           description=_l("A staff member with an active user account."))
    kind = SelectField(_l("Kind"), choices=[("plt", _l("Plt (pelaksana tugas)")),
                                            ("plh", _l("Plh (pelaksana harian)"))])
    # InputRequired: a date that does not parse says so ("Not a valid date value").
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    decree = StringField(_l("Decree number or note"), validators=[Optional(), Length(max=200)])
