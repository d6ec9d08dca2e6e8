"""Several signatories on one letter (issue 10): an ordered list after the first signatory;
each signs in turn with their own PAdES signature as an incremental update that keeps the
earlier ones valid; the number is issued once, at the first signature; a further
signatory who refuses returns the draft with a reason and the number stays with it."""

from __future__ import annotations

import io
import re

import pytest

from eoffice.testing.pytest_plugin import signing_ca
from tests.outgoing.conftest import PASSPHRASE, draft_form, log_in, outcome, sign


def reload(letter):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    db.session.expire_all()
    return db.session.get(OutgoingLetter, letter.id)


def report(letter):
    from eoffice import files
    from eoffice.signing import verify

    return verify.check_pdf(files.read(letter.pdf_file), roots=[signing_ca()[1]])


def refused(fn) -> str:
    from eoffice.extensions import db
    from eoffice.outgoing import services

    with pytest.raises(services.OutgoingError) as caught:
        fn()
    db.session.rollback()
    return " ".join(caught.value.errors.values())


@pytest.fixture
def joint(office, make_draft, advance):
    """A letter the Kepala Dinas signs first, then the Kabid IKP, then the head of the
    other dinas; the paraf chain has given its approval."""

    def _joint(further=None):
        letter = make_draft(co_signers=[p.id for p in (further or (office.kabid_b,
                                                                    office.other_head))])
        return advance(letter, "approved")

    return _joint


def test_each_signatory_signs_in_turn_and_every_signature_stays_valid(office, joint):
    from eoffice import audit
    from eoffice.outgoing import services

    letter = joint()
    users = office.users
    assert [r.status for r in letter.co_signatories] == ["waiting", "waiting"]

    sign(letter, users["kadis"])
    letter = reload(letter)
    number, seq = letter.number, letter.number_seq
    assert number and letter.status == "signing" and letter.is_frozen
    assert [r.status for r in letter.co_signatories] == ["due", "waiting"]
    # The PDF as rendered at the first signature names every signatory.
    blocks = [r.block for r in letter.co_signatories]
    assert [b["name"] for b in blocks] == [users["kabid_b"].staff.name,
                                           users["other_head"].staff.name]
    first = report(letter)
    assert first.verdict == "valid" and len(first.signatures) == 1
    assert not services.can_send(letter, users["staf_a"])  # not issued before the last

    sign(letter, users["kabid_b"])
    letter = reload(letter)
    assert letter.status == "signing" and letter.number == number
    assert [r.status for r in letter.co_signatories] == ["signed", "due"]

    sign(letter, users["other_head"])
    letter = reload(letter)
    assert letter.status == "signed" and letter.number == number and letter.number_seq == seq
    result = report(letter)
    assert result.verdict == "valid", result
    assert [s.signer for s in result.signatures] == [
        users["kadis"].full_name, users["kabid_b"].full_name, users["other_head"].full_name]
    assert all(s.intact and s.trusted for s in result.signatures)
    assert [s.field for s in result.signatures] == ["TTE", "TTE-2", "TTE-3"]
    assert letter.co_signatories[-1].pdf_sha256 == letter.pdf_sha256
    assert services.can_send(letter, users["staf_a"])
    actions = [e.action for e in audit.events_for(services.OBJECT_TYPE, letter.id)]
    assert actions.count("outgoing.signed") == 1 and actions.count("outgoing.cosigned") == 2


def test_the_number_is_issued_once(office, joint, make_draft, advance):
    letter = joint([office.other_head])
    sign(letter, office.users["kadis"])
    seq = reload(letter).number_seq
    sign(reload(letter), office.users["other_head"])
    single = advance(make_draft(), "signed")  # the next letter of the series
    assert single.number_seq == seq + 1


def test_nobody_signs_out_of_turn_or_twice(office, joint):
    users = office.users
    letter = joint()
    # Before the first signature, a further signatory cannot sign.
    assert "not waiting for your signature" in refused(
        lambda: sign(letter, users["other_head"]))
    sign(letter, users["kadis"])
    letter = reload(letter)
    # The third signatory waits for the second; the first does not sign again.
    assert "not waiting for your signature" in refused(
        lambda: sign(letter, users["other_head"]))
    assert "not waiting for your signature" in refused(lambda: sign(letter, users["kadis"]))
    assert "not waiting for your signature" in refused(lambda: sign(letter, users["staf_a"]))
    letter = reload(letter)
    assert [r.status for r in letter.co_signatories] == ["due", "waiting"]
    sign(letter, users["kabid_b"])
    letter = reload(letter)
    assert "not waiting for your signature" in refused(
        lambda: sign(letter, users["kabid_b"]))
    assert len(report(reload(letter)).signatures) == 2


