"""Every route of the app, asked with hostile input, answers without a server error.

The test walks ``app.url_map`` and requests every rule, GET and POST, as an anonymous
visitor, as a user with every role (session) and, for the API, with that user's token.
Each URL parameter is filled in turn with hostile values (ids beyond the database's
integer, negative, zero, NUL, ``../``, very long, unicode, invalid UTF-8), query
arguments (``page``, ``q``, ``cursor``, ids, dates ...) likewise, form fields of every
form and JSON fields of every API endpoint too. Exceptions are not propagated (as in
production), so anything unhandled is a 500, which fails the test with its traceback.
"""

from __future__ import annotations

import io
import json
import re
import traceback
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import got_request_exception

from eoffice.config import REGION_ROOT
from tests.helpers import form_classes

PATH_VALUES = ["1", "0", "-1", "2147483647", "2147483648", "99999999999999999999", "9" * 400,
               "%00", "abc%00def", "..%2F..%2Fetc%2Fpasswd", "..", "a" * 3000,
               "%C3%A9%E6%BC%A2%F0%9F%99%82", "%E2%80%AE", "%FF%FE", "x%0Ay", "%25", "csv"]
QUERY_VALUES = ["0", "-1", "2147483648", "99999999999999999999", "9" * 5000, "\x00",
                "a\x00b", "\x07\x1b", "../../etc/passwd", "é漢🙂\u202e", "x" * 10000, "1e9",
                "[]", "'\"<script>", "%00", "2026-13-45"]
QUERY_NAMES = ["page", "per_page", "q", "cursor", "unit", "unit_id", "induk", "balas", "a",
               "b", "jenis", "antrian", "tampil", "semua", "inline", "format", "next",
               "date_from", "date_to", "classification_id", "security", "speed", "status",
               "queue", "sender", "v", "verify", "action", "active", "golongan_code",
               "employment_type", "jabatan_type", "kind", "id", "sort", "order"]
API_QUERY_NAMES = ["page", "per_page", "q", "cursor", "unit_id", "date_from", "date_to",
                   "queue", "active", "security", "speed", "status", "sender",
                   "classification_id", "golongan_code", "employment_type", "jabatan_type"]
FORM_VALUES = ["\x00", "Nama\x00", "\x07", "99999999999999999999", "2147483648", "-1",
               "x" * 20000, "é漢🙂\u202e", "../../etc/passwd", "2026-13-45", ""]
JSON_VALUES = ["\x00", "a\x00b", "\x1b", 2**31, 10**20, -1, 1e308, True, None, [], {},
               [2**31, 10**20], ["\x00"], "x" * 20000, "2026-02-30", {"filename": "a\x00",
                                                                       "content_base64": "!"}]
RAW_JSON_BODIES = [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
                   b"null", b"[]", b'"x"', b"{", b"\xff\xfe", b'{"\\ud800": "\\udfff"}',
                   b"1e999999", b'{"to_positions": [' + b"9" * 5000 + b"]}"]
EXTRA_FORM_NAMES = ["next", "locale", "kind", "note", "password", "method_1", "date_1",
                    "note_1", "method_99999999999999999999", "reason", "file"]


@dataclass
class Walk:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def record(self, method: str, url: str, response, who: str, errors: list) -> None:
        self.requests += 1
        status = response.status_code
        self.by_status[status] = self.by_status.get(status, 0) + 1
        if status >= 500:
            detail = errors[-1] if errors else response.get_data(as_text=True)[:300]
            self.failures.append(f"{who} {method} {url[:200]} -> {status}\n{detail}")
        errors.clear()


def form_field_names() -> list[str]:
    """The field names of every form of the core (and the names views read raw)."""
    from eoffice.forms import Form

    names = set(EXTRA_FORM_NAMES)
    for form in form_classes(Form):
        names.update(name for name in dir(form) if not name.startswith("_")
                     and hasattr(getattr(form, name), "field_class"))
    return sorted(names)


def api_field_names() -> list[str]:
    """The JSON fields the API's views read (``fields.text("subject", ...)`` and so on)."""
    source = (REGION_ROOT / "eoffice" / "api" / "views.py").read_text(encoding="utf-8")
    return sorted(set(re.findall(r'fields\.\w+\(\s*"(\w+)"', source))
                  | {"files", "to_positions", "cc_positions"})


def urls_for(rule, real_ids: tuple[str, ...] = ()) -> list[str]:
    """The rule with ordinary values (1, csv), then each parameter in turn hostile, and
    in turn each id of a record that exists (so pages past the lookup are reached too,
    also on PostgreSQL, whose sequences do not start again at 1)."""
    def build(values: dict[str, str]) -> str:
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)

    plain = {name: "csv" if "Any" in type(rule._converters[name]).__name__ else "1"
             for name in rule.arguments}
    urls = [build(plain)]
    for name in sorted(rule.arguments):
        urls += [build(plain | {name: value}) for value in (*PATH_VALUES, *real_ids)
                 if value != plain[name]]
    return urls


