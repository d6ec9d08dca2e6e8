"""Checking the signatures embedded in a PDF (issue 10), for the public verification pages.

Every signature is validated with pyHanko against the region's trust roots: its own CA
(``instance/ca/ca.pem``) and the roots an administrator added
(:mod:`eoffice.signing.roots`). Nothing is fetched from the network: offices run on
intranets, and a verdict must not depend on a CA's server being up. A certificate the
region CA issued and later revoked is found in the CA's own index (``ca.is_revoked``):
pyHanko reads a CRL only for certificates that name one, and the region CA's do not.

A signature is *intact* when the bytes it covers are unchanged and nothing was changed
after it beyond what PDF signing allows (a later signature, form filling): pyHanko's
difference analysis of the incremental updates decides that. It is *trusted* when its
certificate chains to one of the roots, is valid today and is not revoked.

The verdict of a whole file, worst first:

- ``unreadable``: not a PDF, damaged, truncated or password-protected (never an error page);
- ``unsigned``: a readable PDF with no signature;
- ``altered``: some signature is not intact;
- ``untrusted``: every signature is intact, but some signer is not trusted here (or a
  signature could not be checked at all);
- ``valid``: every signature intact and trusted.

Validation takes about 50 ms for a letter with one signature and 120 ms with two
(measured on a busy 2-core machine; most of it is pyHanko reading the signature's
``/Contents`` and checking the CMS), below the 200 ms that would call for a cache, so
verdicts are not cached.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask_babel import gettext as _

log = logging.getLogger(__name__)


class _WithoutTraceback(logging.Filter):
    """pyHanko logs a WARNING with a full traceback for every chain it cannot build (an
    untrusted signer): on the public page anyone could fill the logs with them. The
    line is kept; the traceback is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_WithoutTraceback())

VALID, ALTERED, UNTRUSTED, UNSIGNED, UNREADABLE = (
    "valid", "altered", "untrusted", "unsigned", "unreadable")
VERDICTS = (VALID, ALTERED, UNTRUSTED, UNSIGNED, UNREADABLE)
#: More signature fields than any letter has; a crafted file with thousands is refused
#: rather than validated one by one on a public page.
MAX_SIGNATURES = 20
PADES_SUBFILTER = "/ETSI.CAdES.detached"


@dataclass(frozen=True)
class SignatureReport:
    """What one embedded signature says and whether it holds."""

    field: str
    signer: str  # the certificate's subject CN
    issuer: str  # its issuer's CN
    serial: str  # upper-case hexadecimal, as ``flask eoffice ca list`` shows it
    signed_at: datetime | None  # the timestamp's time (B-T), else the signer's own clock
    timestamped: bool
    level: str | None  # "PAdES B-B", "PAdES B-T"; None for a plain PKCS#7 signature
    intact: bool
    trusted: bool
    revoked: bool = False
    checked: bool = True  # False: the signature could not be validated at all
    problem: str | None = None  # one translated line when not intact or not trusted


@dataclass(frozen=True)
class Report:
    verdict: str
    sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)
    message: str | None = None  # why a file is unreadable

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


# --- trust roots ----------------------------------------------------------------------

def region_ca_certificate() -> x509.Certificate | None:
    """The region CA's certificate (only the public part is needed), or None."""
    from eoffice.signing.ca import ca_folder

    path = ca_folder() / "ca.pem"
    if not path.exists():
        return None
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        log.warning("instance/ca/ca.pem is not a PEM certificate; the region CA is not trusted")
        return None


def trust_roots() -> list[x509.Certificate]:
    """The region CA (when there is one) and every root an administrator added."""
    from eoffice.signing.roots import root_certificates

    own = region_ca_certificate()
    return ([own] if own is not None else []) + root_certificates()


# --- checking -------------------------------------------------------------------------

