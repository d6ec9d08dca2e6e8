"""Domain events reach a subscribed local plugin exactly once, after the commit, and never
when the transaction is rolled back (eoffice/events.py)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from eoffice import events
from eoffice.extensions import db
from eoffice.plugins.toolkit import hookimpl
from tests.outgoing.conftest import PASSPHRASE, holder, sign


def registration(office):
    import datetime as dt

    from eoffice.letters.services import LetterInput

    return LetterInput(
        sender="Kementerian Dalam Negeri", sender_number="000.1/99/SJ",
        letter_date=dt.date.today(), received_date=dt.date.today(),
        subject="Undangan rapat koordinasi", security="B", speed="biasa",
        to_positions=[office.kadis.id], cc_positions=[office.sekretaris.id], uploads=[])


def test_registration_is_told_once_after_the_commit(office, recorder):
    from eoffice.letters.services import register_letter

    letter = register_letter(registration(office), actor=office.users["clerk"])
    db.session.flush()
    assert recorder.seen == []  # collected, not told: the commit may still fail
    assert [e.name for e in events.pending(db.session())] == [
        "letter_registered", "copy_received"]
    db.session.commit()
    assert recorder.names() == ["letter_registered", "copy_received"]
    told, copy = recorder.seen
    assert (told.object_type, told.object_id) == ("incoming_letters", letter.id)
    assert told.positions == (office.kadis.id,) and copy.positions == (office.sekretaris.id,)
    assert told.actor_id == office.users["clerk"].id and not told.restricted
    assert told.data["agenda_number"] == letter.agenda_number
    db.session.commit()  # a later commit does not tell them again
    assert len(recorder.seen) == 2


def test_rollback_tells_nobody(office, recorder):
    from eoffice.letters.services import register_letter

    register_letter(registration(office), actor=office.users["clerk"])
    db.session.rollback()
    db.session.commit()
    assert recorder.seen == []
    assert events.pending(db.session()) == []


def test_a_rolled_back_savepoint_drops_only_its_own_events(office, recorder):
    events.emit("letter_registered", "incoming_letters", 1, positions=[office.kadis.id])
    with pytest.raises(RuntimeError), db.session.begin_nested():
        events.emit("copy_received", "incoming_letters", 1, positions=[office.kadis.id])
        raise RuntimeError("undo the savepoint")
    with db.session.begin_nested():
        events.emit("letter_signed", "outgoing_letters", 2, user_ids=[office.users["kadis"].id])
    db.session.commit()
    assert recorder.names() == ["letter_registered", "letter_signed"]


def test_restricted_letters_say_so_and_carry_no_subject(office, recorder, register):
    letter = register(office, security="SR", subject="Rahasia negara")
    assert {e.restricted for e in recorder.seen} == {True}
    assert all("Rahasia" not in str(dict(e.data)) for e in recorder.seen)
    assert recorder.seen[0].object_id == letter.id


def test_unknown_event_names_are_refused(app):
    with pytest.raises(ValueError, match="unknown domain event"):
        events.emit("letter_eaten", "incoming_letters", 1)


def test_a_failing_subscriber_neither_stops_the_others_nor_undoes_the_change(
        office, recorder, app, caplog):
    from eoffice.letters.models import IncomingLetter
    from eoffice.letters.services import register_letter
    from eoffice.plugins.manager import plugin_manager

    class Broken:
        @hookimpl
        def eoffice_letter_registered(self, event):
            db.session.execute(sa.text("SELECT 1"))
            raise RuntimeError("gateway down")

    manager = plugin_manager(app)
    manager.register(Broken(), name="test.broken")
    try:
        with caplog.at_level(logging.ERROR, logger="eoffice.events"):
            letter = register_letter(registration(office), actor=office.users["clerk"])
            db.session.commit()
    finally:
        manager.unregister(name="test.broken")
    assert recorder.names() == ["letter_registered", "copy_received"]
    assert "gateway down" in caplog.text and "test.broken" in caplog.text
    assert db.session.get(IncomingLetter, letter.id) is not None


def test_outgoing_flow_tells_each_step_once(office, people, recorder, make_draft, advance):
    users = office.users
    letter = make_draft(security="B")
    advance(letter, "sent")
    assert recorder.names() == [
        "draft_awaiting_paraf", "draft_awaiting_paraf", "draft_awaiting_signature",
        "letter_signed", "letter_registered", "letter_sent"]
    paraf_1, paraf_2, to_sign, signed, registered, sent = recorder.seen
    assert paraf_1.positions == (office.kabid_a.id,)
    assert paraf_2.positions == (office.sekretaris.id,)
    assert to_sign.positions == (office.kadis.id,)
    assert signed.user_ids == sent.user_ids == (users["staf_a"].id,)
    assert signed.data["number"] == sent.data["number"] == letter.number
    assert registered.object_type == "incoming_letters"
    assert registered.positions == (office.kabid_b.id,)


def test_returned_draft_tells_the_drafter(office, people, recorder, make_draft, advance):
    letter = make_draft()
    advance(letter, "returned")
    assert recorder.names() == ["draft_awaiting_paraf", "draft_returned"]
    assert recorder.seen[-1].user_ids == (office.users["staf_a"].id,)


def test_a_refused_signature_tells_nobody(office, people, recorder, make_draft, advance):
    from eoffice.outgoing.services import OutgoingError

    letter = make_draft()
    advance(letter, "approved")
    recorder.clear()
    with pytest.raises(OutgoingError):
        sign(letter, office.users["kadis"], passphrase=PASSPHRASE + "x")
    db.session.rollback()
    db.session.commit()
    assert recorder.seen == []
    sign(letter, office.users["kadis"])
    assert recorder.names() == ["letter_signed"]


def test_dispositions_are_told_to_their_recipients(office, recorder, register):
    from eoffice.dispositions.services import DispositionInput, dispose, report, send_back

    letter = register(office)
    recorder.clear()
    disposition = dispose(letter, DispositionInput(
        to_positions=[office.kabid_a.id, office.kabid_b.id], instruction_ids=[],
        note="Tindak lanjuti"), actor=office.users["kadis"])
    db.session.commit()
    assert recorder.names() == ["disposition_received"]
    received = recorder.seen[0]
    assert received.positions == (office.kabid_a.id, office.kabid_b.id)
    assert received.data["disposition"] == disposition.id
    assert received.data["due"] == disposition.due_date.isoformat()
    recipient = disposition.recipients[0]
    report(recipient, "Sudah dikerjakan", None, True, actor=holder(office.kabid_a, office.users))
    db.session.commit()
    send_back(recipient, "Kurang lengkap", actor=office.users["kadis"])
    db.session.commit()
    assert recorder.names() == ["disposition_received", "disposition_returned"]
    assert recorder.seen[-1].positions == (office.kabid_a.id,)


def test_exchange_arrival_and_acceptance(app, client, office, peer, wire, recorder):
    from eoffice.exchange.models import InboundLetter
    from eoffice.exchange.services import accept

    assert peer.post(client, peer.letter()).status_code == 201
    assert recorder.names() == ["exchange_received"]
    assert recorder.seen[0].data["from"] == peer.peer.name
    item = db.session.scalar(sa.select(InboundLetter))
    accept(item, [office.kadis.id], [], actor=office.users["clerk"])
    db.session.commit()
    assert recorder.names() == ["exchange_received", "letter_registered"]
    assert recorder.seen[-1].object_id == item.letter_id
