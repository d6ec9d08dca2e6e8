"""Dashboard tests reuse the letters' office (Kepala Dinas, Sekretaris, two Kabid, staff)."""

from tests.dispositions.conftest import dispose  # noqa: F401 - fixtures
from tests.letters.conftest import instructions, office, register  # noqa: F401 - fixtures
