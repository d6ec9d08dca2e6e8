from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.archive.forms import ClassificationField
from eoffice.forms import Form, SelectField, SelectMultipleField
from eoffice.letters.forms import SECURITY_CHOICES, SPEED_CHOICES, optional_int
from eoffice.outgoing.capacity import SIGNING_AS_LABELS

CHAIN_SIZE = 4
CO_SIGNERS = 3  # outgoing.signatories.MAX_FURTHER


class DraftForm(Form):
    letter_type = SelectField(_l("Letter type"), choices=[])  # eoffice.naskah: per OPD
    subject = StringField(_l("Subject (hal)"), validators=[DataRequired(), Length(max=500)])
    classification_id = ClassificationField(_l("Classification"))
    security = SelectField(_l("Security level"), choices=SECURITY_CHOICES, default="B")
    speed = SelectField(_l("Speed"), choices=SPEED_CHOICES, default="biasa")
    to_positions = SelectMultipleField(_l("To (internal positions)"), choices=[], coerce=int)
    cc_positions = SelectMultipleField(_l("Copies (internal positions)"), choices=[], coerce=int)
    external_to = TextAreaField(
        _l("To (external)"), validators=[Optional(), Length(max=5000)],
        description=_l("One per line: name | agency | address"))
    peer_to = SelectMultipleField(_l("To (other regions' e-office)"), choices=[], coerce=int,
                                  description=_l("Delivered electronically when signed."))
    external_cc = TextAreaField(_l("Copies (external)"), validators=[Optional(), Length(max=5000)],
                                description=_l("One per line: name | agency | address"))
    body_html = TextAreaField(_l("Text of the letter"), validators=[Length(max=200000)])
    signer_position_id = SelectField(_l("Signed by (position)"), choices=[],
                                     coerce=optional_int)
    signing_as = SelectField(_l("Signing capacity"), default="langsung",
                             choices=list(SIGNING_AS_LABELS.items()))
    on_behalf_position_id = SelectField(_l("On behalf of (a.n.)"), choices=[],
                                        coerce=optional_int,
                                        description=_l("For a.n. and u.b.: the position above "
                                                       "the signer that the letter speaks for."))
    co_signer_1 = SelectField(_l("Second signatory"), choices=[], coerce=optional_int)
    co_signer_2 = SelectField(_l("Third signatory"), choices=[], coerce=optional_int)
    co_signer_3 = SelectField(_l("Fourth signatory"), choices=[], coerce=optional_int)
    verifier_1 = SelectField(_l("Verifier 1 (paraf)"), choices=[], coerce=optional_int)
    verifier_2 = SelectField(_l("Verifier 2"), choices=[], coerce=optional_int)
    verifier_3 = SelectField(_l("Verifier 3"), choices=[], coerce=optional_int)
    verifier_4 = SelectField(_l("Verifier 4"), choices=[], coerce=optional_int)
    event_date = DateField(_l("Event date"), validators=[Optional()])
    event_time = StringField(_l("Time"), validators=[Optional(), Length(max=50)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=500)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=500)])
    assigned_staff = TextAreaField(_l("Staff assigned (one NIP or PPPK number per line)"),
                                   validators=[Optional(), Length(max=5000)])
    start_date = DateField(_l("From"), validators=[Optional()])
    end_date = DateField(_l("Until"), validators=[Optional()])
    destination = StringField(_l("Destination"), validators=[Optional(), Length(max=500)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=1000)])
    files = MultipleFileField(_l("Attachments (PDF, JPG, PNG)"))
    revision_note = StringField(_l("What changed (for the reviewers)"),
                                validators=[Optional(), Length(max=500)])

    def co_signers(self) -> list[int]:
        """The further signatories, in order (blank choices skipped)."""
        return [v for v in (getattr(self, f"co_signer_{i}").data
                            for i in range(1, CO_SIGNERS + 1)) if v]

    def chain(self) -> list[int]:
        return [v for v in (getattr(self, f"verifier_{i}").data
                            for i in range(1, CHAIN_SIZE + 1)) if v]


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class SignForm(Form):
    passphrase = PasswordField(_l("Signing passphrase"),
                               validators=[DataRequired(), Length(max=256)])


class ExpeditionForm(Form):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[DataRequired()])
    date_to = DateField(_l("Until"), validators=[DataRequired()])
