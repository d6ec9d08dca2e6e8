"""What the audit log's codes mean, in the reader's language.

The log stores stable codes (``outgoing.sign_refused``, ``incoming_letters 7``) so that
its hash chain never depends on a translation. The audit page shows them as words: an
action label, the group it belongs to (the filter), and the object as a link to its page
when the object has one. A plugin's own actions have no label here and are shown as
their code, which stays readable ("perpustakaan.book_lent").

Every action the core records has a label: ``tests/test_audit_labels.py`` reads the
source for ``audit.record("...")`` calls and fails on one without.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

GROUPS = {
    "auth": _l("Sign-in and passwords"),
    "user": _l("User accounts"),
    "api": _l("API tokens"),
    "letter": _l("Incoming letters"),
    "outgoing": _l("Outgoing letters"),
    "exchange": _l("Exchange with other regions"),
    "staff": _l("Staff records"),
    "unit": _l("Organisation"),
    "position": _l("Organisation"),
    "classification": _l("Classification and instructions"),
    "instruction": _l("Classification and instructions"),
    "audit": _l("Audit log"),
    "acting": _l("Organisation"),
    "retention_schedule": _l("Classification and instructions"),
    "numbering": _l("Numbering series"),
    "naskah": _l("Naskah types and signing authority"),
    "recipients": _l("Address book"),
    "signing": _l("Electronic signatures"),
    "berkas": _l("Berkas and retention"),
    "berita_acara": _l("Berkas and retention"),
}

ACTIONS = {
    "berkas.opened": _l("Berkas opened"),
    "berkas.letter_filed": _l("Letter filed into a berkas"),
    "berkas.letter_removed": _l("Letter taken out of a berkas"),
    "berkas.closed": _l("Berkas closed"),
    "berkas.inactive": _l("Berkas moved to inactive"),
    "berkas.proposed": _l("Berkas proposed after its retention"),
    "berkas.destroyed": _l("Berkas destroyed (berita acara)"),
    "berkas.handed_over": _l("Berkas handed over (berita acara)"),
    "berita_acara.recorded": _l("Berita acara recorded"),
    "berkas.hold_placed": _l("Legal hold placed on a berkas"),
    "berkas.hold_lifted": _l("Legal hold lifted"),
    "signing.enrolled": _l("Signing certificate enrolled"),
    "signing.revoked": _l("Signing certificate revoked"),
    "signing.root_added": _l("Trust root added"),
    "signing.root_removed": _l("Trust root removed"),
    "unit.updated": _l("Unit changed"),
    "staff.updated": _l("Staff record changed"),
    "position.updated": _l("Position changed"),
    "exchange.peer_updated": _l("Partner region changed"),
    "classification.updated": _l("Classification code changed"),
    "acting.assigned": _l("Acting official (Plt/Plh) assigned"),
    "acting.deleted": _l("Acting assignment deleted"),
    "acting.ended": _l("Acting assignment ended early"),
    "api.token_created": _l("API token created"),
    "api.token_revoked": _l("API token revoked"),
    "audit.guards_restored": _l("Audit log guards restored"),
    "auth.locked": _l("Account locked after wrong passwords"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.login_locked": _l("Sign-in refused: account locked"),
    "auth.logout": _l("Signed out"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_confirm_failed": _l("Wrong password when confirming"),
    "auth.password_rules_failed": _l("Password must be changed (rules)"),
    "auth.session_ended": _l("Session ended"),
    "auth.sessions_ended": _l("All sessions ended"),
    "classification.created": _l("Classification code added"),
    "classification.imported": _l("Classification list imported"),
    "retention_schedule.imported": _l("Retention schedule (JRA) imported"),
    "exchange.delivered": _l("Delivered to another region"),
    "exchange.delivery_failed": _l("Delivery to another region failed"),
    "exchange.peer_added": _l("Partner region added"),
    "exchange.queued": _l("Queued for delivery"),
    "exchange.retry_requested": _l("Delivery retried"),
    "instruction.saved": _l("Disposition instruction saved"),
    "letter.accepted": _l("Letter from another region accepted"),
    "letter.cancelled": _l("Letter cancelled"),
    "letter.filed": _l("Letter archived"),
    "letter.read": _l("Letter read"),
    "letter.received": _l("Letter received from another region"),
    "letter.registered": _l("Letter registered"),
    "letter.rejected": _l("Letter from another region rejected"),
    "naskah.type_created": _l("Naskah type created"),
    "naskah.type_changed": _l("Naskah type changed"),
    "naskah.authority_added": _l("Signing authority added"),
    "naskah.authority_removed": _l("Signing authority removed"),
    "recipients.group_saved": _l("Recipient group saved"),
    "recipients.contact_saved": _l("External contact saved"),
    "numbering.series_changed": _l("Numbering series changed"),
    "numbering.series_created": _l("Numbering series created"),
    "outgoing.approved": _l("Draft approved (paraf)"),
    "outgoing.cancelled": _l("Outgoing letter cancelled"),
    "outgoing.cosigned": _l("Outgoing letter signed by a further signatory"),
    "outgoing.drafted": _l("Draft created"),
    "outgoing.returned": _l("Draft returned for revision"),
    "outgoing.revised": _l("Draft revised"),
    "outgoing.sent": _l("Outgoing letter sent"),
    "outgoing.sign_refused": _l("Signing refused"),
    "outgoing.signatures_discarded": _l("Signatures of a returned letter set aside"),
    "outgoing.signed": _l("Outgoing letter signed"),
    "outgoing.submitted": _l("Draft submitted"),
    "position.created": _l("Position added"),
    "position.holder_changed": _l("Position holder changed"),
    "staff.created": _l("Staff record added"),
    "staff.exported": _l("Staff records exported"),
    "staff.imported": _l("Staff records imported"),
    "unit.created": _l("Unit added"),
    "user.created": _l("User created"),
    "user.sessions_ended": _l("User's sessions ended by an administrator"),
    "user.updated": _l("User changed"),
}

# object_type -> (label, endpoint, the endpoint's id argument)
OBJECTS = {
    "incoming_letters": (_l("Incoming letter"), "letters.detail", "letter_id"),
    "outgoing_letters": (_l("Outgoing letter"), "outgoing.detail", "letter_id"),
    "users": (_l("User"), "admin.edit_user", "user_id"),
    "staff": (_l("Staff record"), "staff.detail", "staff_id"),
    "units": (_l("Unit"), "org.edit_unit", "unit_id"),
    "positions": (_l("Position"), "org.edit_position", "position_id"),
    "classifications": (_l("Classification"), "archive.edit", "item_id"),
    "berkas": (_l("Berkas"), "records.detail", "berkas_id"),
    "berita_acara": (_l("Berita acara"), "records.berita_acara", "record_id"),
    "api_tokens": (_l("API token"), None, None),
    "exchange_peers": (_l("Partner region"), None, None),
    "disposition_instructions": (_l("Instruction"), None, None),
    "naskah_types": (_l("Naskah type"), "naskah.edit", "type_id"),
    "recipient_groups": (_l("Recipient group"), "recipients.edit_group", "group_id"),
    "external_contacts": (_l("External contact"), "recipients.edit_contact", "contact_id"),
    "system": (_l("System"), None, None),
}


@dataclass(frozen=True)
class ObjectRef:
    label: str
    number: str
    url: str | None


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def group_choices() -> list[tuple[str, str]]:
    """(prefix, label) for the filter; groups that share a label share one entry whose
    value lists both prefixes (``unit,position``)."""
    merged: dict[str, list[str]] = {}
    for prefix, label in GROUPS.items():
        merged.setdefault(str(label), []).append(prefix)
    return sorted(((",".join(prefixes), label) for label, prefixes in merged.items()),
                  key=lambda choice: choice[1])


def action_choices(prefixes: list[str]) -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in ACTIONS.items()
                   if not prefixes or code.split(".", 1)[0] in prefixes),
                  key=lambda choice: choice[1])


def object_ref(object_type: str, object_id: str | None) -> ObjectRef:
    """The object as words, linked when it has a page. The link is only a link: the
    page it leads to applies its own access rule (an R letter stays a 404 for an
    auditor who may not read it)."""
    label, endpoint, argument = OBJECTS.get(object_type, (object_type, None, None))
    number = object_id if object_id not in (None, "None") else ""
    url = None
    if endpoint and number.isdigit():
        url = url_for(endpoint, **{argument: int(number)})
    return ObjectRef(str(label), number, url)
