"""Rules of the organisation tree."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from eoffice import audit
from eoffice.extensions import db
from eoffice.org.models import JABATAN_TYPES, UNIT_KINDS, Position, Unit


class OrgError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class UnitNode:
    unit: Unit
    depth: int
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(include_inactive: bool = False) -> list[UnitNode]:
    """All units as a forest, with their positions and holders loaded (3 queries)."""
    query = sa.select(Unit).options(
        selectinload(Unit.positions).selectinload(Position.holder)
    ).order_by(Unit.sort_order, Unit.name)
    if not include_inactive:
        query = query.where(Unit.active.is_(True))
    units = list(db.session.scalars(query))
    nodes = {u.id: UnitNode(u, 0) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.id])

    def set_depth(node: UnitNode, depth: int) -> None:
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for root in roots:
        set_depth(root, 0)
    return roots


def flatten(nodes: list[UnitNode]) -> list[UnitNode]:
    out: list[UnitNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def unit_choices(include_inactive: bool = False) -> list[tuple[int, str]]:
    return [(n.unit.id, "\u2014 " * n.depth + f"{n.unit.name} ({n.unit.code})")
            for n in flatten(unit_tree(include_inactive))]


def descendant_unit_ids(unit_id: int) -> set[int]:
    """The unit and every unit below it."""
    rows = db.session.execute(sa.select(Unit.id, Unit.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent in rows:
        children.setdefault(parent, []).append(uid)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def _check_unit(unit: Unit, code: str, name: str, kind: str, parent_id: int | None) -> None:
    code = (code or "").strip()
    if not code or len(code) > 32:
        raise OrgError(str(_l("A unit code is 1 to 32 characters.")), "code")
    other = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if other is not None and other is not unit:
        raise OrgError(str(_l("The unit code %(c)s is already used by %(n)s.", c=code,
                              n=other.name)), "code")
    if not (name or "").strip():
        raise OrgError(str(_l("A unit needs a name.")), "name")
    if kind not in UNIT_KINDS:
        raise OrgError(str(_l("Unknown unit kind.")), "kind")
    if parent_id is not None:
        if db.session.get(Unit, parent_id) is None:
            raise OrgError(str(_l("The parent unit does not exist.")), "parent_id")
        if unit.id is not None and parent_id in descendant_unit_ids(unit.id):
            raise OrgError(str(_l("A unit cannot be placed under itself or its own sub-unit.")),
                           "parent_id")


def save_unit(unit: Unit | None, *, code: str, name: str, kind: str, parent_id: int | None,
              sort_order: int = 0, active: bool = True, actor=None) -> Unit:
    unit = unit or Unit()
    _check_unit(unit, code, name, kind, parent_id)
    is_new = unit.id is None
    unit.code, unit.name, unit.kind = code.strip(), name.strip(), kind
    unit.parent_id, unit.sort_order, unit.active = parent_id, sort_order or 0, active
    db.session.add(unit)
    db.session.flush()
    audit.record("unit.created" if is_new else "unit.updated", unit, actor=actor,
                 data={"code": unit.code, "name": unit.name})
    return unit


def position_ancestors(position: Position) -> list[Position]:
    out, seen, current = [], set(), position.parent
    while current is not None and current.id not in seen:
        seen.add(current.id)
        out.append(current)
        current = current.parent
    return out


def save_position(position: Position | None, *, name: str, unit_id: int, parent_id: int | None,
                  jabatan_type: str, is_head: bool, holder_id: int | None,
                  sort_order: int = 0, active: bool = True, actor=None) -> Position:
    from eoffice.staff.models import Staff

    position = position or Position()
    if not (name or "").strip():
        raise OrgError(str(_l("A position needs a name.")), "name")
    if db.session.get(Unit, unit_id) is None:
        raise OrgError(str(_l("The unit does not exist.")), "unit_id")
    if jabatan_type not in JABATAN_TYPES:
        raise OrgError(str(_l("Unknown jabatan type.")), "jabatan_type")
    if parent_id is not None:
        parent = db.session.get(Position, parent_id)
        if parent is None:
            raise OrgError(str(_l("The superior position does not exist.")), "parent_id")
        if position.id is not None and (parent.id == position.id or position in
                                        position_ancestors(parent)):
            raise OrgError(str(_l("A position cannot report to itself or to a position below it.")),
                           "parent_id")
    if holder_id is not None:
        holder = db.session.get(Staff, holder_id)
        if holder is None:
            raise OrgError(str(_l("The staff member does not exist.")), "holder_id")
        taken = db.session.scalar(sa.select(Position).where(Position.holder_id == holder_id))
        if taken is not None and taken is not position:
            raise OrgError(str(_l("%(n)s already holds the position %(p)s.", n=holder.full_name,
                                  p=taken.name)), "holder_id")
    if is_head:
        other_head = db.session.scalar(sa.select(Position).where(
            Position.unit_id == unit_id, Position.is_head.is_(True), Position.active.is_(True)))
        if other_head is not None and other_head is not position:
            raise OrgError(str(_l("The unit already has a head position: %(p)s.",
                                  p=other_head.name)), "is_head")
    is_new = position.id is None
    old_holder = position.holder_id
    position.name, position.unit_id, position.parent_id = name.strip(), unit_id, parent_id
    position.jabatan_type, position.is_head = jabatan_type, is_head
    position.holder_id, position.sort_order, position.active = holder_id, sort_order or 0, active
    db.session.add(position)
    db.session.flush()
    audit.record("position.created" if is_new else "position.updated", position, actor=actor,
                 data={"name": position.name})
    if old_holder != holder_id:
        audit.record("position.holder_changed", position, actor=actor,
                     data={"from": old_holder, "to": holder_id})
    return position


def position_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Position.id, Position.name, Unit.code).join(Unit)
        .where(Position.active.is_(True)).order_by(Unit.code, Position.sort_order, Position.name)
    ).all()
    return [(pid, f"{name} ({code})") for pid, name, code in rows]


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))
