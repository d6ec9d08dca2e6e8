"""Signing backends: who turns a rendered letter into a signed PDF (issue 10).

A backend is any object with a ``name`` and a ``sign_pdf`` method (:class:`SigningBackend`).
The region chooses one with ``signing.backend`` in region.toml; the core offers
``sertifikat`` (each official's own certificate and key, enrolled from a PKCS#12 file and
kept encrypted under their signing passphrase), and a plugin adds others through the
``eoffice_signing_backends`` hook (e.g. a remote signing service of a national CA).

Every refusal is a :class:`SigningError` whose ``code`` says what happened and whose
``str()`` is a translated sentence the signatory can act on; the outgoing letter's
``sign()`` shows it and rolls back, so a refused signature takes no number.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from flask import current_app
from flask_babel import lazy_gettext as _l

CODES = ("not_enrolled", "wrong_passphrase", "expired", "revoked", "unavailable")


class SigningError(Exception):
    """A signature refused. ``code`` is one of :data:`CODES`; ``str()`` is translated."""

    def __init__(self, code: str, message):
        if code not in CODES:
            raise ValueError(f"unknown signing error code {code!r}")
        super().__init__(str(message))
        self.code = code


@runtime_checkable
class SigningBackend(Protocol):
    """The contract of a signing backend.

    ``sign_pdf`` receives the letter as rendered (number, QR code and visible signature
    block already in it), the signatory (a ``User``), the passphrase they typed, and the
    reason and location to put in the signature; it returns the signed PDF, in which the
    original bytes are unchanged (an incremental update). It raises :class:`SigningError`
    for anything the signatory or an administrator must fix. It is called inside the
    transaction that holds the letter's number, so it should not take long.

    A backend may also have ``check(*, user)``, called before the number is taken and the
    PDF rendered: the quick refusals that need no passphrase (not enrolled, expired,
    revoked), so that they cost nothing.
    """

    name: str

    def sign_pdf(self, pdf_bytes: bytes, *, user, passphrase: str, reason: str,
                 location: str) -> bytes: ...


def available_backends(app=None) -> dict[str, SigningBackend]:
    """Every backend the core and the plugins offer, by name (a later plugin's backend of
    the same name wins over the core's)."""
    from eoffice.plugins.manager import plugin_manager

    found: dict[str, SigningBackend] = {}
    for backends in reversed(plugin_manager(app).hook.eoffice_signing_backends(
            app=app or current_app._get_current_object())):
        for backend in backends or ():
            if not isinstance(backend, SigningBackend):
                raise TypeError(f"{backend!r} is not a signing backend (name, sign_pdf)")
            found[backend.name] = backend
    return found


def current_backend() -> SigningBackend:
    """The backend named by ``signing.backend``; an unknown name refuses every signature
    with a message for the administrator rather than failing the whole app."""
    name = current_app.config["SIGNING_BACKEND"]
    backend = available_backends().get(name)
    if backend is None:
        raise SigningError("unavailable", _l(
            "The signing service \"%(name)s\" set in region.toml is not available; "
            "ask the administrator.", name=name))
    return backend
