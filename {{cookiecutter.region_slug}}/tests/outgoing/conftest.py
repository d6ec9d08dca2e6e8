from tests.letters.conftest import office, register  # noqa: F401 - shared fixtures