def check_pdf(data: bytes, roots: list[x509.Certificate] | None = None,
              moment: datetime | None = None) -> Report:
    """The verdict on ``data`` and a report per signature; never raises on bad input.

    ``moment`` is when the certificates must have been valid: by default now. The
    verification page of a stored letter passes the letter's own signing time, recorded
    by this server when it signed: without a timestamp (PAdES B-B) a letter would
    otherwise turn "not trusted (expired)" the day its signer's certificate expires,
    though nothing in it changed. An uploaded copy is checked as of now."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    digest = hashlib.sha256(data).hexdigest()
    unreadable = _("The file could not be read as a PDF: it is damaged, truncated or not "
                   "a PDF at all.")
    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        return Report(UNREADABLE, digest, message=unreadable)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return Report(UNREADABLE, digest, message=_(
                "The PDF is protected with a password: its signatures cannot be checked. "
                "Check the original file, without a password."))
        embedded = [sig for sig in reader.embedded_signatures if sig.sig_object_type == "/Sig"]
    except Exception as exc:  # noqa: BLE001 - any parser failure is a damaged file
        log.info("unreadable PDF: %s: %s", type(exc).__name__, exc)
        return Report(UNREADABLE, digest, message=unreadable)
    if not embedded:
        return Report(UNSIGNED, digest)
    if len(embedded) > MAX_SIGNATURES:
        return Report(UNREADABLE, digest, message=_(
            "The PDF has more than %(n)d signatures: it is not checked here.",
            n=MAX_SIGNATURES))
    roots = trust_roots() if roots is None else roots
    signatures = [_check_signature(sig, roots, moment) for sig in embedded]
    return Report(_verdict(signatures), digest, signatures)


def _verdict(signatures: list[SignatureReport]) -> str:
    if any(s.checked and not s.intact for s in signatures):
        return ALTERED
    if any(not s.checked or not s.trusted for s in signatures):
        return UNTRUSTED
    return VALID


def _check_signature(embedded, roots: list[x509.Certificate],
                     moment: datetime | None = None) -> SignatureReport:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from eoffice.signing.loop import outside_event_loop

    anchors = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
               for c in roots]
    name = str(embedded.field_name or "")
    try:
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # stored times are naive UTC
        context = ValidationContext(trust_roots=anchors, allow_fetching=False,
                                    revocation_mode="soft-fail", moment=moment)
        status = outside_event_loop(validate_pdf_signature, embedded, context)
    except Exception as exc:  # noqa: BLE001 - a malformed or unsupported signature
        log.info("signature %s not checked: %s: %s", name, type(exc).__name__, exc)
        certificate = _safe_signer_cert(embedded)
        return SignatureReport(
            field=name, **_names(certificate), signed_at=None, timestamped=False, level=None,
            intact=False, trusted=False, checked=False,
            problem=_("This signature could not be checked (damaged or of an unsupported "
                      "kind)."))
    content_ok = bool(status.intact and status.valid)
    kept = status.docmdp_ok is True
    timestamp = status.timestamp_validity
    timestamped = timestamp is not None and timestamp.intact and timestamp.valid
    signed_at = timestamp.timestamp if timestamped else status.signer_reported_dt
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    level = (("PAdES B-T" if timestamped else "PAdES B-B") if subfilter == PADES_SUBFILTER
             else None)
    revoked = bool(status.revoked) or _revoked_by_region_ca(status.signing_cert)
    trusted = bool(status.trusted) and not revoked
    problem = None
    if not content_ok:
        problem = _("The signed content does not match the signature: the file was changed.")
    elif not kept:
        problem = _("The document was changed after this signature was made.")
    elif revoked:
        problem = _("The signer's certificate has been revoked.")
    elif not trusted:
        problem = _trust_problem(status)
    return SignatureReport(
        field=name, **_names(status.signing_cert), signed_at=signed_at,
        timestamped=timestamped, level=level, intact=content_ok and kept, trusted=trusted,
        revoked=revoked, problem=problem)


def _revoked_by_region_ca(certificate) -> bool:
    from eoffice.signing.ca import is_revoked

    try:
        return is_revoked(x509.load_der_x509_certificate(certificate.dump()))
    except (ValueError, OSError):
        return False


def _trust_problem(status) -> str:
    from pyhanko.sign.ades.report import AdESIndeterminate

    indication = status.trust_problem_indic
    if indication in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
                      AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED):
        return _("The signer's certificate is expired or not yet valid.")
    return _("The certificate's issuer is not trusted here (neither the region CA nor a root "
             "the administrator added).")


def _safe_signer_cert(embedded):
    try:
        return embedded.signer_cert
    except Exception:  # noqa: BLE001
        return None


def _common_name(name) -> str:
    try:
        value = name.native.get("common_name")
    except Exception:  # noqa: BLE001 - a malformed name
        return "-"
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value) if value else name.human_friendly


def _names(certificate) -> dict:
    if certificate is None:
        return {"signer": "-", "issuer": "-", "serial": "-"}
    return {"signer": _common_name(certificate.subject),
            "issuer": _common_name(certificate.issuer),
            "serial": format(certificate.serial_number, "X")}
