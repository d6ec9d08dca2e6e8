"""Archive tests use the letters' office to see codes on letters."""

from tests.letters.conftest import office, register  # noqa: F401 - fixtures
