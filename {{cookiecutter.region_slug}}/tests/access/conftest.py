"""The letters' office and registration fixtures, shared with the access tests."""

from tests.letters import conftest as letters

office, register = letters.office, letters.register
