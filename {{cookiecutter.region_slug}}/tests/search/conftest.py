"""The letters' office and registration fixtures and the API client, shared."""

from tests.api.conftest import api, make_token  # noqa: F401 - shared fixtures
from tests.letters.conftest import office, register  # noqa: F401 - shared fixtures
