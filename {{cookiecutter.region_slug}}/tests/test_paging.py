"""Lists paged by keys: any cursor, ours or forged, gives a page, never an error."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eoffice.paging import decode_cursor, encode_cursor
from tests.api.conftest import api, make_token  # noqa: F401 - shared fixtures
from tests.letters.conftest import office, register  # noqa: F401 - shared fixtures

LISTS = ["/surat-masuk/", "/surat-masuk/?q=rapat", "/surat-masuk/?antrian=to_read",
         "/surat-masuk/?classification_id=1", "/disposisi/?antrian=open",
         "/disposisi/?antrian=done", "/disposisi/?antrian=sent", "/surat-keluar/",
         "/surat-keluar/?antrian=to_sign", "/surat-keluar/?antrian=mine"]
API_LISTS = ["/letters", "/letters?q=rapat", "/dispositions?queue=done", "/outgoing"]

values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=20), st.booleans(),
    st.none(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=2))
marks = st.sampled_from(["i", "s", "d", "t", "b", "x", ""])
forged = st.builds(
    lambda way, items: base64.urlsafe_b64encode(json.dumps([way, items]).encode())
    .decode().rstrip("="),
    st.sampled_from(["n", "p", "q", 1]),
    st.lists(st.tuples(marks, values).map(list), max_size=3))


def test_cursors_round_trip():
    import datetime as dt

    key = (dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 7, 5, 1, 12), 42, "x")
    assert decode_cursor(encode_cursor(key, False)).key == key
    assert not decode_cursor(encode_cursor(key, False)).forward
    for bad in (None, "", "!!!", "a" * 600, "bnVsbA"):
        assert decode_cursor(bad) is None


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=forged)
@example(cursor=encode_cursor((10**9, 1)))  # a day no calendar has
@example(cursor=encode_cursor(("2024-01-01", 1)))
@example(cursor=encode_cursor((2**40, 2**40)))
def test_any_cursor_gets_a_page(app, client, login, office, cursor):  # noqa: F811
    login(office.users["kadis"])
    for url in LISTS:
        joiner = "&" if "?" in url else "?"
        assert client.get(f"{url}{joiner}cursor={cursor}").status_code == 200, (url, cursor)


@pytest.mark.parametrize("url", API_LISTS)
def test_any_cursor_gets_a_page_from_the_api(app, office, url, api, make_token):  # noqa: F811
    token = make_token(office.users["kadis"])
    joiner = "&" if "?" in url else "?"
    for cursor in (encode_cursor((10**9, 1)), encode_cursor(("x", "y")), encode_cursor((1,)),
                   encode_cursor((1, 2, 3)), "garbage"):
        assert api.get(f"{url}{joiner}cursor={cursor}", token).status_code == 200, cursor
