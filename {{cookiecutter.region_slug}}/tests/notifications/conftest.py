"""Notification tests reuse the letters' office, the outgoing helpers and the exchange's peer."""

from __future__ import annotations

from tests.exchange.conftest import peer, wire  # noqa: F401 - shared fixtures
from tests.outgoing import conftest as outgoing

# The outgoing letters' fixtures, shared (assigned, as tests/outgoing/conftest.py does).
advance, make_draft, office, people = (outgoing.advance, outgoing.make_draft, outgoing.office,
                                       outgoing.people)
public_url, register = outgoing.public_url, outgoing.register
