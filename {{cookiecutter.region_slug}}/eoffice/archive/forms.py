from __future__ import annotations

import wtforms
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import html_params

from eoffice.archive.models import NAME_MAX
from eoffice.forms import Form, RadioField, SelectField
from eoffice.inputs import has_control_characters, optional_id, without_control_characters


class ClassificationForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Dotted: 000, 000.1, 000.1.2"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    retention_active_years = IntegerField(_l("Active retention (years)"),
                                          validators=[Optional(), NumberRange(0, 100)])
    retention_inactive_years = IntegerField(_l("Inactive retention (years)"),
                                            validators=[Optional(), NumberRange(0, 100)])
    final_disposition = SelectField(_l("After retention"), choices=[
        ("", "-"), ("musnah", _l("Destroy (musnah)")), ("permanen", _l("Keep permanently")),
        ("dinilai_kembali", _l("Review again (dinilai kembali)"))])
    retention_note = TextAreaField(_l("Retention conditions (keterangan)"),
                                   validators=[Optional(), Length(max=5000)])
    retention_source = StringField(_l("Source of the retention (regulation)"),
                                   validators=[Optional(), Length(max=255)])
    active = BooleanField(_l("Active"), default=True)


class ArchiveImportForm(Form):
    kind = RadioField(_l("What the file holds"), default="klasifikasi", choices=[
        ("klasifikasi", _l("Classification codes (kode, nama, induk, aktif)")),
        ("jra", _l("Retention schedule, JRA (kode, retensi_aktif, retensi_inaktif, "
                   "nasib_akhir, keterangan, source)")),
    ])
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])


class ClassificationPicker:
    """A type-to-search input for a classification code.

    Renders a text input (``<name minus _id>_code``) that takes the code, with the
    id in a hidden input beside it. Without JavaScript the user types the code
    (``000.1.2``) and the server looks it up; ``static/js/classification-picker.js``
    turns the input into a combobox that asks ``/klasifikasi/cari`` as the user types
    and fills both inputs. No list of 3,000 codes is ever sent with the page."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        list_id = f"{field.id}-list"
        attrs = {
            "type": "text", "name": field.code_name, "value": field.display_value(),
            "autocomplete": "off", "maxlength": "200", "role": "combobox",
            "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": list_id,
            "data-eo-classification": url_for("classification.search"),
            "data-eo-target": f"{field.id}-value",
            "placeholder": str(_l("Code or words, e.g. 000.1.2 or perjalanan dinas")),
        } | {k.rstrip("_"): v for k, v in kwargs.items()}
        return Markup(
            '<input type="hidden" id="{hidden}" name="{name}" value="{value}">'
            '<div class="position-relative"><input {attrs}>'
            '<ul id="{list_id}" role="listbox" class="list-group eo-picker-list d-none" '
            'aria-label="{label}"></ul></div>').format(
            hidden=f"{field.id}-value", name=field.name,
            value="" if field.data is None else field.data,
            attrs=html_params(**attrs), list_id=list_id, label=field.label.text)


class ClassificationField(wtforms.Field):
    """A classification code chosen by typing (see ``ClassificationPicker``); ``data``
    is the code's id or None. The typed code wins over the hidden id, so a user
    without JavaScript who changes or clears the text changes the letter's code."""

    widget = ClassificationPicker()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.code_name = (self.name[:-3] if self.name.endswith("_id") else self.name) + "_code"
        self.code_text: str | None = None
        self._label_cache: tuple[int | None, str] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None and self.code_name in formdata:
            self.code_text = (formdata.get(self.code_name) or "")[:200]
            text = self.code_text.strip()
            if not text:
                self.data = None
                return
            from eoffice.archive.services import by_code

            item = None if has_control_characters(text) else by_code(text)
            if item is None:
                self.data = None
                self.process_errors.append(str(_l(
                    "Unknown classification code %(c)s.",
                    c=without_control_characters(text.split(" ", 1)[0])[:40])))
            else:
                self.data = item.id
                self._label_cache = (item.id, item.label)

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = optional_id(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(str(_l("Not a valid choice."))) from exc

    def display_value(self) -> str:
        if self.code_text is not None and self.data is None:
            return self.code_text
        if self.data is None:
            return ""
        if self._label_cache is None or self._label_cache[0] != self.data:
            from eoffice.archive.models import Classification
            from eoffice.extensions import db

            item = db.session.get(Classification, self.data)
            self._label_cache = (self.data, item.label if item else "")
        return self._label_cache[1]

    def _value(self) -> str:
        return self.display_value()


BERKAS_STATUS_CHOICES = [
    ("open", _l("open")), ("closed", _l("closed (active)")),
    ("inaktif", _l("inactive (records centre)")),
    ("usul_musnah", _l("proposed for destruction")), ("usul_serah", _l("proposed for handover")),
    ("dinilai_kembali", _l("to be reviewed again")), ("musnah", _l("destroyed")),
    ("diserahkan", _l("handed over")),
]


class BerkasForm(Form):
    """Opening a berkas (pemberkasan)."""

    unit_id = SelectField(_l("Unit"), coerce=optional_id, validators=[DataRequired()])
    # No DataRequired: it would replace the picker's "unknown code" message; the service
    # says "choose the classification code" when it is empty.
    classification_id = ClassificationField(_l("Classification"))
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(1945, 9999)])
    title = StringField(_l("Title (uraian)"), validators=[DataRequired(), Length(max=500)],
                        description=_l("What the letters in it are about, e.g. "
                                       "\"Rapat koordinasi SPBE 2026\""))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class BerkasFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1945, 9999)])
    status = SelectField(_l("Status"), choices=[("", _l("All"))] + BERKAS_STATUS_CHOICES)


class BeritaAcaraForm(Form):
    """The signed berita acara that ends proposed berkas (destruction or handover)."""

    kind = SelectField(_l("Berita acara of"), choices=[
        ("musnah", _l("destruction (pemusnahan)")), ("serah", _l("handover (penyerahan)"))])
    number = StringField(_l("Number of the berita acara"),
                         validators=[DataRequired(), Length(max=128)])
    signed_on = DateField(_l("Date of the berita acara"), validators=[DataRequired()])
    approved_by = StringField(_l("Approved by (the head)"),
                              validators=[DataRequired(), Length(max=255)],
                              description=_l("Name and position of the head who approved "
                                             "and signed it"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
