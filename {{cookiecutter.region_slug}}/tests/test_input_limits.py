"""Input limits (eoffice/inputs.py): numbers beyond the database's integer, control
characters and deep or large JSON are clear 4xx answers, never a 500 or a stored NUL,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from eoffice.extensions import db
from eoffice.forms import Form
from eoffice.inputs import UnsafeText, bounded_int, has_control_characters, load_json
from eoffice.org.models import Unit
from eoffice.staff.models import Staff
from tests.helpers import count, form_classes, page_text

HUGE = ("99999999999999999999", "2147483648", "9" * 5000)


def short(value) -> str:
    """A test id: a 5000-digit number is named by its length."""
    text = str(value)
    return text if len(text) < 30 else f"{text[:3]}...({len(text)})"
CONTROL = "Contains a control character (such as NUL) that is not allowed."


@pytest.fixture
def no_propagation(app):
    """Errors become 500 pages, as in production, instead of reaching the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    app.config["PROPAGATE_EXCEPTIONS"] = None


# --- Numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("page", HUGE + ("-1", "0", "abc"), ids=short)
@pytest.mark.parametrize("path", ["/admin/pengguna", "/admin/audit", "/pertukaran/",
                                  "/pertukaran/kiriman", "/pegawai/", "/cari/?q=surat&"])
def test_a_page_number_out_of_range_shows_the_first_page(client, as_chief, no_propagation,
                                                         path, page):
    joiner = "" if path.endswith("&") else "?"
    response = client.get(f"{path}{joiner}page={page}&per_page={page}")
    assert response.status_code == 200, (path, page)


def int_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if any(type(c).__name__ == "BoundedIntConverter" for c in rule._converters.values())]


def test_every_int_in_a_url_rule_is_bounded(app):
    from werkzeug.routing import IntegerConverter

    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]
    assert len(rules) > 40
    for rule in rules:
        for converter in rule._converters.values():
            if isinstance(converter, IntegerConverter):
                assert converter.max is not None and converter.max <= 2**31 - 1, rule.rule


