"""Disposition tests reuse the letters' office (Kepala Dinas, Sekretaris, two Kabid, staff)."""

from __future__ import annotations

import pytest

from tests.letters.conftest import instructions, office, register  # noqa: F401 - fixtures


@pytest.fixture
def dispose(app):
    """dispose(office, letter, by, to=[positions], **DispositionInput fields) -> Disposition.

    ``parent``: the DispositionRecipient forwarded from (re-disposisi)."""
    from eoffice.dispositions.services import DispositionInput
    from eoffice.dispositions.services import dispose as write
    from eoffice.extensions import db

    def _dispose(the_office, letter, by, to, *, parent=None, note="Tindak lanjuti",
                 instruction_ids=(), due_date=None):
        disposition = write(letter, DispositionInput(
            to_positions=[p.id for p in to], instruction_ids=list(instruction_ids), note=note,
            due_date=due_date), actor=the_office.users[by], from_recipient=parent)
        db.session.commit()
        return disposition

    return _dispose
