from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.forms import Form, MultiCheckboxField


class DispositionForm(Form):
    to_positions = MultiCheckboxField(_l("To (positions below yours)"), choices=[], coerce=int)
    instruction_ids = MultiCheckboxField(_l("Instructions"), choices=[], coerce=int)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    due_date = DateField(_l("Due date"), validators=[Optional()])


class ReportForm(Form):
    report = TextAreaField(_l("Follow-up report"), validators=[DataRequired(), Length(max=10000)])
    file = FileField(_l("Attachment (PDF, JPG, PNG; optional)"))
    done = BooleanField(_l("Mark as done"), default=True)


class ReturnForm(Form):
    note = TextAreaField(_l("What is still needed"), validators=[DataRequired(),
                                                                 Length(max=2000)])


class InstructionForm(Form):
    text = StringField(_l("Instruction"), validators=[DataRequired(), Length(max=200)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
