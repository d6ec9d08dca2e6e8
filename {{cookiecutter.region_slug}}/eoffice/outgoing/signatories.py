"""Several signatories on one outgoing letter: a joint letter, or a letter two officials
sign in order (issue 10).

The drafter lists the signing positions in order. The first is the letter's
``signer_position`` (its unit's numbering series and letterhead, its a.n./u.b.); the
further ones are ``OutgoingSignatory`` rows. After the paraf chain:

1. **The first signatory signs** (``services.sign``): the number is issued, the final PDF
   is rendered with every signatory's block and signed by the first; the letter is
   ``signing`` and the second signatory's row is ``due``. This is the only moment a
   number is taken: the number is printed in the PDF the later signatures cover, so it
   must exist before the first signature.
2. **Each further signatory signs in turn** (``co_sign``), with their own credential, as
   an incremental update of the stored PDF: the earlier signatures stay valid. Nobody
   signs out of turn, twice, or in place of the person the block names.
3. After the last one the letter is ``signed``: issued, sendable, delivered to peers.

A further signatory who refuses returns the draft with a reason (``refuse``): the partly
signed PDF is set aside (its SHA-256 stays in the audit log), every signature must be
given again, and **the number stays with the letter**: it was issued once and is never
issued twice or given back (numbers are gap-free), so the next first signature reuses it.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l

from eoffice import audit, files
from eoffice.db import utcnow
from eoffice.org.models import Position
from eoffice.outgoing.capacity import position_capacity
from eoffice.outgoing.models import OutgoingLetter, OutgoingSignatory
from eoffice.security import holds

#: Further signatories after the first: a joint letter of up to four officials.
MAX_FURTHER = 3
STATES = ("waiting", "due", "signed")


def check(signer_id: int | None, further: list[int], chain: list[int],
          positions: dict[int, Position], own_position_id: int | None,
          errors: dict[str, str]) -> None:
    """The further signatories of a draft, next to its first one (``signer_id``) and its
    paraf chain; a problem goes to ``errors["co_signers"]``."""
    from eoffice.org.acting import acting_for

    if not further:
        return
    if len(further) > MAX_FURTHER:
        errors["co_signers"] = str(_l("At most %(n)d further signatories.", n=MAX_FURTHER))
    elif len(set(further)) != len(further) or signer_id in further:
        errors["co_signers"] = str(_l("A position appears twice among the signatories."))
    elif set(further) - set(positions):
        errors["co_signers"] = str(_l("A signatory position does not exist."))
    elif set(further) & set(chain):
        errors["co_signers"] = str(_l("A signatory signs after the chain; do not add them "
                                      "as a verifier too."))
    elif own_position_id in further and not current_app.config["ALLOW_SELF_APPROVAL"]:
        errors["co_signers"] = str(_l("You cannot sign your own draft."))
    else:
        for position_id in further:
            position = positions[position_id]
            if position.holder_id is None and acting_for(position.id) is None:
                errors["co_signers"] = str(_l(
                    "%(p)s is vacant and nobody acts for it (Plt/Plh) today.",
                    p=position.name))
                break


def apply(letter: OutgoingLetter, further: list[int]) -> None:
    """Set the draft's further signatories; rows are updated in place, as the paraf
    steps are ((letter, order) is unique and a flush inserts before it deletes)."""
    rows = letter.co_signatories
    for i, position_id in enumerate(further, start=1):
        if i <= len(rows):
            rows[i - 1].position_id = position_id
            _reset(rows[i - 1])
        else:
            rows.append(OutgoingSignatory(order=i, position_id=position_id, status="waiting",
                                          block={}))
    del rows[len(further):]


def _reset(row: OutgoingSignatory) -> None:
    row.status, row.block, row.signed_at, row.signed_by_id, row.pdf_sha256 = (
        "waiting", {}, None, None, None)


def due(letter: OutgoingLetter) -> OutgoingSignatory | None:
    """The further signatory whose turn it is, on a letter being signed."""
    if letter.status != "signing":
        return None
    return next((row for row in letter.co_signatories if row.status == "due"), None)


def is_due(letter: OutgoingLetter, user) -> bool:
    """The user holds (or acts for) the position whose signature is due now."""
    row = due(letter)
    return row is not None and holds(user, row.position_id)


def planned_blocks(letter: OutgoingLetter) -> list[dict]:
    """The further signatories' blocks: as printed once the letter is numbered, else as
    they would be printed today (the holder, or today's acting official)."""
    from eoffice.outgoing.services import signatory_block

    out = []
    for row in letter.co_signatories:
        if row.block:
            out.append(row.block)
            continue
        capacity = position_capacity(row.position)
        block = signatory_block(row.position, capacity)
        block["staff_id"] = capacity.signer.id if capacity.signer is not None else None
        out.append(block)
    return out


def start(letter: OutgoingLetter, blocks: list[dict]) -> None:
    """After the first signature: keep each further block as printed, and hand the
    letter to the second signatory."""
    for row, block in zip(letter.co_signatories, blocks, strict=True):
        row.block, row.status = block, "waiting"
    letter.co_signatories[0].status = "due"
    letter.status = "signing"


def co_sign(letter: OutgoingLetter, *, actor, passphrase: str) -> None:
    """The due further signatory adds their PAdES signature to the stored PDF as an
    incremental update. Refusals (wrong passphrase, no valid certificate) change nothing
    but the refusal's audit event, as for the first signature. The signature is made
    before the write lock is taken; the short transaction then checks that the PDF
    signed is still the stored one (nobody signed meanwhile) and stores the result."""
    from eoffice.auth.services import is_locked
    from eoffice.outgoing import services

    row = due(letter)
    if row is None or not holds(actor, row.position_id):
        raise services.OutgoingError({"passphrase": str(_l(
            "This letter is not waiting for your signature."))})
    if letter.signed_by_id == actor.id or any(r.signed_by_id == actor.id
                                              for r in letter.co_signatories):
        raise services.OutgoingError({"passphrase": str(_l(
            "You have already signed this letter."))})
    if letter.drafter_id == actor.id and not current_app.config["ALLOW_SELF_APPROVAL"]:
        raise services.OutgoingError({"passphrase": str(_l("You cannot sign your own draft."))})
    named = row.block.get("staff_id")
    if named is not None and (actor.staff is None or actor.staff.id != named):
        raise services.OutgoingError({"passphrase": str(_l(
            "The letter names %(name)s as the signatory for %(position)s: only they can "
            "sign it. Return it to the drafter if that has changed.",
            name=row.block.get("name", ""), position=row.position.name))})
    if is_locked(actor):
        raise services.OutgoingError({"passphrase": str(_l(
            "Too many wrong passphrases: signing is locked for a while."))})
    backend = services._signing_backend(letter, actor)
    row_id, signed_over = row.id, letter.pdf_sha256
    pdf = services._signed_pdf(letter, files.read(letter.pdf_file), backend, actor=actor,
                               passphrase=passphrase, number=letter.number)
    letter = services._lock_letter(letter.id)
    row = due(letter)
    if row is None or row.id != row_id or letter.pdf_sha256 != signed_over:
        raise services.OutgoingError({"passphrase": str(_l(  # someone acted meanwhile
            "The letter changed meanwhile; reload."))})
    digest = hashlib.sha256(pdf).hexdigest()
    letter.pdf_file = files.store(files.check_upload(f"{letter.number}.pdf", pdf,
                                                     allowed=("pdf",)))
    letter.pdf_sha256 = digest
    row.status, row.signed_at, row.signed_by_id, row.pdf_sha256 = (
        "signed", utcnow(), actor.id, digest)
    later = [r for r in letter.co_signatories if r.order > row.order]
    capacity = position_capacity(row.position, actor)
    audit.record("outgoing.cosigned", letter, actor=actor, data={
        "number": letter.number, "position": row.position.name, "order": row.order + 1,
        "of": len(letter.co_signatories) + 1, "sha256": digest, **capacity.audit_data()})
    if later:
        later[0].status = "due"
    else:
        letter.status = "signed"
        services.issued(letter, actor=actor)


def refuse(letter: OutgoingLetter, *, actor, note: str) -> str:
    """The due further signatory returns the letter to the drafter: every signature is
    set aside (to be given again), the number stays. Returns the position's name."""
    row = due(letter)
    discarded = letter.pdf_sha256
    signed = 1 + sum(1 for r in letter.co_signatories if r.status == "signed")
    for item in letter.co_signatories:
        _reset(item)
    letter.pdf_file = None
    letter.pdf_sha256 = letter.verify_token = None
    letter.signed_at = letter.signed_date = letter.signed_by_id = None
    letter.signatory = {}
    audit.record("outgoing.signatures_discarded", letter, actor=actor, data={
        "number": letter.number, "sha256": discarded, "signatures": signed,
        "note": note.strip()})
    return row.position.name
