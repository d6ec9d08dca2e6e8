from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from eoffice.forms import Form, SelectField


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))])


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class EndSessionsForm(Form):
    """Ending one's sessions: the password again (a stolen session must not lock its
    owner out), and which session (``end``: a session id, or ``others``)."""

    password = PasswordField(_l("Your password"), validators=[
        DataRequired(message=_l("Type your password to end sessions.")), Length(max=256)])
    end = StringField(validators=[DataRequired(), Length(max=20)])
