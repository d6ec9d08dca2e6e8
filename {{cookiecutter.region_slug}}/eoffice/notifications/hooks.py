"""The notification centre subscribes to every domain event, as any plugin would."""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("eoffice")


def _notify(event) -> None:
    from eoffice.notifications.services import notify

    notify(event)


@hookimpl
def eoffice_letter_registered(event):
    _notify(event)


@hookimpl
def eoffice_copy_received(event):
    _notify(event)


@hookimpl
def eoffice_disposition_received(event):
    _notify(event)


@hookimpl
def eoffice_disposition_returned(event):
    _notify(event)


@hookimpl
def eoffice_draft_awaiting_paraf(event):
    _notify(event)


@hookimpl
def eoffice_draft_awaiting_signature(event):
    _notify(event)


@hookimpl
def eoffice_draft_returned(event):
    _notify(event)


@hookimpl
def eoffice_letter_signed(event):
    _notify(event)


@hookimpl
def eoffice_letter_sent(event):
    _notify(event)


@hookimpl
def eoffice_exchange_received(event):
    _notify(event)


@hookimpl
def eoffice_disposition_due_soon(event):
    _notify(event)


@hookimpl
def eoffice_disposition_overdue(event):
    _notify(event)
