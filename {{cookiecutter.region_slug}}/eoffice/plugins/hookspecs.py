"""Hook specifications: the contract between the core and plugins.

The core's own features implement these hooks too (``eoffice.plugins.core``),
so every hook runs on every start and every request that uses it.

A plugin is a module or object with functions decorated ``@hookimpl`` (import it
from ``eoffice.plugins.toolkit``). Hooks are called with keyword arguments; a
plugin may accept only the arguments it needs.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("eoffice")


@hookspec
def eoffice_blueprints(app):
    """Return a list of Flask blueprints to register.

    Called once in ``create_app``, after the extensions are bound. Local
    blueprints should use a URL prefix under ``/lokal/`` so they never clash with
    core routes added by later upstream versions.
    """


@hookspec
def eoffice_nav_items(user):
    """Return a list of ``NavItem`` for the main navigation, for this ``user``.

    Called on every rendered page. Return only the items the user may use
    (``NavItem.permission`` is also checked by the core). Items are sorted by
    ``NavItem.order`` (core items use 10, 20, ...; local items 100+).
    """


@hookspec
def eoffice_permissions():
    """Return ``{role: {permission, ...}}`` to add permissions to roles.

    Called once at start-up. Permissions are strings ``"<feature>.<action>"``;
    local permissions should start with ``"local."``. Core roles are admin,
    pencatat, pimpinan and pegawai; a plugin cannot remove a core permission.
    """


@hookspec
def eoffice_cli_commands(app):
    """Return a list of ``click`` commands to add under ``flask eoffice``."""


@hookspec
def eoffice_dashboard_cards(user):
    """Return a list of ``DashboardCard`` shown on the dashboard for ``user``.

    Called on each dashboard view; keep each card to one or two cheap queries. A card's
    ``first`` names the roles that need it before anything else (e.g.
    ``(("pegawai", 6),)``): it is then shown in the dashboard's top section for users
    whose main role that is (pimpinan, then pencatat, then pegawai); other cards go
    below, those at zero toned down.
    """


@hookspec
def eoffice_demo_data(app, faker):
    """Add demo rows for a plugin's own tables when ``flask eoffice demo`` runs.

    Called inside an application context after the core demo data exists;
    ``faker`` is a Faker with the id_ID locale. Must be safe to run twice.
    Return nothing; commit with ``db.session.commit()``.
    """


@hookspec
def eoffice_access_rules():
    """Return a list of ``eoffice.access.AccessRule`` objects: who may see the objects of
    a kind, kept as access grants.

    Called once at start-up. Each rule has its own small ``object_type`` number
    (the core uses 1 and 2; local rules use 100 and up) and derives, as one SQL
    query over its tables, the grantees of its objects; the core then keeps
    ``access_grants`` in step with every flush, lists the objects a user may see
    through that table's index, and checks and rebuilds it
    (``flask eoffice access check|rebuild``). See ``eoffice/access.py``.
    """


@hookspec
def eoffice_search_sources():
    """Return a list of ``eoffice.search.index.SearchSource`` objects: kinds of objects
    the search finds, each with the text it shows to the search.

    Called once at start-up. A source names its table in
    ``eoffice.search.models.TABLES`` and the ``object_type`` of the access rule that
    decides who may see its objects (the search reads those grants, so nobody finds
    what they may not see). See ``eoffice/search/index.py``.
    """


@hookspec
def eoffice_signing_backends(app):
    """Return a list of signing backends (``eoffice.signing.backends.SigningBackend``):
    objects with a ``name`` and ``sign_pdf(pdf_bytes, *, user, passphrase, reason,
    location) -> bytes``.

    Called when a letter is signed; ``signing.backend`` in region.toml picks one by
    name (the core offers ``sertifikat``; a plugin's backend of the same name replaces
    it). ``sign_pdf`` returns the PDF with its PAdES signature added as an incremental
    update and raises ``SigningError(code, message)`` (codes ``not_enrolled``,
    ``wrong_passphrase``, ``expired``, ``revoked``, ``unavailable``) for a refusal; the
    letter then stays approved and takes no number. See docs/dev/plugins.md.
    """


# --- Domain events (eoffice/events.py) --------------------------------------------------
#
# Each is called once per event, after the transaction that caused it has committed (never
# when it was rolled back), with one argument ``event``: an ``eoffice.events.DomainEvent``
# (``name``, ``object_type`` (a table name), ``object_id``, ``actor_id``, ``positions``,
# ``user_ids``, ``restricted``, ``data``, ``occurred_at``). The implementation may read
# and write the database through ``db.session`` and must commit its own writes; an
# exception is logged and does not undo the change or stop the other subscribers. For a
# ``restricted`` event (security level R or SR) pass on nothing of the letter's subject
# or content: only that something arrived, with a link. Slow work (e-mail, gateways)
# belongs in a job, not in the hook. See docs/dev/plugins.md.


@hookspec
def eoffice_letter_registered(event):
    """An incoming letter (``incoming_letters``) was registered for its addressees:
    by a clerk, by an internal sending, or accepted from the exchange inbox.
    ``positions``: the addressee (``to``) positions; ``data``: ``agenda_number``."""


@hookspec
def eoffice_copy_received(event):
    """The same registration, told to the copy (tembusan) positions in ``positions``;
    ``object_type`` is ``incoming_letters``; ``data``: ``agenda_number``."""


@hookspec
def eoffice_disposition_received(event):
    """A disposition on an incoming letter (``object_id``) reached the recipient
    ``positions``; ``data``: ``disposition`` (id), ``due`` (ISO date), ``from`` (the
    sending position's name)."""


@hookspec
def eoffice_disposition_returned(event):
    """The sender sent a completed disposition back (the report was not enough):
    ``positions`` is the recipient's position; ``data``: ``recipient`` (id)."""


@hookspec
def eoffice_draft_awaiting_paraf(event):
    """A draft (``outgoing_letters``) waits for the paraf of the verifier position in
    ``positions`` (after it was submitted, or after the previous verifier approved)."""


@hookspec
def eoffice_draft_awaiting_signature(event):
    """A draft (``outgoing_letters``) passed every paraf and waits for the signatory
    position in ``positions``."""


@hookspec
def eoffice_draft_returned(event):
    """A verifier or the signatory returned the draft; ``user_ids`` holds the drafter."""


@hookspec
def eoffice_letter_signed(event):
    """The letter (``outgoing_letters``) was signed and numbered; ``user_ids`` holds the
    drafter; ``data``: ``number``."""


@hookspec
def eoffice_letter_sent(event):
    """The signed letter was sent; ``user_ids`` holds the drafter; ``data``: ``number``.
    Internal recipients are told by ``eoffice_letter_registered`` of the incoming letter
    the sending created."""


@hookspec
def eoffice_exchange_received(event):
    """A letter from another region's e-office (``incoming_letters``, status awaiting)
    waits in the exchange inbox for a clerk of the receiving unit (``positions`` and
    ``user_ids`` are empty: the clerks are those ``security.can_receive_exchange``
    allows); ``data``: ``agenda_number``, ``from`` (the peer's name)."""


@hookspec
def eoffice_disposition_due_soon(event):
    """An open disposition on the incoming letter ``object_id`` is due today or within
    ``[notifications] due_soon_days`` working days; ``positions`` is the recipient's
    position; ``data``: ``recipient`` (id), ``due`` (ISO date). Emitted by the periodic
    scan (``eoffice.notifications.scans``) on working days, once per recipient and due
    date."""


@hookspec
def eoffice_disposition_overdue(event):
    """An open disposition is past its due date (the first working day after it, or the
    first scan since); the same fields as ``eoffice_disposition_due_soon``."""
