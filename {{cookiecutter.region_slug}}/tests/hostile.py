"""Shared by the tests of hostile input: a user who may do everything, and their token."""

from __future__ import annotations

import pytest


@pytest.fixture
def chief(app, create_unit, create_staff, create_position, create_user):
    """A user with every role, holding the head position of a unit: every page of the
    core is open to them (the exchange inbox and the letter forms included)."""
    from eoffice.security import ROLES

    unit = create_unit(code="UJI", name="Dinas Uji")
    person = create_staff(name="Kepala Uji", unit=unit)
    create_position(unit, "Kepala Dinas Uji", holder=person, is_head=True, jabatan_type="jpt")
    return create_user(username="chief", roles=list(ROLES), staff=person, full_name="Kepala Uji")


@pytest.fixture
def as_chief(chief, login):
    return login(chief)


@pytest.fixture
def chief_token(chief):
    """A personal API token of ``chief``: every API route is open to it."""
    from eoffice.api.services import create_token
    from eoffice.extensions import db

    secret = create_token("personal", "uji", user=chief).secret
    db.session.commit()
    return secret
