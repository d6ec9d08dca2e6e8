"""API fixtures: tokens and a client that sends them."""

from __future__ import annotations

import pytest

from tests.letters.conftest import office, register  # noqa: F401 - shared fixtures


@pytest.fixture
def make_token(app):
    """make_token(user) -> a personal token's secret; make_token(scopes=[...]) -> system."""
    from eoffice.api.services import create_token
    from eoffice.extensions import db

    def _make(user=None, *, scopes=(), **extra):
        new = create_token("personal" if user is not None else "system", extra.pop("name", "uji"),
                           user=user, scopes=scopes, **extra)
        db.session.commit()
        return new.secret

    return _make


class ApiClient:
    def __init__(self, client):
        self.client = client

    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.request("POST", path, token, **kwargs)


@pytest.fixture
def api(client):
    return ApiClient(client)
