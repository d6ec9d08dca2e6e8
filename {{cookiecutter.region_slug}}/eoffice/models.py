"""Imports every core model, so metadata (and Alembic autogenerate) sees them all."""

from eoffice.access import AccessGrant
from eoffice.api.models import ApiToken
from eoffice.archive.models import (
    BeritaAcara,
    Berkas,
    BerkasItem,
    Classification,
    RetentionSchedule,
)
from eoffice.audit import AuditEvent, AuditHead
from eoffice.auth.models import User, UserRole, UserSession
from eoffice.dispositions.models import Disposition, DispositionInstruction, DispositionRecipient
from eoffice.exchange.models import Delivery, InboundLetter, Peer, ReceivedRequest
from eoffice.files import StoredFile
from eoffice.letters.models import IncomingLetter, LetterAttachment, LetterRecipient
from eoffice.numbering import Counter
from eoffice.org.models import ActingAssignment, Position, PositionPath, Unit, UnitPath
from eoffice.outgoing.models import (
    ApprovalStep,
    DraftRevision,
    OutgoingAttachment,
    OutgoingLetter,
    OutgoingRecipient,
)
from eoffice.search.models import INCOMING as SEARCH_INCOMING
from eoffice.search.models import OUTGOING as SEARCH_OUTGOING
from eoffice.series.models import NumberingSeries
from eoffice.signing.models import SigningCertificate, TrustRoot
from eoffice.staff.models import Golongan, Staff

__all__ = [
    "AccessGrant", "ActingAssignment", "Berkas", "BerkasItem", "BeritaAcara", "PositionPath",
    "UnitPath", "SEARCH_INCOMING",
    "SEARCH_OUTGOING",
    "ApiToken", "SigningCertificate", "Delivery", "InboundLetter", "Peer", "ReceivedRequest",
    "ApprovalStep", "DraftRevision", "OutgoingAttachment", "OutgoingLetter", "OutgoingRecipient",
    "AuditEvent", "AuditHead", "Classification", "Counter", "Disposition",
    "DispositionInstruction", "DispositionRecipient", "Golongan", "IncomingLetter",
    "LetterAttachment", "LetterRecipient", "NumberingSeries", "Position", "RetentionSchedule",
    "Staff", "StoredFile", "TrustRoot", "Unit", "User", "UserRole", "UserSession",
]
