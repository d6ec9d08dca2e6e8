"""Who may see an incoming letter: the rule, stated once, as access grants.

- B and T letters: the clerks (pencatat) of the registering unit, the holders of its
  addressee and copy (tembusan) positions and of every position in its disposition
  tree, and the heads above any of those positions.
- R and SR letters: only the registering clerk, the holders of the explicit
  addressee positions and the positions in the disposition tree (senders and
  recipients of dispositions); copies, clerks and heads above see nothing.
- A system API token (scope letters:read) sees B and T letters, never R or SR.
- A letter received from another region's app (status ``awaiting``) is seen by
  nobody here until a clerk accepts it (it waits in the exchange inbox).

``eoffice.access`` keeps these grants in ``access_grants`` (sort key: the day the
letter was received) and rewrites a letter's grants whenever a flush touches it.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoffice import access
from eoffice.dispositions.models import Disposition, DispositionRecipient
from eoffice.letters.models import RESTRICTED_LEVELS, IncomingLetter, LetterRecipient
from eoffice.org.models import PositionPath

OBJECT_TYPE = 1
# Columns whose change alters who may see the letter.
LETTER_COLUMNS = ("status", "security", "registered_by_id", "registering_unit_id",
                  "received_date")


class IncomingLetterAccess(access.AccessRule):
    object_type = OBJECT_TYPE
    name = "incoming_letters"
    model = IncomingLetter

    # --- the rule ---------------------------------------------------------------

    @staticmethod
    def involved(scope: access.Scope, *, explicit_only: bool) -> sa.Subquery:
        """(letter_id, position_id) of every position a letter was sent to, copied to,
        or that sent or received one of its dispositions. ``explicit_only`` leaves out
        the copies (what R and SR letters count)."""
        recipients = sa.select(LetterRecipient.letter_id.label("letter_id"),
                               LetterRecipient.position_id.label("position_id"))
        senders = sa.select(Disposition.letter_id, Disposition.from_position_id)
        receivers = sa.select(Disposition.letter_id, DispositionRecipient.position_id).join(
            Disposition, DispositionRecipient.disposition_id == Disposition.id)
        if explicit_only:
            recipients = recipients.where(LetterRecipient.kind == "to")
        if scope is not None:
            recipients = recipients.where(scope(LetterRecipient.letter_id))
            senders = senders.where(scope(Disposition.letter_id))
            receivers = receivers.where(scope(Disposition.letter_id))
        return sa.union_all(recipients, senders, receivers).subquery()

    def grant_rows(self, scope: access.Scope) -> sa.Select:
        letter = IncomingLetter
        key = access.epoch_days(letter.received_date)
        received = letter.status != "awaiting"
        open_level = letter.security.not_in(RESTRICTED_LEVELS)
        mine = [received] if scope is None else [received, scope(letter.id)]
        everyone = self.involved(scope, explicit_only=False)
        explicit = self.involved(scope, explicit_only=True)
        return sa.union(
            # B/T: every involved position and every position above it.
            sa.select(*access.grant(access.POSITION, PositionPath.ancestor_id, key, letter.id))
            .join(everyone, everyone.c.letter_id == letter.id)
            .join(PositionPath, PositionPath.descendant_id == everyone.c.position_id)
            .where(open_level, *mine),
            # R/SR: the explicit positions only.
            sa.select(*access.grant(access.POSITION, explicit.c.position_id, key, letter.id))
            .join(explicit, explicit.c.letter_id == letter.id)
            .where(letter.security.in_(RESTRICTED_LEVELS), *mine),
            sa.select(*access.grant(access.USER, letter.registered_by_id, key, letter.id))
            .where(*mine),
            sa.select(*access.grant(access.UNIT_CLERKS, letter.registering_unit_id, key,
                                    letter.id))
            .where(open_level, letter.registering_unit_id.is_not(None), *mine),
            sa.select(*access.grant(access.SYSTEM, 0, key, letter.id)).where(open_level, *mine),
        )

    # --- what a flush touches ------------------------------------------------------

    def touched(self, flushed: access.Flushed, connection) -> set[int]:
        ids: set[int] = set()
        for item, state in flushed.rows(IncomingLetter):
            if flushed.changed(item, state, *LETTER_COLUMNS):
                ids.add(item.id)
        for item, state in flushed.rows(LetterRecipient):
            if flushed.changed(item, state, "letter_id", "position_id", "kind"):
                ids.add(item.letter_id)
        for item, state in flushed.rows(Disposition):
            if flushed.changed(item, state, "letter_id", "from_position_id"):
                ids.add(item.letter_id)
        pending = set()
        for item, state in flushed.rows(DispositionRecipient):
            if flushed.changed(item, state, "disposition_id", "position_id"):
                pending.add(item.disposition_id)
        if pending:
            ids |= set(connection.scalars(sa.select(Disposition.letter_id).where(
                Disposition.id.in_(pending))))
        ids.discard(None)
        return ids

    def touched_by_org(self, change: access.OrgChange) -> sa.Select | None:
        if not change.positions:
            return None
        moved = list(change.positions)
        return sa.union(
            sa.select(LetterRecipient.letter_id).where(LetterRecipient.position_id.in_(moved)),
            sa.select(Disposition.letter_id).where(Disposition.from_position_id.in_(moved)),
            sa.select(Disposition.letter_id).join(
                DispositionRecipient, DispositionRecipient.disposition_id == Disposition.id)
            .where(DispositionRecipient.position_id.in_(moved)))

    def repair(self, connection) -> None:
        from eoffice.letters.models import copy_to_recipients

        copy_to_recipients(connection)  # the unread queues' copy of each letter's state

    # --- who asks --------------------------------------------------------------------

    def grantees(self, user) -> list[access.Grantee]:
        from eoffice.security import can, is_system, user_unit_id

        if not getattr(user, "is_authenticated", False) or not can(user, "letters.view"):
            return []
        if is_system(user):
            return [(access.SYSTEM, 0)]
        out = access.person_grantees(user)
        unit_id = user_unit_id(user)
        if unit_id is not None and can(user, "letters.register"):
            out.append((access.UNIT_CLERKS, unit_id))
        return out


RULE = IncomingLetterAccess()


def access_clause(user, letter_id=IncomingLetter.id) -> sa.ColumnElement:
    """SQL condition: ``user`` may see the incoming letter ``letter_id`` (a column)."""
    return access.visible_clause(RULE, user, letter_id)


def can_view(user, letter) -> bool:
    return letter is not None and access.can_see(RULE, user, letter.id)
