"""Limits on what a request may carry: numbers, text and JSON that the database and
the parser can take. Out-of-range input is a clear 4xx answer, never a 500.

- **Numbers.** Every id column is a 32-bit integer on PostgreSQL, and SQLite refuses
  Python ints beyond 64 bits (``OverflowError``). The ``int`` URL converter is
  replaced app-wide by ``BoundedIntConverter`` (at most ``DB_INT_MAX``), so
  ``/pegawai/99999999999999999999`` is a 404 like any other unknown id; integer query
  arguments are read with ``int_arg`` / ``page_arg``, which treat a value outside the
  range as absent.
- **Text.** NUL and the other control characters are refused wherever text comes in:
  in forms, GET filter forms included (``eoffice.forms.Form`` puts a message on the
  field), in other query arguments (``text_arg``: the search shows a message, an
  admin's list filter ignores it), in the API's JSON and query arguments
  (``api.services.Fields``) and in imported rows (``staff.services.clean_staff``).
  Multi-line fields (``<textarea>``) may hold tab, newline and carriage return.
  PostgreSQL cannot store NUL at all (psycopg raises), and SQLite would store it as
  it is: ``refuse_nul_parameters`` is the last guard, before any statement reaches
  either database, for a path that forgot the rule.
- **JSON.** Bodies larger than ``JSON_MAX_BYTES`` are refused with 413 before they
  are read, and bodies nested deeper than ``JSON_MAX_DEPTH`` with 400
  (``Request.get_json`` and ``load_json``), before deep recursion can happen
  anywhere (the parser's own ``RecursionError`` included).
"""

from __future__ import annotations

import json
import re
from typing import Any

import flask
from flask import Flask, current_app, has_app_context, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

DB_INT_MAX = 2**31 - 1  # PostgreSQL ``integer``; every id and counter fits
# Control characters (Unicode category Cc): C0, DEL and C1.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF, CR allowed
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # only from JSON escapes; not storable as UTF-8


# --- Numbers --------------------------------------------------------------------------------

class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with a ceiling: an id beyond the database's integer is not found (404)
    instead of an overflow (500). ASCII digits only, at most 10 of them."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=DB_INT_MAX if max is None else max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-")) > 10:
            raise ValidationError()
        return super().to_python(value)


def bounded_int(value: Any, *, minimum: int = 1, maximum: int = DB_INT_MAX) -> int | None:
    """``value`` as an int within [minimum, maximum], or None (absent, not a whole
    number, or out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text or len(text) > 11 or not re.fullmatch(r"-?[0-9]+", text):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 1,
            maximum: int = DB_INT_MAX) -> int | None:
    """An integer query argument (``?unit=3``); absent, malformed or out of range: default."""
    value = bounded_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


def page_arg() -> int:
    """``?page=`` of a list paged by number: 1 when absent or unusable. Give it to
    ``db.paginate(page=...)``, which otherwise reads ``page`` itself, unbounded."""
    return int_arg("page", 1) or 1


def optional_id(value: Any) -> int | None:
    """Coerce of a select field holding an id: '' is None, anything else must be an id
    (a ValueError makes WTForms report "not a valid choice")."""
    if value in (None, "", "None"):
        return None
    number = bounded_int(value)
    if number is None:
        raise ValueError(f"not an id: {str(value)[:20]!r}")
    return number


def required_id(value: Any) -> int:
    """Coerce of a select field whose every option is an id."""
    number = optional_id(value)
    if number is None:
        raise ValueError("no id")
    return number


# --- Text -----------------------------------------------------------------------------------

CONTROL_MESSAGE = _l("Contains a control character (such as NUL) that is not allowed. "
                     "Remove it and try again.")


def has_control_characters(text: str | None, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character no field may store (a lone surrogate too)."""
    if not text:
        return False
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return bool(pattern.search(text) or _SURROGATE.search(text))


