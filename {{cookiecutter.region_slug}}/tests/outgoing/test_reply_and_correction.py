"""A reply to an incoming letter closes the disposition that asked for it; a correction
(ralat or pembatalan) cancels the signed letter it corrects, and both show the link."""

from __future__ import annotations

import re

import pytest

from tests.helpers import page_text
from tests.outgoing.conftest import PASSPHRASE, draft_form, holder, log_in


def reload(letter):
    from eoffice.extensions import db

    db.session.expire_all()
    return db.session.get(type(letter), letter.id)


def finish(letter, office, *, drafter: str) -> None:
    """Submit, paraf by the whole chain, sign by the Kepala Dinas (services)."""
    from eoffice.extensions import db
    from eoffice.outgoing import services

    services.submit(letter, actor=office.users[drafter])
    for step in list(letter.steps):
        services.approve(letter, actor=holder(step.position, office.users))
    services.sign(letter, actor=office.users["kadis"], passphrase=PASSPHRASE)
    db.session.commit()


# --- Reply --------------------------------------------------------------------------------

@pytest.fixture
def asked(office, register):
    """An incoming letter to the Kepala Dinas, disposed to the Kabid Aptika to answer."""
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.extensions import db

    incoming = register(office, sender="Kementerian Dalam Negeri", subject="Permintaan data SPBE",
                        security="T", speed="segera")
    disposition = dispose(incoming, DispositionInput(to_positions=[office.kabid_a.id],
                                                     note="Siapkan balasan"),
                          actor=office.users["kadis"])
    db.session.commit()
    return incoming, disposition.recipients[0]