def test_a_wrong_passphrase_of_a_further_signatory_changes_nothing(office, joint):
    from eoffice import audit
    from eoffice.outgoing import services

    letter = joint([office.other_head])
    sign(letter, office.users["kadis"])
    letter = reload(letter)
    sha = letter.pdf_sha256
    assert "passphrase" in refused(lambda: services.sign(
        letter, actor=office.users["other_head"], passphrase="bukan-frasa-ini-1")).lower()
    letter = reload(letter)
    assert letter.status == "signing" and letter.pdf_sha256 == sha
    assert letter.co_signatories[0].status == "due"
    events = audit.events_for(services.OBJECT_TYPE, letter.id)
    assert events[-1].action == "outgoing.sign_refused"


def test_a_further_signatory_returns_the_letter_and_the_number_stays(office, joint, advance):
    from eoffice.extensions import db
    from eoffice.outgoing import services

    users = office.users
    letter = joint([office.other_head])
    sign(letter, users["kadis"])
    letter = reload(letter)
    number, seq = letter.number, letter.number_seq
    assert "Say what must change" in refused(lambda: services.return_draft(
        letter, actor=users["other_head"], note=" "))
    assert "cannot return" in refused(lambda: services.return_draft(
        reload(letter), actor=users["kabid_b"], note="Tidak"))
    services.return_draft(reload(letter), actor=users["other_head"],
                          note="Nama kegiatan bersama keliru")
    db.session.commit()
    letter = reload(letter)
    assert letter.status == "returned" and letter.number == number
    assert letter.pdf_file is None and letter.verify_token is None and not letter.signed_at
    assert [r.status for r in letter.co_signatories] == ["waiting"]
    events = services.audit.events_for(services.OBJECT_TYPE, letter.id)
    assert services.return_note(letter, events) == (office.other_head.name,
                                                    "Nama kegiatan bersama keliru")
    assert any(e.action == "outgoing.signatures_discarded" for e in events)

    # Revised and through the chain again: signed again under the same number.
    services.update_draft(letter, services.DraftInput(
        letter_type="nota_dinas", subject=letter.subject, signer_position_id=office.kadis.id,
        body_html="<p>Dengan hormat, kegiatan bersama diperbaiki.</p>",
        classification_id=letter.classification_id,
        to_positions=[office.kabid_b.id], chain=[s.position_id for s in letter.steps],
        co_signers=[office.other_head.id]), actor=users["staf_a"])
    db.session.commit()
    advance(letter, "approved")
    sign(reload(letter), users["kadis"])
    sign(reload(letter), users["other_head"])
    letter = reload(letter)
    assert letter.status == "signed" and (letter.number, letter.number_seq) == (number, seq)
    assert report(letter).verdict == "valid" and len(report(letter).signatures) == 2


@pytest.mark.parametrize(("further", "message"), [
    (lambda o: [o.kadis], "appears twice"),
    (lambda o: [o.other_head, o.other_head], "appears twice"),
    (lambda o: [o.kabid_a], "do not add them as a verifier"),
    (lambda o: [o.kabid_b, o.other_head, o.sekretaris, o.kabid_a], "At most 3"),
])
def test_bad_signatory_lists_are_refused(office, make_draft, further, message):
    assert message in refused(lambda: make_draft(co_signers=[p.id for p in further(office)]))


def test_a_vacant_further_position_is_refused(office, make_draft, create_position):
    vacant = create_position(office.bidang_b, "Sekretaris Bidang Kosong", parent=office.kadis)
    assert "vacant" in refused(lambda: make_draft(co_signers=[vacant.id]))


def test_further_signatories_see_the_letter_and_their_queue_only_in_turn(office, joint):
    from eoffice.outgoing import services
    from eoffice.outgoing.access import can_view

    users = office.users
    letter = joint([office.other_head])
    other = users["other_head"]
    assert can_view(other, letter)  # the draft is theirs to read before they sign
    assert services.queue_counts(other)["to_sign"] == 0
    sign(letter, users["kadis"])
    assert services.queue_counts(other)["to_sign"] == 1
    assert [r.id for r in services.queue_page(other, "to_sign").items] == [letter.id]
    assert services.queue_counts(users["kadis"])["to_sign"] == 0
    sign(reload(letter), other)
    assert services.queue_counts(other)["to_sign"] == 0


def test_restricted_joint_letter_stays_with_its_people(office, people, joint, make_draft,
                                                      advance):
    """An R letter: the further signatory sees it; a clerk of the office and a plain
    pegawai do not, in lists or as the PDF."""
    from eoffice.outgoing.access import can_view

    letter = advance(make_draft(security="R", co_signers=[office.other_head.id]), "approved")
    sign(letter, office.users["kadis"])
    sign(reload(letter), office.users["other_head"])
    letter = reload(letter)
    assert can_view(office.users["other_head"], letter)
    assert not can_view(office.users["clerk_a"], letter)
    assert not can_view(office.users["pegawai_b"], letter)