@pytest.mark.parametrize("number", HUGE, ids=short)
def test_an_id_beyond_the_database_integer_is_not_found(app, client, as_chief, no_propagation,
                                                        number):
    tried = 0
    for rule in int_rules(app):
        url = re.sub(r"<[^>]+>", number, rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code in (401, 404), (url, response.status_code)
        tried += 1
    assert tried > 40


@pytest.mark.parametrize("url", ["/organisasi/unit/baru?induk={n}",
                                 "/organisasi/jabatan/baru?unit={n}",
                                 "/surat-keluar/baru?balas={n}",
                                 "/pegawai/?unit_id={n}&per_page={n}",
                                 "/surat-masuk/?classification_id={n}"])
def test_an_id_in_a_query_string_beyond_the_database_integer_is_ignored(
        client, as_chief, no_propagation, url):
    for number in HUGE:
        response = client.get(url.format(n=number))
        assert response.status_code == 200, (url, number)


def test_a_number_field_beyond_the_database_integer_is_refused(client, as_admin, no_propagation):
    response = client.post("/organisasi/unit/baru", data={
        "code": "BIG", "name": "Unit besar", "kind": "opd", "sort_order": HUGE[0]})
    assert response.status_code == 200
    assert "Too large a number." in page_text(response)
    assert count(Unit, Unit.code == "BIG") == 0


def test_bounded_int():
    assert bounded_int("12") == 12 and bounded_int(" 7 ") == 7
    assert bounded_int("2147483647") == 2**31 - 1
    for bad in ("2147483648", "99999999999999999999", "0", "-3", "1e3", "١٢", "", None, "x",
                True):
        assert bounded_int(bad) is None, bad
    assert bounded_int("0", minimum=0) == 0


# --- Control characters -----------------------------------------------------------------------

class SampleForm(Form):
    class Meta:
        csrf = False

    title = StringField(validators=[Optional()])
    body = TextAreaField()
    amount = IntegerField(validators=[Optional()])


@pytest.mark.parametrize(("title", "body", "ok"), [
    ("Surat undangan", "Baris satu\r\nBaris dua\tkolom", True),
    ("Surat\x00", "", False),
    ("", "teks\x00", False),
    ("judul\nbaris", "", False),  # one line: no newline
    ("\x1c", "", False),  # whitespace to str.strip(), so Optional() would let it through
    ("bel\x07", "", False),
    ("c1\x85", "", False),
    ("", "escape \x1b[31m", False),
])
def test_the_base_form_refuses_control_characters(app, title, body, ok):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = SampleForm(MultiDict({"title": title, "body": body}))
        assert form.validate() is ok
        if not ok:
            errors = form.title.errors + form.body.errors
            assert any(e.startswith(CONTROL) for e in errors)


def test_every_form_derives_from_the_base_form(app):
    from flask_wtf import FlaskForm

    ours = [c for c in form_classes(FlaskForm) if c.__module__.startswith("eoffice.")
            and c is not Form]
    assert len(ours) > 25
    assert [c.__qualname__ for c in ours if not issubclass(c, Form)] == []


def test_nul_in_a_form_is_refused_with_a_message_and_not_stored(client, as_admin,
                                                                no_propagation):
    response = client.post("/organisasi/unit/baru", data={
        "code": "NUL1", "name": "Dinas\x00Kominfo", "kind": "opd"})
    assert response.status_code == 200
    assert CONTROL in page_text(response)
    assert count(Unit, Unit.code == "NUL1") == 0
    staff = client.post("/pegawai/baru", data={"employment_type": "non_asn", "name": "Budi\x00",
                                               "gender": "L", "status": "aktif"})
    assert staff.status_code == 200 and CONTROL in page_text(staff)
    assert count(Staff) == 0


@pytest.mark.parametrize("url", ["/cari/?q=surat%00", "/cari/?q=%07", "/pegawai/?q=%00",
                                 "/surat-masuk/?q=a%00b", "/surat-masuk/?sender=%00",
                                 "/surat-masuk/?q=a%1Bb"])
def test_a_control_character_in_a_search_or_filter_field_gets_a_field_message(
        client, as_chief, no_propagation, url):
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert CONTROL in text
    assert "\x00" not in text  # not echoed back


@pytest.mark.parametrize("url", ["/admin/pengguna?q=%00", "/admin/audit?action=a%00",
                                 "/pegawai/?%00=1", "/surat-masuk/?%00=%00"])
def test_a_control_character_elsewhere_in_a_query_string_is_ignored(client, as_chief,
                                                                    no_propagation, url):
    assert client.get(url).status_code == 200


def test_a_control_character_in_a_path_segment_is_refused(client, no_propagation):
    assert client.get("/verifikasi/abc%00def").status_code in (400, 404)


def test_the_database_guard_refuses_nul_on_every_database(app):
    """The last guard: whatever path forgot the rule, NUL never reaches the database
    (PostgreSQL would raise inside psycopg; SQLite would store it)."""
    db.session.add(Unit(code="G1", name="Nama\x00", kind="opd"))
    with pytest.raises(UnsafeText):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(UnsafeText):
        db.session.execute(sa.select(Unit.id).where(Unit.name == "a\x00b"))
    db.session.rollback()
    assert count(Unit, Unit.code == "G1") == 0


def test_the_database_guard_answers_400_not_500(app, client, as_admin, no_propagation,
                                                monkeypatch):
    """A view that skipped the rules (simulated: the form check switched off)."""
    monkeypatch.setattr(Form, "validate", lambda self, extra_validators=None: True)
    response = client.post("/organisasi/unit/baru", data={
        "code": "NUL2", "name": "Dinas\x00", "kind": "opd"})
    assert response.status_code == 400
    assert CONTROL in page_text(response)


def test_staff_import_refuses_control_characters_per_row(app, client, as_admin):
    """Cells with a control character are row errors; a NUL past the part of the file
    that is sniffed (the first 4 KB) included."""
    from eoffice.staff import transfer

    header = list(transfer.COLUMNS)

    def row(name: str) -> str:
        values = {"nama": name, "jenis_pegawai": "Honorer", "jenis_kelamin": "P",
                  "status": "aktif"}
        return ",".join(values.get(column, "") for column in header)

    lines = [",".join(header), row("Budi\x07"), row("Rina\x1b[31m")]
    lines += [row(f"Pegawai Biasa Nomor {n:03d} " + "x" * 80) for n in range(50)]
    lines.append(row("Siti\x00Aminah"))
    data = ("\n".join(lines) + "\n").encode()
    assert data.index(b"\x00") > 4096
    response = client.post("/pegawai/impor", data={"file": (io.BytesIO(data), "pegawai.csv"),
                                                   "mode": "all"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert page_text(response).count(CONTROL) == 3
    assert count(Staff) == 0


def test_an_upload_name_loses_its_control_characters(app):
    from eoffice import files
    from tests.letters.conftest import PDF_BYTES

    checked = files.check_upload("sur\x00at\x07.pdf", PDF_BYTES)
    assert checked.filename == "surat.pdf"


def test_has_control_characters():
    assert not has_control_characters("Biasa, Rahasia — “kutip” é 漢字 🙂")
    assert has_control_characters("a\tb") and not has_control_characters("a\tb", multiline=True)
    assert has_control_characters("\ud800")


# --- JSON -------------------------------------------------------------------------------------

def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_load_json_refuses_deep_nesting(app):
    assert load_json(deep(32)) == json.loads(deep(32))
    for depth in (33, 10_000):
        with pytest.raises(ValueError):
            load_json(deep(depth))
    assert load_json(json.dumps({"a": "[" * 40})) == {"a": "[" * 40}  # text, not nesting


@pytest.mark.parametrize("depth", [33, 10_000])
def test_api_refuses_deep_json_with_400(client, chief_token, no_propagation, depth):
    response = client.post("/api/v1/letters", data=deep(depth), content_type="application/json",
                           headers={"Authorization": f"Bearer {chief_token}"})
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.get_json()["message"]


def test_api_refuses_a_json_body_over_the_limit_with_413(app, client, chief_token,
                                                          no_propagation, monkeypatch):
    monkeypatch.setitem(app.config, "JSON_MAX_BYTES", 1024)
    body = json.dumps({"subject": "x" * 2000})
    response = client.post("/api/v1/letters", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {chief_token}"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_api_refuses_control_characters_in_json_text(app, client, create_user, no_propagation):
    from eoffice.api.services import create_token

    clerk = create_user(roles=["pencatat"])
    secret = create_token("personal", "uji", user=clerk).secret
    db.session.commit()
    response = client.post("/api/v1/letters", json={
        "sender": "Dinas\x00", "sender_number": "1\x07", "subject": "ok",
        "summary": "baris\nbaris", "letter_date": "2026-01-02", "received_date": "2026-01-02"},
        headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code in (400, 422)
    errors = response.get_json()["errors"]
    assert errors["sender"].startswith(CONTROL) and errors["sender_number"].startswith(CONTROL)
    assert "summary" not in errors


def test_exchange_endpoint_refuses_deep_json(app, client, no_propagation):
    from tests.exchange.conftest import FakePeer

    peer = FakePeer(app)
    body = deep(10_000).encode()
    response = peer.post(client, body=body, headers={
        "Content-Type": "application/json", "X-Eoffice-Key-Id": peer.key_id,
        "X-Eoffice-Signature": peer.sign(body)})
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.get_json()["message"]


def test_exchange_endpoint_refuses_a_body_over_the_limit(app, client, no_propagation,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "JSON_MAX_BYTES", 1024)
    response = client.post("/exchange/v1/messages", data=b"{" + b" " * 4096 + b"}",
                           headers={"X-Eoffice-Key-Id": "x", "X-Eoffice-Signature": "y"})
    assert response.status_code == 413
