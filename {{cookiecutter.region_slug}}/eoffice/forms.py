"""The base form and the form fields shared by every feature.

Every form derives from ``Form``: it refuses control characters in any submitted
text with a message on the field (eoffice/inputs.py says why).

WTForms 3.3 deprecates ``(value, label)`` tuples as choices in favour of
``SelectChoice``; these fields accept either and hand WTForms the new form, so
feature code can keep writing plain tuples.
"""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from eoffice.inputs import CONTROL_MESSAGE, DB_INT_MAX, has_control_characters

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


def normalize_choices(choices):
    if SelectChoice is None or choices is None or callable(choices) or isinstance(choices, dict):
        return choices
    return [SelectChoice(*c) if isinstance(c, tuple) else c for c in choices]


class _ChoicesMixin:
    """Normalises choices given to the constructor or assigned later."""

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=normalize_choices(choices), **kwargs)

    def __setattr__(self, name, value):
        if name == "choices":
            value = normalize_choices(value)
        super().__setattr__(name, value)


class SelectField(_ChoicesMixin, wtforms.SelectField):
    pass


class SelectMultipleField(_ChoicesMixin, wtforms.SelectMultipleField):
    pass


class RadioField(_ChoicesMixin, wtforms.RadioField):
    pass


class MultiCheckboxField(SelectMultipleField):
    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()


class Form(FlaskForm):
    """Base of every form of the app (and of local plugins, via the toolkit).

    After the fields' own validators: a field whose submitted text holds NUL or another
    control character gets an error and the form is invalid. Multi-line fields
    (``TextAreaField``) may hold tab, newline and carriage return. Checked on the raw
    submitted strings, whatever the field's type, so a select or date field is covered
    too, and after ``Optional()`` (which would clear an earlier error). A whole
    number beyond the database's integer is refused the same way.
    """

    def unsafe_fields(self) -> list:
        """The fields whose submitted text holds a character no field may store."""
        unsafe = []
        for field in self:
            multiline = isinstance(field, wtforms.TextAreaField)
            texts = [v for v in getattr(field, "raw_data", None) or () if isinstance(v, str)]
            if any(has_control_characters(text, multiline=multiline) for text in texts):
                unsafe.append(field)
        return unsafe

    def leave_out_unsafe(self) -> None:
        """For a GET filter form, after ``validate``: the fields with such text are left
        out of the filter (their message stays), as if they were empty."""
        for field in self.unsafe_fields():
            field.data = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self.unsafe_fields():
            field.errors = [*field.errors, str(CONTROL_MESSAGE)]
            valid = False
        for field in self:
            if isinstance(field, wtforms.IntegerField) and isinstance(field.data, int) \
                    and not -DB_INT_MAX - 1 <= field.data <= DB_INT_MAX:
                field.errors = [*field.errors, str(_l("Too large a number."))]
                valid = False
        return valid
