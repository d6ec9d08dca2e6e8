"""The access grants agree with the rule after every kind of change.

Hypothesis drives random sequences of what people do to letters (register with
addressees and copies at every security level, dispose, forward, cancel a letter or
a disposition, file, add a copy, open) and to the organisation (move a position or a
unit, change a unit's kind). After each sequence, for every person and every letter,
the grants give exactly what the rule written as subqueries (``tests/access/oracle``)
gives, ``flask eoffice access check`` finds nothing, and the lists show the same.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access import oracle

PEOPLE = ("kadis", "sekretaris", "clerk", "kabid_a", "kabid_b", "staf_a", "other_head",
          "other_clerk", "admin")
POSITIONS = ("kadis", "sekretaris", "kabid_a", "kabid_b", "staf_a", "other_head")

register_op = st.tuples(
    st.just("register"),
    st.lists(st.sampled_from(POSITIONS), min_size=1, max_size=2, unique=True),
    st.lists(st.sampled_from(POSITIONS), max_size=2, unique=True),
    st.sampled_from(("B", "T", "R", "SR")),
    st.sampled_from(("clerk", "other_clerk")))
letter_op = st.tuples(
    st.sampled_from(("dispose", "forward", "cancel", "cancel_disposition", "file", "copy",
                     "open")),
    st.integers(0, 20), st.sampled_from(PEOPLE), st.sampled_from(POSITIONS))
org_op = st.tuples(st.sampled_from(("move_position", "move_unit", "rekind_unit")),
                   st.integers(0, 3))
operations = st.lists(st.one_of(register_op, letter_op, org_op), min_size=1, max_size=12)


def _run(op, office, letters, users) -> None:
    """Do one operation the way the app does it; refusals (a rule says no) are fine."""
    from eoffice.dispositions import services as dispositions
    from eoffice.dispositions.models import Disposition, DispositionRecipient
    from eoffice.extensions import db
    from eoffice.letters import services as letter_services
    from eoffice.letters.models import LetterRecipient
    from eoffice.org.models import Position, Unit

    positions = {name: getattr(office, name) for name in POSITIONS}
    kind = op[0]
    if kind == "register":
        _, to, cc, security, by = op
        cc = [p for p in cc if p not in to]
        data = letter_services.LetterInput(
            sender="Kementerian Dalam Negeri", sender_number=f"000/{len(letters)}/X",
            letter_date=dt.date.today() - dt.timedelta(days=40),
            received_date=dt.date.today() - dt.timedelta(days=len(letters) % 30),
            subject=f"Surat uji {len(letters)}", security=security,
            to_positions=[positions[p].id for p in to], cc_positions=[positions[p].id for p in cc],
            confirm_duplicate=True)
        letters.append(letter_services.register_letter(data, actor=users[by]).id)
    elif kind in ("move_position", "move_unit", "rekind_unit"):
        which = op[1]
        if kind == "move_position":
            # Kabid IKP goes under the Sekretaris, or back under the Kepala Dinas; the
            # other head's clerk moves between the two offices.
            kabid_b = db.session.get(Position, office.kabid_b.id)
            kabid_b.parent_id = office.sekretaris.id if which % 2 else office.kadis.id
        elif kind == "move_unit":
            bidang_b = db.session.get(Unit, office.bidang_b.id)
            bidang_b.parent_id = office.other.id if which % 2 else office.dinas.id
        else:
            dinas = db.session.get(Unit, office.dinas.id)
            dinas.kind = "bidang" if which % 2 else "opd"
    elif letters:
        _, index, who, target = op
        from eoffice.letters.models import IncomingLetter

        letter = db.session.get(IncomingLetter, letters[index % len(letters)])
        actor = users[who]
        try:
            if kind == "dispose":
                dispositions.dispose(letter, dispositions.DispositionInput(
                    to_positions=[positions[target].id], note="Tindak lanjuti"), actor=actor)
            elif kind == "forward":
                recipient = db.session.scalar(sa.select(DispositionRecipient).join(
                    Disposition, DispositionRecipient.disposition_id == Disposition.id).where(
                    Disposition.letter_id == letter.id).order_by(DispositionRecipient.id))
                if recipient is not None:
                    dispositions.dispose(letter, dispositions.DispositionInput(
                        to_positions=[positions[target].id], note="Teruskan"), actor=actor,
                        from_recipient=recipient)
            elif kind == "cancel":
                letter_services.cancel_letter(letter, "Salah catat", actor=actor)
            elif kind == "cancel_disposition":
                recipient = db.session.scalar(sa.select(DispositionRecipient).join(
                    Disposition, DispositionRecipient.disposition_id == Disposition.id).where(
                    Disposition.letter_id == letter.id))
                if recipient is not None:
                    dispositions.cancel(recipient, actor=actor)
            elif kind == "file":
                letter_services.file_letter(letter, "Cukup diketahui", actor=actor)
            elif kind == "copy":
                if all(r.position_id != positions[target].id for r in letter.recipients):
                    letter.recipients.append(LetterRecipient(position_id=positions[target].id,
                                                             kind="cc"))
            elif kind == "open":
                letter_services.mark_read(letter, actor)
        except (dispositions.DispositionError, letter_services.LetterError):
            db.session.rollback()
            return
    db.session.commit()


def _assert_grants_follow_the_rule(office) -> None:
    from eoffice import access
    from eoffice.extensions import db
    from eoffice.letters.access import RULE
    from eoffice.letters.models import IncomingLetter, recipient_copies_differ

    assert all(d.ok for d in access.check()), access.check()
    assert recipient_copies_differ(db.session.connection()) == 0
    for key, user in office.users.items():
        expected = oracle.visible_by_oracle(user, IncomingLetter, oracle.incoming_clause)
        assert oracle.visible_by_grants(user, IncomingLetter, RULE) == expected, key


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(steps=operations)
def test_grants_agree_with_the_rule_after_any_sequence(app, office, steps):
    """Letters and the organisation accumulate across examples: later examples start
    from what earlier ones left, which only makes the state richer."""
    from eoffice.extensions import db

    users = {k: db.session.merge(u) for k, u in office.users.items()}
    letters: list[int] = []
    for op in steps:
        _run(op, office, letters, users)
    _assert_grants_follow_the_rule(office)


def test_lists_show_exactly_what_the_rule_allows(app, office, register):
    """Every person's letters list (all pages) and per-letter check agree with the rule."""
    from eoffice.dispositions.services import DispositionInput, dispose
    from eoffice.letters.models import IncomingLetter
    from eoffice.letters.services import LetterFilter, letter_page
    from eoffice.security import can_view_letter

    letters = [register(office, to=[office.kadis], cc=[office.kabid_b]),
               register(office, to=[office.kabid_a], security="R"),
               register(office, to=[office.kadis], cc=[office.kabid_a], security="SR"),
               register(office, by="other_clerk", to=[office.other_head]),
               register(office, to=[office.sekretaris], security="T")]
    dispose(letters[0], DispositionInput(to_positions=[office.kabid_a.id], note="x"),
            actor=office.users["kadis"])
    dispose(letters[1], DispositionInput(to_positions=[office.staf_a.id], note="x"),
            actor=office.users["kabid_a"])
    from eoffice.extensions import db

    db.session.commit()
    for key, user in office.users.items():
        expected = oracle.visible_by_oracle(user, IncomingLetter, oracle.incoming_clause)
        seen, cursor = [], None
        while True:
            page = letter_page(LetterFilter(), user, cursor=cursor, per_page=2)
            seen += [letter.id for letter in page.items]
            if not page.has_next:
                break
            from eoffice.paging import decode_cursor

            cursor = decode_cursor(page.next_cursor)
        assert set(seen) == expected and len(seen) == len(set(seen)), key
        assert {letter.id for letter in letters if can_view_letter(user, letter)} == \
            expected & {letter.id for letter in letters}, key


