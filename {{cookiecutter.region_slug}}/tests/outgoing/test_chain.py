"""The paraf chain: order, returns, resubmission, revisions, self-approval, safe text."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.helpers import page_text
from tests.outgoing.conftest import draft_form, log_in


def reload(letter):
    from eoffice.extensions import db
    from eoffice.outgoing.models import OutgoingLetter

    db.session.expire_all()
    return db.session.get(OutgoingLetter, letter.id)


def post(client, letter, action: str, **data):
    """POST an action and follow to the detail page; return its text."""
    return page_text(client.post(f"/surat-keluar/{letter.id}/{action}", data=data,
                                 follow_redirects=True))


# --- Order ----------------------------------------------------------------------------

def test_verifiers_act_in_their_order(client, office, make_draft, advance):
    letter = advance(make_draft(), "in_review")
    log_in(client, office.users["sekretaris"])  # verifier 2
    assert "It is not your turn to verify this draft." in post(client, letter, "setujui")
    assert "You cannot return this draft now." in post(client, letter, "kembalikan",
                                                        note="Tidak")
    assert reload(letter).current_step == 0 and reload(letter).status == "in_review"
    assert 'formaction="/surat-keluar/' not in page_text(client.get(
        f"/surat-keluar/{letter.id}"))  # no paraf buttons before their turn

    log_in(client, office.users["kadis"])  # the signatory cannot sign in review
    assert "not waiting for your signature" in post(client, letter, "tandatangani",
                                                    passphrase="frasa-tte-uji-456")

    log_in(client, office.users["kabid_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "Your turn to verify (paraf)" in page
    post(client, letter, "setujui", note="Setuju")
    assert reload(letter).current_step == 1 and reload(letter).status == "in_review"
    assert "It is not your turn" in post(client, letter, "setujui")  # not twice

    log_in(client, office.users["sekretaris"])
    post(client, letter, "setujui")
    letter = reload(letter)
    assert letter.status == "approved"
    assert [(s.position.name, s.status) for s in letter.steps] == [
        ("Kabid Aptika", "approved"), ("Sekretaris", "approved")]
    assert letter.steps[0].note == "Setuju" and letter.steps[0].acted_by_id == \
        office.users["kabid_a"].id


def test_a_draft_without_chain_goes_straight_to_the_signatory(office, make_draft, advance):
    letter = advance(make_draft(chain=()), "in_review")
    assert letter.status == "approved"


# --- Returns and resubmission -----------------------------------------------------------

def test_a_verifier_returns_the_draft_to_the_drafter(client, office, make_draft, advance):
    letter = advance(make_draft(), "in_review")
    log_in(client, office.users["kabid_a"])
    assert "Say what must change." in post(client, letter, "kembalikan", note="  ")
    assert reload(letter).status == "in_review"
    post(client, letter, "kembalikan", note="Lengkapi dasar hukum")
    letter = reload(letter)
    assert letter.status == "returned"
    assert (letter.steps[0].status, letter.steps[0].note) == ("returned", "Lengkapi dasar hukum")

    log_in(client, office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert re.search(r'id="return-note">Returned \(Kabid Aptika\): Lengkapi dasar hukum<', page)
    returned = page_text(client.get("/surat-keluar/?antrian=returned"))
    assert f'href="/surat-keluar/{letter.id}"' in returned


def test_the_signatory_returns_the_draft_with_a_note(client, office, make_draft, advance):
    letter = advance(make_draft(), "approved")
    log_in(client, office.users["kadis"])
    post(client, letter, "kembalikan", note="Ganti tanggal rapat")
    assert reload(letter).status == "returned"
    log_in(client, office.users["staf_a"])
    page = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "Returned (Kepala Dinas): Ganti tanggal rapat" in page


def test_resubmission_restarts_the_chain(client, office, make_draft, advance):
    letter = advance(make_draft(), "in_review")
    log_in(client, office.users["kabid_a"])
    post(client, letter, "setujui")
    log_in(client, office.users["sekretaris"])
    post(client, letter, "kembalikan", note="Ringkas")
    log_in(client, office.users["staf_a"])
    response = client.post(f"/surat-keluar/{letter.id}/ubah", data=draft_form(
        office, body_html="<p>Mohon data aplikasi, ringkas.</p>", revision_note="Diringkas"))
    assert response.status_code == 302
    post(client, letter, "ajukan")
    letter = reload(letter)
    assert letter.status == "in_review" and letter.current_step == 0
    assert [s.status for s in letter.steps] == ["pending", "pending"]
    assert all(s.note is None and s.acted_at is None for s in letter.steps)
    log_in(client, office.users["sekretaris"])  # verifier 1 must approve again first
    assert "It is not your turn" in post(client, letter, "setujui")
    log_in(client, office.users["kabid_a"])
    post(client, letter, "setujui")
    log_in(client, office.users["sekretaris"])
    post(client, letter, "setujui")
    assert reload(letter).status == "approved"


def test_only_the_drafter_edits_and_only_before_review(client, office, make_draft, advance):
    letter = make_draft()
    log_in(client, office.users["kabid_a"])  # in the chain: sees it, cannot edit it
    assert client.get(f"/surat-keluar/{letter.id}/ubah").status_code == 403
    assert client.post(f"/surat-keluar/{letter.id}/ubah",
                       data=draft_form(office, subject="Diubah")).status_code == 403
    advance(letter, "in_review")
    log_in(client, office.users["staf_a"])
    assert client.get(f"/surat-keluar/{letter.id}/ubah").status_code == 403
    assert reload(letter).subject != "Diubah" and reload(letter).revision == 1


# --- Revisions --------------------------------------------------------------------------

def test_every_revision_is_kept_and_two_can_be_compared(client, office, make_draft):
    letter = make_draft(subject="Permohonan data", body=(
        "<p>Dengan hormat,</p><p>Mohon data aplikasi.</p><p>Terima kasih.</p>"))
    log_in(client, office.users["staf_a"])
    for body, note in (
            ("<p>Dengan hormat,</p><p>Mohon data aplikasi daerah 2026.</p><p>Terima kasih.</p>",
             "Tahun ditambahkan"),
            ("<p>Dengan hormat,</p><p>Mohon data aplikasi daerah 2026.</p>"
             "<p>Paling lambat Jumat.</p><p>Terima kasih.</p>", "")):
        response = client.post(f"/surat-keluar/{letter.id}/ubah", data=draft_form(
            office, subject="Permohonan data", body_html=body, revision_note=note))
        assert response.status_code == 302, page_text(response)
    letter = reload(letter)
    name = office.users["staf_a"].full_name
    assert letter.revision == 3
    assert [(r.number, r.created_by_name, r.note) for r in letter.revisions] == [
        (1, name, None), (2, name, "Tahun ditambahkan"), (3, name, None)]

    log_in(client, office.users["kabid_a"])  # the chain reads the revisions too
    diff = page_text(client.get(f"/surat-keluar/{letter.id}/revisi?a=1&b=2"))
    assert "<code>-</code> Mohon data aplikasi." in diff
    assert "<code>+</code> Mohon data aplikasi daerah 2026." in diff
    assert "<code> </code> Terima kasih." in diff  # unchanged lines are shown as they are
    assert "Tahun ditambahkan" in diff
    latest = page_text(client.get(f"/surat-keluar/{letter.id}/revisi"))  # default: last two
    assert "<code>+</code> Paling lambat Jumat." in latest
    assert "<code>-</code>" not in latest
    assert client.get(f"/surat-keluar/{letter.id}/revisi?a=1&b=4").status_code == 404
    detail = page_text(client.get(f"/surat-keluar/{letter.id}"))
    assert "2 · " in detail and "Tahun ditambahkan" in detail


# --- Self-approval ----------------------------------------------------------------------

def test_a_drafter_cannot_verify_or_sign_their_own_draft(client, office, make_draft, app):
    from eoffice.outgoing.services import OutgoingError

    assert app.config["ALLOW_SELF_APPROVAL"] is False
    with pytest.raises(OutgoingError) as caught:
        make_draft(drafter="kabid_a", chain=(office.kabid_a, office.sekretaris))
    assert caught.value.errors == {"chain": "You cannot verify your own draft."}
    with pytest.raises(OutgoingError) as caught:
        make_draft(drafter="kadis", chain=(), signer=office.kadis)
    assert caught.value.errors == {"signer_position_id": "You cannot sign your own draft."}
    log_in(client, office.users["kadis"])  # the same over HTTP: the form says why
    page = page_text(client.post("/surat-keluar/baru", data=draft_form(office)))
    assert "You cannot sign your own draft." in page


def test_self_approval_when_the_region_allows_it(client, office, make_draft, advance, app,
                                                 monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_SELF_APPROVAL", True)
    letter = advance(make_draft(drafter="kabid_a", chain=(office.kabid_a,)), "in_review",
                     drafter="kabid_a")
    log_in(client, office.users["kabid_a"])
    post(client, letter, "setujui")
    assert reload(letter).status == "approved"

    own = advance(make_draft(drafter="kadis", chain=()), "in_review", drafter="kadis")
    assert own.status == "approved"
    log_in(client, office.users["kadis"])
    post(client, own, "tandatangani", passphrase="frasa-tte-uji-456")
    assert reload(own).status == "signed"

    # Switched off again: a draft made meanwhile can no longer be signed by its drafter.
    later = advance(make_draft(drafter="kadis", chain=()), "in_review", drafter="kadis")
    monkeypatch.setitem(app.config, "ALLOW_SELF_APPROVAL", False)
    assert "You cannot sign your own draft." in post(client, later, "tandatangani",
                                                     passphrase="frasa-tte-uji-456")
    assert reload(later).status == "approved"


# --- Safe rich text ---------------------------------------------------------------------

def test_the_body_keeps_formatting_and_loses_everything_active(office, make_draft):
    body = ('<p onclick="x()">Dengan <b>hormat</b>, <i>mohon</i> <u>data</u> '
            '<a href="javascript:alert(1)">tautan</a>.</p><script>alert(1)</script>'
            '<style>p{color:red}</style><iframe src="https://example.com"></iframe>'
            '<ul><li>satu</li></ul><ol><li>dua</li></ol>'
            '<table><tr><td colspan="2" style="color:red">sel</td></tr></table>'
            '<img src=x onerror="alert(1)">')
    letter = make_draft(body=body)
    assert letter.body_html == (
        "<p>Dengan <b>hormat</b>, <i>mohon</i> <u>data</u> tautan.</p>"
        "<ul><li>satu</li></ul><ol><li>dua</li></ol>"
        '<table><tbody><tr><td colspan="2">sel</td></tr></tbody></table>')
    assert letter.revisions[0].body_html == letter.body_html  # the revision too


def test_a_body_that_is_only_markup_is_refused(office, make_draft):
    from eoffice.outgoing.services import OutgoingError

    with pytest.raises(OutgoingError) as caught:
        make_draft(body="<script>alert('isi')</script><p> </p>")
    assert "body_html" in caught.value.errors


FRAGMENTS = ["<script>", "</script>", "<SCRIPT src=x>", "<scr", "ipt>", "<style>", "</style>",
             "<iframe src=//x>", "</iframe>", "<a href='javascript:x'>", "</a>", "<p>", "</p>",
             "<b>", "</b>", "<i>", "<u>", "<ul>", "<li>", "<table>", "<tr>", "<td colspan=2>",
             "<img src=x onerror=alert(1)>", " onclick=", "onload=\"x()\"", "<div onmouseover=y>",
             "<svg onload=z>", "<!--", "-->", "<", ">", "&", "&lt;", "\"", "'", "=", " ", "/",
             "<<", "<p on", "click=1>", "<br/>", "<body onload=a>", "<math>", "<![CDATA[",
             "]]>"]
html_ish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)),
                    max_size=30).map("".join)
EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


@given(html_ish)
@example("<scr<script>ipt>alert(1)</script>")
@example("<p on<script>click=1>x</p>")
@example(" \ufeff")
def test_sanitised_text_is_inert_and_stable(raw):
    from eoffice.outgoing.services import sanitize_html

    clean = sanitize_html(raw)
    lowered = clean.lower()
    for forbidden in ("<script", "<style", "<iframe", "<a ", "<img", "<svg", "javascript:"):
        assert forbidden not in lowered, (raw, clean)
    assert not EVENT_ATTRIBUTE.search(clean), (raw, clean)
    assert sanitize_html(clean) == clean, (raw, clean)
