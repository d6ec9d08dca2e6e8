"""Check every answer before cookiecutter creates a single folder.

cookiecutter runs ``hooks/pre_gen_project.py`` only *after* it has created the
region's folder, and when a hook fails it logs the hook's failure with a
traceback (``cookiecutter`` on stdout, ``cruft`` as a 100-line panel). Before
the folder exists there is no hook, so an empty region name became
``"." directory already exists``.

This Jinja extension (cookiecutter's "local extensions", listed in
``_extensions`` of cookiecutter.json; cruft puts the template folder on the
import path too) adds the filter ``check_answers``. cookiecutter.json renders
it in the private variable ``__answers_checked``, after the last question:
every answer, whether typed, given as ``key=value`` / ``--extra-context`` or
taken from the defaults, is checked by the same ``validate_answers`` as the
pre-generation hook. The first bad answer is one line on stderr and the process
exits with status 1, before anything is written. The hook stays as the backstop
for runs that skip the prompts (``--replay``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from jinja2 import Environment
from jinja2.ext import Extension

PRE_GEN_HOOK = Path(__file__).resolve().parent / "hooks" / "pre_gen_project.py"


def load_validators(path: Path = PRE_GEN_HOOK) -> ModuleType:
    """The pre-generation hook as a module (its only placeholder is inside ``load_answers``)."""
    spec = importlib.util.spec_from_file_location("eoffice_template_validators", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Loaded once, when cookiecutter imports the extension from the template being used.
VALIDATORS = load_validators()


def check_answers(answers: Mapping[str, object]) -> str:
    """Return "" when every answer is good; else print the error line and exit 1."""
    error = VALIDATORS.validate_answers(dict(answers))
    if error:
        print(f"ERROR: {error}", file=sys.stderr)
        # SystemExit is not an Exception: cookiecutter, cruft and Jinja let it through
        # without a traceback, and pytest-cookies reports it as the bake's exit code.
        raise SystemExit(1)
    return ""


class AnswerChecks(Extension):
    """Registers the ``check_answers`` filter."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["check_answers"] = check_answers
