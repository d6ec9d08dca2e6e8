"""Checking the signatures embedded in a PDF (eoffice/signing/verify.py): the verdict
and what each signature says, against the region's trust roots."""

from __future__ import annotations

import datetime as dt

import pytest

from eoffice.signing import verify
from tests.signing.conftest import (
    append_page_change,
    flip_signed_byte,
    foreign_signer_for,
    make_foreign_ca,
    sign_pdf,
)


def test_a_signature_of_the_region_ca_is_valid_and_trusted(plain_pdf, region_signer):
    report = verify.check_pdf(sign_pdf(plain_pdf, region_signer))
    assert report.verdict == verify.VALID
    (signature,) = report.signatures
    assert signature.signer == "Siti Rahma"
    assert signature.issuer.startswith("CA Uji") and "BUKAN CA NASIONAL" in signature.issuer
    assert signature.serial == region_signer.issued.serial
    assert signature.intact and signature.trusted and not signature.revoked
    assert signature.level == "PAdES B-B"  # no timestamp
    assert abs(signature.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert signature.problem is None


def test_one_byte_changed_in_the_signed_range_is_altered(plain_pdf, region_signer):
    report = verify.check_pdf(flip_signed_byte(sign_pdf(plain_pdf, region_signer)))
    assert report.verdict == verify.ALTERED
    assert not report.signatures[0].intact


def test_a_page_changed_in_an_update_after_signing_is_altered(plain_pdf, region_signer):
    report = verify.check_pdf(append_page_change(sign_pdf(plain_pdf, region_signer)))
    assert report.verdict == verify.ALTERED
    (signature,) = report.signatures
    assert not signature.intact and signature.trusted
    assert "changed after" in signature.problem


def test_a_certificate_of_an_unknown_ca_is_untrusted(plain_pdf, region_ca, foreign_signer):
    report = verify.check_pdf(sign_pdf(plain_pdf, foreign_signer))
    assert report.verdict == verify.UNTRUSTED
    (signature,) = report.signatures
    assert signature.intact and not signature.trusted
    assert signature.signer == "Andi Pratama" and signature.issuer == "Root CA Uji Nasional"
    assert "not trusted" in signature.problem


def test_a_root_added_by_an_admin_is_trusted(plain_pdf, region_ca, foreign_ca, foreign_signer,
                                             create_user):
    from eoffice.extensions import db
    from eoffice.signing import roots

    signed = sign_pdf(plain_pdf, foreign_signer)
    admin = create_user("akar", roles=["admin"])
    roots.add_root(foreign_ca.der, actor=admin)
    db.session.commit()
    assert verify.check_pdf(signed).verdict == verify.VALID


def test_without_a_region_ca_nothing_is_trusted(app, plain_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    signer = foreign_signer_for(make_foreign_ca())
    assert verify.trust_roots() == []
    assert verify.check_pdf(sign_pdf(plain_pdf, signer)).verdict == verify.UNTRUSTED


def test_an_unsigned_pdf_is_unsigned(plain_pdf, region_ca):
    report = verify.check_pdf(plain_pdf)
    assert report.verdict == verify.UNSIGNED and report.signatures == []


@pytest.mark.parametrize("data", [
    b"", b"bukan pdf sama sekali" * 50, b"%PDF-1.7\n%%EOF\n", b"\x00" * 4096,
    b"PK\x03\x04" + b"\x00" * 200,
], ids=["empty", "text", "bare header", "zeros", "zip"])
def test_garbage_is_unreadable_with_a_clear_message(region_ca, data):
    report = verify.check_pdf(data)
    assert report.verdict == verify.UNREADABLE
    assert report.signatures == []
    assert "could not be read as a PDF" in report.message


def test_a_truncated_signed_pdf_is_unreadable(plain_pdf, region_signer):
    signed = sign_pdf(plain_pdf, region_signer)
    for cut in (signed[: len(signed) // 2], signed[:-40]):
        assert verify.check_pdf(cut).verdict in (verify.UNREADABLE, verify.ALTERED)
    assert verify.check_pdf(signed[: len(signed) // 2]).verdict == verify.UNREADABLE


def test_an_encrypted_pdf_is_unreadable(plain_pdf, region_ca):
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(plain_pdf)))
    writer.encrypt("pemilik", "pengguna")
    out = io.BytesIO()
    writer.write(out)
    report = verify.check_pdf(out.getvalue())
    assert report.verdict == verify.UNREADABLE
    assert "password" in report.message


def test_two_signatures_are_both_listed_and_valid(plain_pdf, region_signer, foreign_ca,
                                                  create_user):
    from eoffice.extensions import db
    from eoffice.signing import roots

    second = foreign_signer_for(foreign_ca, "Budi Kedua")
    twice = sign_pdf(sign_pdf(plain_pdf, region_signer), second, field="Signature2")
    report = verify.check_pdf(twice)
    assert [s.signer for s in report.signatures] == ["Siti Rahma", "Budi Kedua"]
    assert all(s.intact for s in report.signatures)
    assert report.verdict == verify.UNTRUSTED  # the second CA is not a root yet
    roots.add_root(foreign_ca.pem, actor=create_user("akar2", roles=["admin"]))
    db.session.commit()
    report = verify.check_pdf(twice)
    assert report.verdict == verify.VALID
    assert all(s.intact and s.trusted for s in report.signatures)


def test_a_page_changed_after_the_second_signature_alters_both(plain_pdf, region_signer):
    twice = sign_pdf(sign_pdf(plain_pdf, region_signer), region_signer, field="Signature2")
    report = verify.check_pdf(append_page_change(twice))
    assert report.verdict == verify.ALTERED
    assert [s.intact for s in report.signatures] == [False, False]


def test_a_revoked_certificate_is_not_trusted(plain_pdf, region_signer):
    from eoffice.signing import ca
    from tests.signing.conftest import CA_PASS

    signed = sign_pdf(plain_pdf, region_signer)
    ca.revoke(region_signer.issued.serial, CA_PASS)
    report = verify.check_pdf(signed)
    assert report.verdict == verify.UNTRUSTED
    assert report.signatures[0].revoked and "revoked" in report.signatures[0].problem


def test_the_report_gives_the_file_digest(plain_pdf, region_ca):
    import hashlib

    assert verify.check_pdf(plain_pdf).sha256 == hashlib.sha256(plain_pdf).hexdigest()


def test_a_letter_is_checked_as_of_its_signing_time(plain_pdf, region_ca):
    """Without a timestamp, a certificate that has expired since the letter was signed
    makes the letter "untrusted" when checked as of today; checked as of the signing
    time the server recorded (the stored letter's page does so) it stays valid."""
    ca = make_foreign_ca(days_back=10)
    expired = foreign_signer_for(ca, valid=(-dt.timedelta(days=5), -dt.timedelta(days=1)))
    signed = sign_pdf(plain_pdf, expired)
    today = verify.check_pdf(signed, roots=[ca.certificate])
    assert today.verdict == verify.UNTRUSTED
    then = verify.check_pdf(signed, roots=[ca.certificate],
                            moment=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                            - dt.timedelta(days=3))
    assert then.verdict == verify.VALID and then.signatures[0].intact
