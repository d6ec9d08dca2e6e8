"""schemathesis against the served OpenAPI document: no server error, and no response
that contradicts the document (status codes, content types, bodies, headers).

Runs inside the test's rolled-back transaction on SQLite or PostgreSQL, with a
token of a user who holds every core role, so most endpoints answer 200/201 and
their bodies are checked too. The number of examples is bounded for CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

MAX_EXAMPLES = 12


@pytest.fixture
def api_token(app, office, register, create_staff, create_position, create_user, make_token):
    from tests.letters.conftest import PDF_BYTES

    person = create_staff(name="Kepala Tata Usaha", unit=office.dinas)
    create_position(office.dinas, "Kepala Tata Usaha", holder=person, parent=office.kadis)
    user = create_user(username="semua", roles=["admin", "pencatat", "pimpinan", "pegawai"],
                       staff=person)
    register(office, to=[office.kadis], uploads=[("scan.pdf", PDF_BYTES)])
    register(office, to=[office.kadis], security="R")
    return make_token(user)


# A request that fits the document may still break a rule of the domain (a position
# that does not exist, a duplicate letter): the documented 409 and 422 answers.
CHECKS = {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}}


@pytest.fixture
def api_schema(app, api_token):
    # The token goes through schemathesis' own auth, so its "no token" cases really send none.
    config = {"checks": CHECKS, "auth": {"openapi": {"bearerAuth": {"bearer": api_token}}}}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                          config=schemathesis.Config.from_dict(config))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    # buffered: the in-process client reads and closes every response (files included)
    case.call_and_validate(buffered=True)
