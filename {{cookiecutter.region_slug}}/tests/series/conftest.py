"""Fixtures of the numbering series tests: the letter office (two OPDs) and a helper."""

from __future__ import annotations

import pytest

from tests.letters import conftest as letters

# The letters' office and registration fixtures, shared (assigned, as in tests/outgoing).
office, register = letters.office, letters.register


@pytest.fixture
def make_series(app):
    """make_series(name, kinds, pattern, scope="region", unit=None, **extra) -> series."""
    from eoffice.extensions import db
    from eoffice.series.services import save_series

    def _make(name: str, kinds, pattern: str, scope: str = "region", unit=None, **extra):
        values = {"name": name, "scope": scope, "unit_id": unit.id if unit else None,
                  "kinds": list(kinds), "classification_codes": extra.pop("codes", []),
                  "pattern": pattern, "yearly_reset": extra.pop("yearly_reset", True),
                  "per_code": extra.pop("per_code", False), "active": extra.pop("active", True)}
        series = save_series(None, actor=None, **values)
        db.session.commit()
        return series

    return _make
