"""The organisation trees as closure tables (``position_paths``, ``unit_paths``).

Every (ancestor, descendant) pair of the position tree and of the unit tree, the
node itself included at depth 0. They are derived from ``parent_id`` and rewritten
as a whole when a tree changes shape (a node added, removed or moved): a region's
trees have hundreds of rows, so a rewrite is cheap, and SQL can then ask "every
position above these" or "every unit below that one" through an index. The access
rules (``eoffice.access``) read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from eoffice.org.models import Position, PositionPath, Unit, UnitPath


@dataclass(frozen=True)
class Tree:
    node: type  # Position or Unit
    path: type  # PositionPath or UnitPath


TREES = (Tree(Position, PositionPath), Tree(Unit, UnitPath))


def closure(rows: Iterable[tuple[int, int | None]]) -> set[tuple[int, int, int]]:
    """(ancestor, descendant, depth) for every node and each node above it.

    A cycle (which the org services refuse) cannot loop forever: a walk stops at the
    first node it has seen.
    """
    parent_of = dict(rows)
    pairs: set[tuple[int, int, int]] = set()
    for node in parent_of:
        current, depth, seen = node, 0, set()
        while current is not None and current not in seen:
            seen.add(current)
            pairs.add((current, node, depth))
            current, depth = parent_of.get(current), depth + 1
    return pairs


def _wanted(connection, tree: Tree) -> set[tuple[int, int, int]]:
    rows = connection.execute(sa.select(tree.node.id, tree.node.parent_id)).all()
    return closure((node, parent) for node, parent in rows)


def _stored(connection, tree: Tree) -> set[tuple[int, int, int]]:
    path = tree.path
    return {tuple(row) for row in connection.execute(
        sa.select(path.ancestor_id, path.descendant_id, path.depth))}


def rewrite(connection, tree: Tree) -> None:
    """Replace the tree's closure rows with the ones its parent links give."""
    table = tree.path.__table__
    rows = [{"ancestor_id": a, "descendant_id": d, "depth": n}
            for a, d, n in sorted(_wanted(connection, tree))]
    connection.execute(table.delete())
    if rows:
        connection.execute(table.insert(), rows)


def rewrite_all(connection) -> None:
    for tree in TREES:
        rewrite(connection, tree)


def differences(connection) -> dict[str, tuple[int, int]]:
    """Per closure table: (pairs missing, pairs that should not be there)."""
    out = {}
    for tree in TREES:
        wanted, stored = _wanted(connection, tree), _stored(connection, tree)
        out[tree.path.__tablename__] = (len(wanted - stored), len(stored - wanted))
    return out


def subtree_ids(connection, tree: Tree, roots: Iterable[int]) -> set[int]:
    """The nodes at or below ``roots`` (read from the closure rows)."""
    roots = list(roots)
    if not roots:
        return set()
    path = tree.path
    return set(connection.scalars(sa.select(path.descendant_id).where(
        path.ancestor_id.in_(roots))))


def _forget_cached_trees() -> None:
    """Drop what this request cached about the trees (``security.positions_below``,
    ``outgoing.access.clerk_office``)."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop("_eoffice_positions_below", None)
        g.pop("_eoffice_offices", None)


def after_flush(connection, flushed):
    """Keep the closure rows in step with a flush, and say what moved.

    Called by ``eoffice.access`` after every flush, before the access grants are
    rewritten (they read these rows). Returns an ``access.OrgChange``.
    """
    from eoffice.access import OrgChange

    change = OrgChange()
    rewrite_trees: set[Tree] = set()
    moved: dict[Tree, set[int]] = {tree: set() for tree in TREES}
    for tree in TREES:
        for item, state in flushed.rows(tree.node):
            if state != "dirty":
                rewrite_trees.add(tree)
            elif flushed.changed(item, state, "parent_id"):
                rewrite_trees.add(tree)
                moved[tree].add(item.id)
            if tree.node is Position and state == "dirty" and flushed.changed(item, state,
                                                                              "unit_id"):
                change.repositioned.add(item.id)
            if tree.node is Unit and state == "dirty" and flushed.changed(item, state, "kind"):
                moved[tree].add(item.id)
    for tree in TREES:
        if tree in rewrite_trees:
            rewrite(connection, tree)
    if rewrite_trees or any(moved.values()):
        _forget_cached_trees()
    change.positions = subtree_ids(connection, TREES[0], moved[TREES[0]])
    change.units = subtree_ids(connection, TREES[1], moved[TREES[1]])
    return change
