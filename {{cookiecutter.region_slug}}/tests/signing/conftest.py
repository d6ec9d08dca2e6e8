"""Signing tests use the outgoing letters' office and helpers to bring a draft to the
signature."""

from tests.outgoing.conftest import (  # noqa: F401 - shared fixtures
    advance,
    make_draft,
    office,
    public_url,
)
