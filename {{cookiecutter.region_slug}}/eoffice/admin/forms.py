from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.forms import Form, MultiCheckboxField


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    staff_number = StringField(_l("Staff record (NIP or PPPK number)"),
                               validators=[Optional(), Length(max=40)],
                               description=_l("Type a name or the start of a NIP and choose "
                                              "from the staff records without an account."))
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("New password"), validators=[Optional(), Length(max=256)],
                             description=_l("Leave empty to keep the current password. "
                                            "The user must change it at the next login."))
