"""Form fields shared by every feature.

WTForms 3.3 deprecates ``(value, label)`` tuples as choices in favour of
``SelectChoice``; these fields accept either and hand WTForms the new form, so
feature code can keep writing plain tuples.
"""

from __future__ import annotations

import wtforms

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