def without_control_characters(text: str, *, multiline: bool = True) -> str:
    """``text`` with the forbidden characters removed: for text the app did not take
    from a person (a file name, a PDF's text layer), where there is nobody to ask."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return _SURROGATE.sub("", pattern.sub("", text))


class UnsafeText(BadRequest):
    """Text with NUL reached the database layer: refused before the statement runs."""

    def __init__(self):
        super().__init__(str(CONTROL_MESSAGE))


def text_arg(name: str, max_length: int = 200) -> str | None:
    """A text query argument outside a form (a search box), stripped and cut to
    ``max_length``; None when it holds a control character (the view says so or treats
    it as absent), "" when absent."""
    text = (request.args.get(name) or "")[:max_length]
    return None if has_control_characters(text) else text.strip()


def _strings(parameters) -> list:
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, list | tuple):
        return list(parameters)
    return []


def refuse_nul_parameters(conn, cursor, statement, parameters, context, executemany):
    """``before_cursor_execute``: no string with NUL is ever sent to the database."""
    rows = parameters if executemany else [parameters]
    for row in rows or ():
        for value in _strings(row):
            if isinstance(value, str) and "\x00" in value:
                raise UnsafeText()


# --- JSON -----------------------------------------------------------------------------------

class JsonTooDeep(ValueError):
    """The JSON is nested deeper than ``JSON_MAX_DEPTH``."""


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests lists/objects deeper than ``limit``; iterative,
    so it never recurses itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, dict | list))
    return False


def load_json(data: bytes | str, max_depth: int | None = None) -> Any:
    """``json.loads`` that refuses deep nesting (JsonTooDeep) instead of recursing into a
    RecursionError; malformed JSON raises ValueError as usual."""
    limit = max_depth or (current_app.config["JSON_MAX_DEPTH"] if has_app_context() else 32)
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise JsonTooDeep() from exc
    if nesting_depth_exceeds(value, limit):
        raise JsonTooDeep()
    return value


def json_too_deep() -> BadRequest:
    return BadRequest(str(_l("The JSON is nested more than %(n)d levels deep.",
                             n=current_app.config["JSON_MAX_DEPTH"])))


class Request(flask.Request):
    """The app's request: ``get_json`` refuses JSON nested deeper than JSON_MAX_DEPTH."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise json_too_deep() from None
        if value is not None and nesting_depth_exceeds(value, current_app.config["JSON_MAX_DEPTH"]):
            raise json_too_deep()
        return value


JSON_ENDPOINTS = ("exchange_endpoint.receive",)  # read their body as JSON whatever its type
#: Public forms that take one file: their body may be one file (FILE_MAX_BYTES) and the
#: form around it, not the MAX_CONTENT_LENGTH sized for a letter with many scans.
ONE_FILE_ENDPOINTS = ("verify.verify", "verify.verify_file")
FORM_OVERHEAD = 64 * 1024


def limit_json_body() -> None:
    """``before_request``: a JSON body may be at most JSON_MAX_BYTES (413 beyond), a far
    smaller limit than MAX_CONTENT_LENGTH, which is sized for forms with scanned files;
    the public one-file forms get FILE_MAX_BYTES."""
    if request.is_json or request.endpoint in JSON_ENDPOINTS:
        limit = current_app.config["JSON_MAX_BYTES"]
    elif request.endpoint in ONE_FILE_ENDPOINTS:
        limit = current_app.config["FILE_MAX_BYTES"] + FORM_OVERHEAD
    else:
        return
    current = request.max_content_length
    request.max_content_length = min(limit, current) if current else limit


def init_app(app: Flask) -> None:
    """Before any blueprint is registered (a URL rule takes its converter when it is
    added) and before any other ``before_request`` function (which might read the body)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = Request
    app.before_request(limit_json_body)


def guard_database(app: Flask) -> None:
    """Right after ``db.init_app``, which made the app's engines."""
    import sqlalchemy as sa

    from eoffice.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            if not sa.event.contains(engine, "before_cursor_execute", refuse_nul_parameters):
                sa.event.listen(engine, "before_cursor_execute", refuse_nul_parameters)
