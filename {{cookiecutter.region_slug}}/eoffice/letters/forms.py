from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eoffice.archive.forms import ClassificationField
from eoffice.forms import Form, SelectField, SelectMultipleField
from eoffice.inputs import optional_id

SECURITY_CHOICES = [
    ("B", _l("B - Biasa (ordinary)")), ("T", _l("T - Terbatas (limited)")),
    ("R", _l("R - Rahasia (secret)")), ("SR", _l("SR - Sangat rahasia (top secret)")),
]
SPEED_CHOICES = [
    # Permendagri 1/2023's levels; English readers get English words, not "Segera (urgent)"
    ("biasa", _l("Ordinary")), ("penting", _l("Important")),
    ("segera", _l("Urgent")), ("amat_segera", _l("Very urgent")),
]
STATUS_CHOICES = [("registered", _l("Registered")), ("filed", _l("Filed")),
                  ("cancelled", _l("Cancelled"))]


optional_int = optional_id  # an id or None; anything else is "not a valid choice"


class IncomingLetterForm(Form):
    sender = StringField(_l("Sender (agency or person)"),
                         validators=[DataRequired(), Length(max=255)])
    sender_number = StringField(_l("Sender's letter number"),
                                validators=[DataRequired(), Length(max=128)])
    letter_date = DateField(_l("Letter date"), validators=[DataRequired()])
    received_date = DateField(_l("Date received"), validators=[DataRequired()])
    subject = StringField(_l("Subject (perihal)"), validators=[DataRequired(), Length(max=500)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])
    classification_id = ClassificationField(_l("Classification"))
    security = SelectField(_l("Security level"), choices=SECURITY_CHOICES, default="B")
    speed = SelectField(_l("Speed"), choices=SPEED_CHOICES, default="biasa")
    to_positions = SelectMultipleField(_l("Addressed to (positions)"), choices=[], coerce=int)
    cc_positions = SelectMultipleField(_l("Copies (tembusan)"), choices=[], coerce=int)
    physical_attachments = IntegerField(_l("Physical attachments (sheets/items)"), default=0,
                                        validators=[Optional(), NumberRange(0, 10000)])
    files = MultipleFileField(_l("Scanned files (PDF, JPG, PNG)"))
    confirm_duplicate = BooleanField(_l("Yes, register it again"))
    # Central clerks only (the view removes it for everyone else).
    agenda_opd = SelectField(_l("Agenda book of (OPD)"), choices=[], coerce=optional_int)


class LetterFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    date_from = DateField(_l("Received from"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
    classification_id = ClassificationField(_l("Classification"))
    security = SelectField(_l("Security"), choices=[("", _l("All"))] + SECURITY_CHOICES)
    speed = SelectField(_l("Speed"), choices=[("", _l("All"))] + SPEED_CHOICES)
    status = SelectField(_l("Status"), choices=[("", _l("All"))] + STATUS_CHOICES)
    sender = StringField(_l("Sender"), validators=[Optional(), Length(max=100)])
    antrian = StringField(validators=[Optional(), Length(max=30)])  # queue, as the other lists


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class AgendaForm(Form):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[DataRequired()])
    date_to = DateField(_l("Until"), validators=[DataRequired()])
    # Central clerks only (the view removes it for everyone else).
    opd = SelectField(_l("OPD"), choices=[], coerce=optional_int, validate_choice=False)
