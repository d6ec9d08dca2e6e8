"""Rules of the address book: finding recipients as the drafter types, and keeping
groups and contacts (audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from eoffice import audit
from eoffice.extensions import db
from eoffice.inputs import has_control_characters
from eoffice.org.models import Position, Unit
from eoffice.recipients.models import ExternalContact, RecipientGroup
from eoffice.staff.models import Staff

SEARCH_LIMIT = 8  # per kind: a phone shows about this many
MAX_WORDS = 5


class RecipientError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _words(text: str) -> list[str]:
    cleaned = "".join(c for c in text if c not in "%_\\")
    return [w for w in cleaned.lower().split() if w][:MAX_WORDS]


def _all_words(words: list[str], *columns) -> list:
    """Every word is in one of the columns (case-insensitive)."""
    return [sa.or_(*[sa.func.lower(c).contains(w) for c in columns]) for w in words]


def search(text: str) -> list[dict]:
    """What the picker offers for ``text``: positions (by their name, their unit's name or
    code, or their holder's name), units (their head's position), groups (their
    positions) and external contacts; at most ``SEARCH_LIMIT`` of each kind, active only.

    Each result: ``kind`` (position | unit | group | external), ``label``, ``detail``,
    and ``positions`` (the position ids it adds) or ``line`` (the external recipient's
    line)."""
    words = _words(text or "")
    if not words:
        return []
    out: list[dict] = []
    rows = db.session.execute(
        sa.select(Position.id, Position.name, Unit.code, Staff.name).select_from(Position)
        .join(Unit, Unit.id == Position.unit_id)
        .outerjoin(Staff, Staff.id == Position.holder_id)
        .where(Position.active.is_(True),
               *_all_words(words, Position.name, Unit.name, Unit.code, Staff.name))
        .order_by(Unit.code, Position.sort_order, Position.name).limit(SEARCH_LIMIT)).all()
    out += [{"kind": "position", "label": f"{name} ({code})", "detail": holder or "",
             "positions": [pid]} for pid, name, code, holder in rows]
    heads = db.session.execute(
        sa.select(Unit.name, Unit.code, Position.id, Position.name).select_from(Unit).join(
            Position, sa.and_(Position.unit_id == Unit.id, Position.is_head.is_(True),
                              Position.active.is_(True)))
        .where(Unit.active.is_(True), *_all_words(words, Unit.name, Unit.code))
        .order_by(Unit.code).limit(SEARCH_LIMIT)).all()
    out += [{"kind": "unit", "label": f"{unit} ({code})", "detail": head,
             "positions": [pid]} for unit, code, pid, head in heads]
    groups = db.session.scalars(
        sa.select(RecipientGroup).where(RecipientGroup.active.is_(True),
                                        *_all_words(words, RecipientGroup.name))
        .options(selectinload(RecipientGroup.positions))
        .order_by(RecipientGroup.name).limit(SEARCH_LIMIT)).all()
    out += [{"kind": "group", "label": g.name,
             "detail": str(_l("%(n)d positions", n=len(active_positions(g)))),
             "positions": [p.id for p in active_positions(g)]} for g in groups]
    contacts = db.session.scalars(
        sa.select(ExternalContact).where(
            ExternalContact.active.is_(True),
            *_all_words(words, ExternalContact.name, ExternalContact.agency))
        .order_by(ExternalContact.name).limit(SEARCH_LIMIT)).all()
    out += [{"kind": "external", "label": c.name, "detail": c.agency or "", "line": c.line}
            for c in contacts]
    return out


def active_positions(group: RecipientGroup) -> list[Position]:
    return [p for p in group.positions if p.active]


def _text(value, field: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise RecipientError(str(_l("Required.")), field)
    if len(text) > limit:
        raise RecipientError(str(_l("At most %(n)d characters.", n=limit)), field)
    if has_control_characters(text):
        raise RecipientError(str(_l("Control characters are not allowed.")), field)
    return text or None


def save_group(group: RecipientGroup | None, *, actor, name: str, position_ids,
               active: bool) -> RecipientGroup:
    name = _text(name, "name", 120, required=True)
    clash = db.session.scalar(sa.select(RecipientGroup.id).where(RecipientGroup.name == name))
    if clash is not None and (group is None or clash != group.id):
        raise RecipientError(str(_l("A group named %(n)s exists.", n=name)), "name")
    ids = list(dict.fromkeys(position_ids or []))
    positions = list(db.session.scalars(sa.select(Position).where(Position.id.in_(ids))))
    if len(positions) != len(ids):
        raise RecipientError(str(_l("A position does not exist.")), "position_ids")
    if not positions:
        raise RecipientError(str(_l("Choose the group's positions.")), "position_ids")
    is_new = group is None
    group = group or RecipientGroup()
    group.name, group.active, group.positions = name, bool(active), positions
    db.session.add(group)
    db.session.flush()
    audit.record("recipients.group_saved", group, actor=actor, data={
        "name": name, "positions": sorted(p.name for p in positions), "active": group.active,
        "new": is_new})
    return group


def save_contact(contact: ExternalContact | None, *, actor, name: str, agency: str,
                 address: str, active: bool) -> ExternalContact:
    values = {"name": _text(name, "name", 255, required=True),
              "agency": _text(agency, "agency", 255),
              "address": _text(address, "address", 500)}
    for key, value in values.items():
        if value and "|" in value:
            raise RecipientError(str(_l("The character | is not allowed here.")), key)
    is_new = contact is None
    contact = contact or ExternalContact()
    for key, value in values.items():
        setattr(contact, key, value)
    contact.active = bool(active)
    db.session.add(contact)
    db.session.flush()
    audit.record("recipients.contact_saved", contact, actor=actor,
                 data={**values, "active": contact.active, "new": is_new})
    return contact