def test_moving_a_position_moves_what_the_heads_above_see(app, office, register):
    from eoffice.extensions import db
    from eoffice.org.services import save_position
    from eoffice.security import can_view_letter

    letter = register(office, to=[office.kabid_b])
    assert not can_view_letter(office.users["sekretaris"], letter)
    save_position(office.kabid_b, name=office.kabid_b.name, unit_id=office.kabid_b.unit_id,
                  parent_id=office.sekretaris.id, jabatan_type="administrator",
                  is_head=True, holder_id=office.kabid_b.holder_id)
    db.session.commit()
    assert can_view_letter(office.users["sekretaris"], letter)
    _assert_grants_follow_the_rule(office)


def test_a_new_holder_sees_the_position_s_letters_at_once(app, office, register,
                                                          create_staff, create_user):
    from eoffice.extensions import db
    from eoffice.org.services import save_position
    from eoffice.security import can_view_letter

    letter = register(office, to=[office.kabid_a], security="R")
    newcomer = create_staff(name="Pegawai Baru", unit=office.bidang_a)
    user = create_user(username="baru", roles=["pimpinan", "pegawai"], staff=newcomer)
    assert not can_view_letter(user, letter)
    save_position(office.kabid_a, name=office.kabid_a.name, unit_id=office.kabid_a.unit_id,
                  parent_id=office.kadis.id, jabatan_type="administrator", is_head=True,
                  holder_id=newcomer.id)
    db.session.commit()
    db.session.expire_all()
    assert can_view_letter(user, letter)
    assert not can_view_letter(office.users["kabid_a"], letter)


def test_check_finds_tampered_grants_and_rebuild_mends_them(app, office, register):
    from eoffice import access
    from eoffice.extensions import db
    from eoffice.letters.access import OBJECT_TYPE

    letter = register(office, to=[office.kabid_a])
    secret = register(office, to=[office.kabid_b], security="SR")
    db.session.execute(sa.delete(access.AccessGrant).where(
        access.AccessGrant.object_id == letter.id, access.AccessGrant.object_type == OBJECT_TYPE,
        access.AccessGrant.grantee_kind == access.POSITION))
    db.session.execute(sa.insert(access.AccessGrant).values(
        object_type=OBJECT_TYPE, grantee_kind=access.POSITION,
        grantee_id=office.other_head.id, sort_key=0, object_id=secret.id))
    found = {d.rule: d for d in access.check()}["incoming_letters"]
    assert found.missing == 2 and found.extra == 1  # Kabid Aptika and the Kadis; one stray
    assert ("extra", access.POSITION, office.other_head.id, 0, secret.id) in found.examples
    before = access.rebuild()
    assert not {d.rule: d for d in before}["incoming_letters"].ok
    assert all(d.ok for d in access.check())
    _assert_grants_follow_the_rule(office)


def test_cli_check_and_rebuild(app, office, register):
    from eoffice import access
    from eoffice.extensions import db

    register(office)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["eoffice", "access", "check"])
    assert ok.exit_code == 0 and "No problem found." in ok.output
    db.session.execute(sa.delete(access.AccessGrant))
    broken = runner.invoke(args=["eoffice", "access", "check"])
    assert broken.exit_code == 1 and "missing" in broken.output
    assert "flask eoffice access rebuild" in broken.output
    mended = runner.invoke(args=["eoffice", "access", "rebuild"])
    assert mended.exit_code == 0, mended.output
    assert runner.invoke(args=["eoffice", "access", "check"]).exit_code == 0
