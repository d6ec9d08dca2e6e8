from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from eoffice.forms import Form, RadioField, SelectField
from eoffice.inputs import optional_id

EMPLOYMENT_CHOICES = [("pns", "PNS"), ("pppk", "PPPK"), ("non_asn", _l("Non-ASN"))]
GENDER_CHOICES = [("L", _l("Male")), ("P", _l("Female"))]
JABATAN_CHOICES = [("", "-"), ("jpt", _l("JPT (senior executive)")),
                   ("administrator", _l("Administrator")), ("pengawas", _l("Pengawas")),
                   ("fungsional", _l("Fungsional")), ("pelaksana", _l("Pelaksana"))]
STATUS_CHOICES = [("aktif", _l("Active")), ("pensiun", _l("Retired")), ("pindah", _l("Moved"))]


class StaffForm(Form):
    employment_type = SelectField(_l("Employment type"), choices=EMPLOYMENT_CHOICES)
    nip = StringField(_l("NIP"), validators=[Optional(), Length(max=40)],
                      description=_l("18 digits, spaces allowed: 19680411 199303 1 009"))
    pppk_number = StringField(_l("PPPK number"), validators=[Optional(), Length(max=40)])
    front_title = StringField(_l("Front title"), validators=[Optional(), Length(max=50)],
                              description=_l("e.g. Dr., Ir., drg."))
    name = StringField(_l("Name"), validators=[Length(max=150)])
    back_title = StringField(_l("Back title"), validators=[Optional(), Length(max=80)],
                             description=_l("e.g. S.Kom., M.T."))
    gender = SelectField(_l("Gender"), choices=[("", "-")] + GENDER_CHOICES,
                         description=_l("For PNS, taken from the NIP when left empty."))
    birth_place = StringField(_l("Place of birth"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()],
                           description=_l("For PNS, taken from the NIP when left empty."))
    golongan_code = SelectField(_l("Golongan/pangkat"), choices=[])
    jabatan_type = SelectField(_l("Jabatan type"), choices=JABATAN_CHOICES)
    jabatan_name = StringField(_l("Jabatan name"), validators=[Optional(), Length(max=200)])
    unit_id = SelectField(_l("Unit"), choices=[], coerce=optional_id)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)

    FIELDS = ("employment_type", "nip", "pppk_number", "front_title", "name", "back_title",
              "gender", "birth_place", "birth_date", "golongan_code", "jabatan_type",
              "jabatan_name", "unit_id", "phone", "email", "status")

    def raw(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None) or self.name
            field.errors = [*field.errors, message]


class StaffFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    unit_id = SelectField(_l("Unit"), choices=[], validate_choice=False)
    employment_type = SelectField(_l("Employment type"),
                                  choices=[("", _l("All"))] + EMPLOYMENT_CHOICES)
    golongan_code = SelectField(_l("Golongan"), choices=[], validate_choice=False)
    jabatan_type = SelectField(_l("Jabatan type"),
                               choices=[("", _l("All"))] + JABATAN_CHOICES[1:])
    status = SelectField(_l("Status"), choices=[("", _l("All"))] + STATUS_CHOICES)


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])
    format = RadioField(_l("Columns of the file"), default="ours", choices=[
        ("ours", _l("This application's columns (as exported here)")),
        ("siasn", _l("A SIASN export (BKN)")),
    ])
    mode = RadioField(_l("If some rows are wrong"), default="all", choices=[
        ("all", _l("Import nothing, show me the errors")),
        ("valid", _l("Import the valid rows, report the others")),
    ])