def test_over_http_draft_sign_in_turn_and_verify_every_signature(office, client, public_url):
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter
    from tests.outgoing.conftest import holder

    users = office.users
    log_in(client, users["staf_a"])
    response = client.post("/surat-keluar/baru", data=draft_form(
        office, co_signer_1=str(office.other_head.id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    letter_id = int(response.headers["Location"].rsplit("/", 1)[1])
    letter = db.session.get(OutgoingLetter, letter_id)
    assert [r.position_id for r in letter.co_signatories] == [office.other_head.id]
    # Refused in the form: the signer again among the further signatories.
    bad = client.post(f"/surat-keluar/{letter_id}/ubah", data=draft_form(
        office, co_signer_1=str(office.kadis.id)))
    assert bad.status_code == 200 and b"appears twice among the signatories" in bad.data
    client.post(f"/surat-keluar/{letter_id}/ajukan")
    for step in reload(letter).steps:
        services.approve(reload(letter), actor=holder(step.position, users))
        db.session.commit()

    log_in(client, users["kadis"])
    page = client.get(f"/surat-keluar/{letter_id}").get_data(as_text=True)
    assert 'id="signatories"' in page and 'data-state="due"' in page
    client.post(f"/surat-keluar/{letter_id}/tandatangani", data={"passphrase": PASSPHRASE})
    letter = reload(letter)
    assert letter.status == "signing"

    log_in(client, users["other_head"])
    page = client.get(f"/surat-keluar/{letter_id}").get_data(as_text=True)
    assert 'id="sign-card"' in page and "being signed" in page
    assert client.get("/surat-keluar/?antrian=to_sign").get_data(as_text=True).count(
        f"/surat-keluar/{letter_id}\"") >= 1
    verify_page = client.get(f"/verifikasi/{letter.verify_token}").get_data(as_text=True)
    assert 'id="not-all-signed"' in verify_page
    response = client.post(f"/surat-keluar/{letter_id}/tandatangani",
                           data={"passphrase": PASSPHRASE})
    assert response.status_code == 302
    letter = reload(letter)
    assert letter.status == "signed"
    page = client.get(f"/surat-keluar/{letter_id}").get_data(as_text=True)
    assert page.count('data-state="signed"') == 2 and 'id="sign-card"' not in page

    # The test session's CA trusted here, as a national root would be.
    from cryptography.hazmat.primitives import serialization

    from eoffice.signing import roots

    roots.add_root(signing_ca()[1].public_bytes(serialization.Encoding.PEM), actor=None)
    db.session.commit()
    client.post("/keluar")
    verify_page = client.get(f"/verifikasi/{letter.verify_token}").get_data(as_text=True)
    assert 'id="signature-verdict" data-verdict="valid"' in verify_page
    assert 'id="signature-2"' in verify_page and 'id="signature-3"' not in verify_page
    assert 'id="not-all-signed"' not in verify_page
    assert users["other_head"].staff.name in verify_page
    assert outcome(client.get(f"/surat-keluar/{letter_id}/surat.pdf")) == "login"


def test_the_pdf_shows_every_signature_block(office, joint):
    from eoffice import files
    from tests.outgoing.conftest import pdf_text

    letter = joint([office.other_head])
    sign(letter, office.users["kadis"])
    text = pdf_text(files.read(reload(letter).pdf_file))
    assert office.kadis.name in text and office.other_head.name in text
    assert len(re.findall(r"Ditandatangani secara elektronik", text)) == 2
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert len(PdfFileReader(io.BytesIO(files.read(reload(letter).pdf_file)))
               .embedded_signatures) == 1


def test_only_the_person_named_in_the_block_signs_it(office, joint):
    """A Plh appointed for the second signatory's position after the first signature
    holds the position, but the PDF names its holder: the Plh cannot sign in their
    place; the holder still can."""
    from eoffice.extensions import db
    from eoffice.letters.services import today_local
    from eoffice.org.acting import create_assignment

    users = office.users
    letter = joint([office.other_head])
    sign(letter, users["kadis"])
    create_assignment(position_id=office.other_head.id, user_id=users["kabid_a"].id,
                      kind="plh", start_date=today_local(), end_date=today_local())
    db.session.commit()
    message = refused(lambda: sign(reload(letter), users["kabid_a"]))
    assert users["other_head"].staff.name in message and "only they can sign" in message
    sign(reload(letter), users["other_head"])
    assert reload(letter).status == "signed"


def test_a_further_signatory_returns_it_over_http(office, client, joint):
    letter = joint([office.other_head])
    sign(letter, office.users["kadis"])
    log_in(client, office.users["other_head"])
    response = client.post(f"/surat-keluar/{letter.id}/kembalikan",
                           data={"note": "Tanggal kegiatan belum disepakati"})
    assert response.status_code == 302
    letter = reload(letter)
    assert letter.status == "returned" and letter.number
    log_in(client, office.users["staf_a"])
    page = client.get(f"/surat-keluar/{letter.id}").get_data(as_text=True)
    assert "Tanggal kegiatan belum disepakati" in page and 'id="return-note"' in page