def test_reply_prefills_the_draft_and_links_it(client, office, asked):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    incoming, row = asked
    log_in(client, office.users["kabid_a"])
    form = client.get(f"/surat-keluar/baru?balas={incoming.id}")
    assert form.status_code == 200
    page = page_text(form)
    assert 'value="Balasan: Permintaan data SPBE"' in page
    assert re.search(r'<textarea[^>]*name="external_to"[^>]*>\s*Kementerian Dalam Negeri', page)
    assert re.search(r'<option selected value="T">|<option value="T" selected>', page)
    response = client.post(f"/surat-keluar/baru?balas={incoming.id}", data=draft_form(
        office, letter_type="biasa", subject="Balasan: Permintaan data SPBE", to_positions=[],
        external_to="Menteri Dalam Negeri | Kementerian Dalam Negeri | Jakarta",
        verifier_1=str(office.sekretaris.id), verifier_2=""))
    assert response.status_code == 302, page_text(response)
    letter = db.session.get(OutgoingLetter, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert letter.reply_to_id == incoming.id and letter.closes_recipient_id == row.id


def test_sending_the_reply_closes_the_disposition(client, office, asked):
    from eoffice.dispositions.models import DispositionRecipient
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    incoming, row = asked
    log_in(client, office.users["kabid_a"])
    response = client.post(f"/surat-keluar/baru?balas={incoming.id}", data=draft_form(
        office, subject="Balasan data SPBE", verifier_1=str(office.sekretaris.id),
        verifier_2=""))
    letter = db.session.get(OutgoingLetter, int(response.headers["Location"].rsplit("/", 1)[1]))
    finish(letter, office, drafter="kabid_a")
    assert db.session.get(DispositionRecipient, row.id).status != "done"  # not at signing
    client.post(f"/surat-keluar/{letter.id}/kirim")
    letter, row = reload(letter), db.session.get(DispositionRecipient, row.id)
    assert letter.status == "sent"
    assert row.status == "done" and row.done_at is not None
    assert row.report == f"Dibalas dengan surat nomor {letter.number}."
    log_in(client, office.users["kadis"])  # the one who asked sees the report
    assert f"Dibalas dengan surat nomor {letter.number}." in page_text(
        client.get(f"/surat-masuk/{incoming.id}"))


def test_a_reply_without_an_open_disposition_closes_nothing(client, office, asked):
    from eoffice.dispositions.models import DispositionRecipient
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    incoming, row = asked
    log_in(client, office.users["kadis"])  # the addressee replies: no disposition of theirs
    response = client.post(f"/surat-keluar/baru?balas={incoming.id}", data=draft_form(
        office, subject="Balasan langsung", signer_position_id=str(office.sekretaris.id),
        verifier_1=str(office.kabid_a.id), verifier_2=""))
    assert response.status_code == 302, page_text(response)
    letter = db.session.get(OutgoingLetter, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert letter.reply_to_id == incoming.id and letter.closes_recipient_id is None
    assert db.session.get(DispositionRecipient, row.id).status != "done"


def test_reply_to_a_letter_one_cannot_see_is_not_found(client, office, register):
    incoming = register(office, to=[office.kabid_b], security="R")
    log_in(client, office.users["kabid_a"])
    assert client.get(f"/surat-keluar/baru?balas={incoming.id}").status_code == 404
    assert client.post(f"/surat-keluar/baru?balas={incoming.id}",
                       data=draft_form(office)).status_code == 404
    assert client.get("/surat-keluar/baru?balas=999999").status_code == 404


# --- Correction -----------------------------------------------------------------------------

def test_a_replacement_cancels_the_original_and_both_link(client, office, make_draft, advance):
    original = advance(make_draft(subject="Permohonan data aplikasi"), "sent")
    log_in(client, office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{original.id}"))
    assert f'action="/surat-keluar/{original.id}/koreksi"' in page
    assert "Draft a replacement (ralat)" in page and "Draft a cancellation" in page
    response = client.post(f"/surat-keluar/{original.id}/koreksi", data={"kind": "replaces"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ubah")
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    draft = db.session.get(OutgoingLetter, int(response.headers["Location"].split("/")[-2]))
    assert (draft.subject, draft.replaces_id, draft.correction_kind, draft.status) == (
        "Ralat: Permohonan data aplikasi", original.id, "replaces", "draft")
    assert draft.body_html == original.body_html and draft.drafter_id == original.drafter_id
    assert [s.position_id for s in draft.steps] == [s.position_id for s in original.steps]
    assert reload(original).status == "sent"  # nothing happens until the correction is signed

    finish(draft, office, drafter="staf_a")
    original, draft = reload(original), reload(draft)
    assert original.status == "cancelled"
    assert original.cancel_reason == f"Diganti dengan surat nomor {draft.number}"
    assert original.number and original.number != draft.number  # its number stays used

    old_page = page_text(client.get(f"/surat-keluar/{original.id}"))
    new_page = page_text(client.get(f"/surat-keluar/{draft.id}"))
    assert f'Corrected by <a href="/surat-keluar/{draft.id}">{draft.number}</a>' in old_page
    assert f"Diganti dengan surat nomor {draft.number}" in old_page
    assert f'This letter corrects <a href="/surat-keluar/{original.id}">{original.number}</a>' \
        in new_page
    client.post("/keluar")
    verification = page_text(client.get(f"/verifikasi/{original.verify_token}"))
    assert "This letter has been cancelled or replaced." in verification
    assert f"Diganti dengan surat nomor {draft.number}" in verification
    assert "has been cancelled" not in page_text(client.get(f"/verifikasi/{draft.verify_token}"))


def test_the_signatory_asks_for_a_cancellation_and_signs_it(client, office, make_draft,
                                                            advance):
    """Started by the signatory, the cancellation is written by the original drafter, so
    the signatory can sign it without signing a draft of their own."""
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    original = advance(make_draft(subject="Undangan rapat"), "signed")
    log_in(client, office.users["kadis"])
    response = client.post(f"/surat-keluar/{original.id}/koreksi", data={"kind": "cancels"})
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])  # the detail page
    draft = db.session.get(OutgoingLetter, draft_id)
    assert draft.subject == "Pembatalan: Undangan rapat" and draft.correction_kind == "cancels"
    assert f"surat nomor {original.number}" in draft.body_html
    assert draft.drafter_id == office.users["staf_a"].id
    assert draft.revisions[0].created_by_name == office.users["kadis"].full_name
    log_in(client, office.users["staf_a"])  # in the drafter's drafts, ready to submit
    assert f'href="/surat-keluar/{draft.id}"' in page_text(
        client.get("/surat-keluar/?antrian=mine"))
    finish(draft, office, drafter="staf_a")
    original, draft = reload(original), reload(draft)
    assert draft.status == "signed"
    assert original.status == "cancelled"
    assert original.cancel_reason == f"Dibatalkan dengan surat nomor {draft.number}"
    log_in(client, office.users["staf_a"])  # a cancelled letter is no longer sent
    assert "You cannot send this letter." in page_text(client.post(
        f"/surat-keluar/{original.id}/kirim", follow_redirects=True))


def test_only_a_signed_letter_by_its_drafter_or_signatory_is_corrected(client, office,
                                                                       make_draft, advance):
    from eoffice.outgoing.models import OutgoingLetter
    from tests.helpers import count

    approved = advance(make_draft(), "approved")
    signed = advance(make_draft(), "signed")
    before = count(OutgoingLetter)
    log_in(client, office.users["staf_a"])
    page = page_text(client.post(f"/surat-keluar/{approved.id}/koreksi",
                                 data={"kind": "replaces"}, follow_redirects=True))
    assert "Only a signed letter can be corrected." in page
    page = page_text(client.post(f"/surat-keluar/{signed.id}/koreksi", data={"kind": "other"},
                                 follow_redirects=True))
    assert "Only a signed letter can be corrected." in page
    log_in(client, office.users["kabid_a"])  # a verifier sees it, cannot correct it
    page = page_text(client.post(f"/surat-keluar/{signed.id}/koreksi",
                                 data={"kind": "replaces"}, follow_redirects=True))
    assert "Only the drafter or the signatory can start a correction." in page
    assert count(OutgoingLetter) == before
