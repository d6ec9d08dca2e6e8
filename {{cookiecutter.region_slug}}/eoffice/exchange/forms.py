from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.forms import Form, SelectMultipleField


class PeerForm(Form):
    name = StringField(_l("Name of the region"), validators=[DataRequired(), Length(max=200)],
                       description=_l("e.g. Kota Bau-Bau"))
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=255)],
                         description=_l("e.g. Pemerintah Kota Bau-Bau"))
    region_code = StringField(_l("Kemendagri region code"),
                              validators=[Optional(), Length(max=16)])
    base_url = StringField(_l("Address of its e-office"), validators=[DataRequired(),
                                                                       Length(max=500)],
                           description=_l("https://eoffice.baubaukota.go.id"))
    public_key = StringField(_l("Its public key"), validators=[DataRequired(), Length(max=100)],
                             description=_l("ed25519:... as printed by `flask eoffice exchange "
                                            "show-key` on the peer's server; check the "
                                            "fingerprint with the peer by phone."))
    active = BooleanField(_l("Active"), default=True)
    notes = TextAreaField(_l("Notes (contact person, how the key was checked)"),
                          validators=[Optional(), Length(max=2000)])


class AcceptForm(Form):
    to_positions = SelectMultipleField(_l("Addressed to (positions)"), choices=[], coerce=int)
    cc_positions = SelectMultipleField(_l("Copies (tembusan)"), choices=[], coerce=int)


class RejectForm(Form):
    reason = TextAreaField(_l("Reason for rejecting (the sender sees it)"),
                           validators=[DataRequired(), Length(max=2000)])
