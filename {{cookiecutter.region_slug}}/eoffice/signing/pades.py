"""PAdES signatures with pyHanko: the one place that knows pyHanko's signing API.

The signature goes into an **invisible** field (``TTE``) added to the rendered PDF as an
incremental update: the bytes WeasyPrint wrote stay as they are, and the letter's visible
signature block (name, position, "Ditandatangani secara elektronik oleh", QR code) stays
exactly as rendered. A visible widget would have to be placed over text whose position
the HTML layout decides; an invisible field is what PDF readers list in their signature
panel all the same, and it needs no coordinates to keep in step with the templates.

Profile: PAdES B-B (``/SubFilter /ETSI.CAdES.detached``, SHA-256, the signer's
certificate and the issuers known for it embedded), B-T when a timestamp authority is
configured (``signing.tsa_url``: an RFC 3161 token over the signature).
"""

from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

FIELD_NAME = "TTE"

log = logging.getLogger(__name__)


class TimestampUnavailable(RuntimeError):
    """The timestamp authority did not answer, or answered with an error."""


def run_coroutine(make_coroutine):
    """Run a pyHanko coroutine (signing, validation) to its end and return its result.

    pyHanko's own sync wrappers call ``asyncio.run``, which refuses a thread where an event
    loop is already running (an async server, a test session driving a browser); there the
    coroutine gets a thread and a loop of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def free_field_name(writer) -> str:
    """``TTE`` for the first signature, ``TTE-2``, ``TTE-3``, ... for the further ones of
    a letter signed by several officials (each signature needs a field of its own)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {name for name, _value, _ref in enumerate_sig_fields(writer)}
    if FIELD_NAME not in taken:
        return FIELD_NAME
    n = 2
    while f"{FIELD_NAME}-{n}" in taken:
        n += 1
    return f"{FIELD_NAME}-{n}"


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign(pdf: bytes, *, key, certificate: x509.Certificate, chain: list[x509.Certificate],
         reason: str, location: str, tsa_url: str = "", tsa_timeout: int = 15) -> bytes:
    """``pdf`` with a PAdES signature made with ``key`` (a ``cryptography`` private key)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signing_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(certificate), signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_certificate(c) for c in chain]))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=free_field_name(writer), subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or None, location=location or None)
    timestamper = HTTPTimeStamper(tsa_url, timeout=tsa_timeout) if tsa_url else None
    try:
        output = run_coroutine(lambda: signers.async_sign_pdf(writer, metadata, signer=signer,
                                                     timestamper=timestamper))
    except (TimestampRequestError, OSError) as exc:  # pyHanko wraps the HTTP client's errors
        log.warning("timestamp authority %s failed: %s", tsa_url, exc)
        raise TimestampUnavailable(str(exc)) from exc
    return output.getvalue()
