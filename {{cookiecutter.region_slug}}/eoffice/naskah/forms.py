from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eoffice.forms import Form, MultiCheckboxField, SelectField
from eoffice.inputs import optional_id
from eoffice.naskah.models import LAYOUTS
from eoffice.naskah.services import LAYOUT_LABELS, LEVEL_LABELS


class TypeForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=12)],
                       description=_l("Lower-case, e.g. keputusan; stored with every letter "
                                      "and in the numbering series, so it cannot change."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    number_code = StringField(_l("Code in the number"), validators=[DataRequired(),
                                                                    Length(max=16)],
                              description=_l("What {type} prints in a numbering pattern, "
                                             "e.g. ND, SE, KEP."))
    layout = SelectField(_l("Layout and fields"), default="biasa",
                         choices=[(k, LAYOUT_LABELS[k]) for k in LAYOUTS])
    internal_only = BooleanField(_l("Internal positions only (no external recipients)"))
    all_opds = BooleanField(_l("Every OPD writes this type"), default=True)
    opds = MultiCheckboxField(_l("Only these OPDs"), choices=[], coerce=int)
    series_id = SelectField(_l("Numbered by the series"), choices=[], coerce=optional_id,
                            description=_l("The type is added to this series' documents. "
                                           "Empty for a new type: the region's default "
                                           "series of outgoing letters."))
    sort_order = IntegerField(_l("Order"), default=0,
                              validators=[Optional(), NumberRange(min=0, max=9999)])
    active = BooleanField(_l("Active"), default=True)


class RuleForm(Form):
    unit_id = SelectField(_l("Where"), choices=[], coerce=optional_id)
    level = SelectField(_l("Level"), default="",
                        choices=[("", "-")] + list(LEVEL_LABELS.items()))
    position_id = SelectField(_l("Or one position"), choices=[], coerce=optional_id)
    delegable = BooleanField(_l("May also be signed a.n./u.b. (on behalf)"))
