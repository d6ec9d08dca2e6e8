"""Archive tests use the letters' office to see codes on letters, and the outgoing
drafting fixtures to file signed letters."""

from tests.letters.conftest import office, register  # noqa: F401 - fixtures
from tests.outgoing.conftest import advance, make_draft, public_url  # noqa: F401 - fixtures