def real_ids_of(chief) -> tuple[str, ...]:
    """Ids of records that exist: the chief's user, staff, unit, position and token."""
    from eoffice.api.models import ApiToken
    from eoffice.extensions import db
    from eoffice.org.models import Position

    ids = {chief.id, chief.staff_id, chief.staff.unit_id}
    ids |= set(db.session.scalars(sa.select(Position.id).where(
        Position.holder_id == chief.staff_id)))
    ids |= set(db.session.scalars(sa.select(ApiToken.id)))
    return tuple(str(i) for i in sorted(ids) if i != 1)


@pytest.fixture
def walking_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    errors: list[str] = []

    def _record(sender, exception, **extra):
        errors.append("".join(traceback.format_exception(exception))[-3000:])

    got_request_exception.connect(_record, app)
    yield app, errors
    got_request_exception.disconnect(_record, app)
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_no_route_answers_500_to_hostile_input(walking_app, client, chief, chief_token,
                                               login):
    app, errors = walking_app
    walk = Walk()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    # Logging out and revoking tokens would end the walk's identities: asked last.
    enders = {"auth.logout", "api_ui.revoke"}
    rules = [r for r in rules if r.endpoint not in enders] + \
        [r for r in rules if r.endpoint in enders]
    form_names = form_field_names()
    api_names = api_field_names()
    token = {"Authorization": f"Bearer {chief_token}"}
    real_ids = real_ids_of(chief)

    def ask(who: str, method: str, url: str, **kwargs):
        response = client.open(url, method=method, **kwargs)
        walk.record(method, url, response, who, errors)
        return response

    # 1. The API with the token of a user who may do everything.
    for rule in (r for r in rules if r.rule.startswith("/api/v1")):
        for url in urls_for(rule, real_ids):
            ask("token", "GET", url, headers=token)
            ask("token", "POST", url, headers=token, json={})
        base = urls_for(rule)[0]
        if "GET" in rule.methods:
            for name in API_QUERY_NAMES:
                for value in QUERY_VALUES:
                    ask("token", "GET", base, headers=token, query_string={name: value})
        if "POST" in rule.methods:
            for value in JSON_VALUES:
                ask("token", "POST", base, headers=token,
                    data=json.dumps({name: value for name in api_names}),
                    content_type="application/json")
            for body in RAW_JSON_BODIES:
                ask("token", "POST", base, headers=token, data=body,
                    content_type="application/json")
            for value in FORM_VALUES:
                ask("token", "POST", base, headers=token, content_type="multipart/form-data",
                    data={"format": value, "mode": value,
                          "file": (io.BytesIO(value.encode() + b"\n1,2\n"), value or "x.csv")})

    # 2. Every route, anonymous and then signed in as the user with every role.
    for who in ("anonymous", "session"):
        if who == "session":
            login(chief)
        for rule in rules:
            if rule.rule.startswith("/api/v1") and who == "session":
                continue  # the session is never used there: the token's walk covers it
            for url in urls_for(rule, real_ids):
                ask(who, "GET", url)
                ask(who, "POST", url, data={"name": "x"})
            base = urls_for(rule)[0]
            for value in QUERY_VALUES:
                ask(who, "GET", base, query_string={name: value for name in QUERY_NAMES})
            if "POST" in rule.methods:
                for value in FORM_VALUES:
                    ask(who, "POST", base, data={name: value for name in form_names})

    print(f"\nhostile walk: {walk.requests} requests over {len(rules)} rules; "
          f"statuses {dict(sorted(walk.by_status.items()))}")
    assert walk.requests > 5000
    assert not walk.failures, f"{len(walk.failures)} server errors:\n\n" + \
        "\n\n".join(walk.failures[:20])


def test_a_position_form_sent_without_its_holder_keeps_the_holder(client, as_chief, chief):
    """Found by the walk: the form's text field ``holder`` was filled with the model's
    ``holder`` (a Staff) when the field was missing, and ``.strip()`` failed (500)."""
    from eoffice.extensions import db
    from eoffice.org.models import Position

    position = db.session.scalar(sa.select(Position).where(Position.holder_id == chief.staff_id))
    response = client.post(f"/organisasi/jabatan/{position.id}/ubah",
                           data={"name": "Kepala Dinas Uji Baru"})
    assert response.status_code == 302
    db.session.refresh(position)
    assert (position.name, position.holder_id) == ("Kepala Dinas Uji Baru", chief.staff_id)
