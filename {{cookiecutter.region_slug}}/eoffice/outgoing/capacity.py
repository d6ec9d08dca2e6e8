"""In which capacity an outgoing letter is signed (Permendagri 1/2023, tata naskah dinas).

Two independent things shape the signature block:

- **Who signs for the signing position.** Its holder, in their own name; or an
  acting official (``org.acting``): the position line then reads "Plt. Kepala Dinas
  ..." or "Plh. ...", above the acting person's own name, rank and NIP.
- **On whose behalf** (the draft's ``signing_as``): "langsung" (the signing position's
  own authority); "an" (atas nama): the block starts with "a.n. <position above>";
  "ub" (untuk beliau): "a.n. <position>", then that position's direct subordinate
  above the signer, then "u.b.", then the signer's position.

``check_capacity`` holds the (simple) rule of who may sign on whose behalf; issue 11
replaces it with a signing-authority table, so it is kept in that one function.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from eoffice.org.models import Position

SIGNING_AS = ("langsung", "an", "ub")
SIGNING_AS_LABELS = {"langsung": _l("In the signer's own name"),
                     "an": _l("a.n. (atas nama): on behalf of a superior position"),
                     "ub": _l("u.b. (untuk beliau): a.n. a superior, for their subordinate")}


def _chain_above(position: Position) -> list[Position]:
    """The positions above ``position``, nearest first (cycles cannot occur: the tree's
    own rule refuses them, but a visited set keeps this safe anyway)."""
    out, seen, current = [], {position.id}, position.parent
    while current is not None and current.id not in seen:
        seen.add(current.id)
        out.append(current)
        current = current.parent
    return out


def check_capacity(signer: Position | None, signing_as: str,
                   on_behalf: Position | None) -> tuple[str, str] | None:
    """Whether the signing position may sign in this capacity: None when it may, else
    (field, message).

    The rule, until a signing-authority table (issue 11) says who may sign what:

    - "langsung": no on-behalf position.
    - "an": ``on_behalf`` is a position above the signer in the organisation tree.
    - "ub": as "an", and the signer is below the on-behalf position's direct
      subordinate (at least two levels under it): that subordinate is the official
      "for whom" (untuk beliau) the signer signs.
    """
    if signing_as not in SIGNING_AS:
        return "signing_as", str(_l("Unknown signing capacity."))
    if signing_as == "langsung":
        if on_behalf is not None:
            return "on_behalf_position_id", str(_l(
                "A letter signed in the signer's own name has no a.n. position."))
        return None
    if on_behalf is None:
        return "on_behalf_position_id", str(_l("Choose the position signed for (a.n.)."))
    if signer is None:
        return None  # the signing position's own error is reported
    above = _chain_above(signer)
    if on_behalf not in above:
        return "on_behalf_position_id", str(_l(
            "a.n. is only on behalf of a position above the signing position (%(p)s).",
            p=signer.name))
    if signing_as == "ub" and above.index(on_behalf) < 1:
        return "signing_as", str(_l(
            "u.b. needs a position between: %(s)s reports directly to %(p)s, so sign a.n.",
            s=signer.name, p=on_behalf.name))
    return None


def untuk_beliau(signer: Position, on_behalf: Position) -> Position | None:
    """The on-behalf position's direct subordinate on the way down to the signer: the
    line between "a.n. ..." and "u.b."."""
    above = _chain_above(signer)
    if on_behalf not in above:
        return None
    index = above.index(on_behalf)
    return above[index - 1] if index >= 1 else None


@dataclass
class SigningCapacity:
    """Who signs, as what, for whom: what ``services.signatory_block`` writes.

    ``signer`` is the person (a Staff record) whose name, rank and NIP go under the
    block; ``acting`` is "plt" / "plh" when they act for the signing position (None for
    its holder); ``on_behalf`` and ``via`` are the a.n. position and, for u.b., the
    position between."""

    position: Position
    signer: object | None
    acting: str | None = None
    signing_as: str = "langsung"
    on_behalf: Position | None = None
    via: Position | None = None

    @property
    def title(self) -> str:
        """The position line: "Plt. Kepala Dinas ..." for an acting official."""
        prefix = {"plt": "Plt. ", "plh": "Plh. "}.get(self.acting or "", "")
        return prefix + self.position.name

    def audit_data(self) -> dict:
        """What the signing event records about the capacity (empty when the holder
        signs in their own name)."""
        out: dict = {}
        if self.acting:
            out |= {"capacity": self.acting, "for_position": self.position.name}
        if self.signing_as != "langsung" and self.on_behalf is not None:
            out |= {"signing_as": self.signing_as, "on_behalf": self.on_behalf.name}
        return out


def signing_capacity(letter, actor=None) -> SigningCapacity:
    """The capacity in which ``actor`` signs ``letter`` today (``actor`` None: the
    preview, before anyone signs; the holder if the position has one, else whoever acts
    for it today).

    The signer is the actor when they hold or act for the signing position; an acting
    official signs as "Plt." or "Plh." of it."""
    position = letter.signer_position
    signer, acting = _who_signs(position, actor)
    on_behalf = letter.on_behalf_position if letter.signing_as in ("an", "ub") else None
    via = untuk_beliau(position, on_behalf) if on_behalf is not None and \
        letter.signing_as == "ub" else None
    return SigningCapacity(position=position, signer=signer, acting=acting,
                           signing_as=letter.signing_as or "langsung", on_behalf=on_behalf,
                           via=via)


def _who_signs(position: Position, actor=None) -> tuple[object | None, str | None]:
    """(the Staff record named under the block, "plt"/"plh" or None) for ``position``:
    the actor when they act for it, else its holder, else today's acting official."""
    from eoffice.org.acting import acting_for
    from eoffice.security import acting_capacity, holds

    signer, acting = position.holder, None
    if actor is not None and holds(actor, position.id):
        acting = acting_capacity(actor, position.id)
        if acting:
            signer = actor.staff
    elif position.holder is None:
        assignment = acting_for(position.id)
        if assignment is not None:
            signer, acting = assignment.user.staff, assignment.kind
    return signer, acting


def position_capacity(position: Position, actor=None) -> SigningCapacity:
    """The capacity of a further signatory of a letter signed by several officials
    (``outgoing.signatories``): always in their own name (a.n./u.b. belongs to the
    letter's first signatory), as Plt./Plh. when an acting official signs."""
    signer, acting = _who_signs(position, actor)
    return SigningCapacity(position=position, signer=signer, acting=acting)
