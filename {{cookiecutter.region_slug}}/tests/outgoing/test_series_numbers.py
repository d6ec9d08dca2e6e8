"""Signing takes the number from the numbering series of the letter's type, its signer's
unit (or OPD) and its classification (eoffice.series)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.outgoing.conftest import PASSPHRASE


def _series(name, kinds, pattern, scope="region", unit=None, **extra):
    from eoffice.extensions import db
    from eoffice.series.services import save_series

    series = save_series(None, actor=None, name=name, scope=scope,
                         unit_id=unit.id if unit else None, kinds=kinds,
                         classification_codes=extra.get("codes", []), pattern=pattern,
                         yearly_reset=True, per_code=False, active=True)
    db.session.commit()
    return series


def test_an_opds_series_numbers_its_nota_dinas(office, make_draft, advance):
    from eoffice.letters.services import today_local

    year = today_local().year
    own = _series("Nota dinas Kominfo", ["outgoing:nota_dinas"], "ND/{seq}/{opd}/{year}",
                  "opd", office.dinas)
    by_head = advance(make_draft(), "signed")
    by_kabid = advance(make_draft(chain=(office.sekretaris,), signer=office.kabid_a),
                       "signed", signer="kabid_a")
    assert by_head.number == f"ND/1/{office.dinas.code}/{year}"
    assert by_kabid.number == f"ND/2/{office.dinas.code}/{year}"  # a bidang of the OPD
    assert (by_head.number_series, by_head.number_seq) == (f"series:{own.id}", 1)
    other_type = advance(make_draft(letter_type="biasa"), "signed")
    assert other_type.number_series == "surat"  # the region's series numbers the rest


def test_a_code_restricted_series_goes_first(office, make_draft, advance):
    _series("Nota dinas Kominfo", ["outgoing:nota_dinas"], "ND/{seq}/{opd}", "opd",
            office.dinas)
    _series("Kepegawaian Kominfo", ["outgoing:nota_dinas"], "KP/{seq}/{opd}", "opd",
            office.dinas, codes=["800"])
    staffing = advance(make_draft(code="800"), "signed")
    general = advance(make_draft(code="000.1"), "signed")
    assert staffing.number == f"KP/1/{office.dinas.code}"
    assert general.number == f"ND/1/{office.dinas.code}"


def test_without_an_active_series_signing_is_refused_and_nothing_taken(office, make_draft,
                                                                       advance):
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter
    from eoffice.series.models import NumberingSeries

    letter = advance(make_draft(), "approved")
    db.session.execute(sa.update(NumberingSeries).where(
        NumberingSeries.default_for == "outgoing").values(active=False))
    with pytest.raises(services.OutgoingError) as refused:
        services.sign(letter, actor=office.users["kadis"], passphrase=PASSPHRASE)
    assert "No active numbering series" in refused.value.errors["passphrase"]
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(OutgoingLetter, letter.id).number is None


def test_a_number_issued_by_another_series_is_refused_not_stored_twice(office, make_draft,
                                                                       advance):
    """Two series with one pattern would issue one number twice: the second is refused
    with a message for the administrator (never a database error)."""
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.series.models import NumberingSeries

    db.session.execute(sa.update(NumberingSeries).where(
        NumberingSeries.default_for == "outgoing").values(pattern="X/{seq}/{opd}"))
    advance(make_draft(), "signed")  # X/1/<dinas>
    _series("Nota dinas Kominfo", ["outgoing:nota_dinas"], "X/{seq}/{opd}", "opd",
            office.dinas)
    letter = advance(make_draft(), "approved")
    with pytest.raises(services.OutgoingError) as refused:
        services.sign(letter, actor=office.users["kadis"], passphrase=PASSPHRASE)
    assert "already issued by another numbering series" in refused.value.errors["passphrase"]
    db.session.rollback()
