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
from eoffice.naskah.models import NaskahType, SigningAuthority
from eoffice.notifications.models import (
    EventMark,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)
from eoffice.numbering import Counter
from eoffice.org.models import ActingAssignment, Position, PositionPath, Unit, UnitPath
from eoffice.outgoing.models import (
    ApprovalStep,
    DraftRevision,
    OutgoingAttachment,
    OutgoingLetter,
    OutgoingRecipient,
)
from eoffice.pagecache import page_generation
from eoffice.recipients.models import ExternalContact, RecipientGroup
from eoffice.search.models import INCOMING as SEARCH_INCOMING
from eoffice.search.models import OUTGOING as SEARCH_OUTGOING
from eoffice.series.models import NumberingSeries
from eoffice.signing.models import SigningCertificate, TrustRoot
from eoffice.staff.models import Golongan, Staff

__all__ = [
    "AccessGrant", "ActingAssignment", "Berkas", "BerkasItem", "BeritaAcara", "PositionPath",
    "UnitPath", "SEARCH_INCOMING",
    "SEARCH_OUTGOING",
    "ApiToken", "ExternalContact", "RecipientGroup", "SigningCertificate",
    "Delivery", "InboundLetter", "Peer", "ReceivedRequest",
    "ApprovalStep", "DraftRevision", "OutgoingAttachment", "OutgoingLetter", "OutgoingRecipient",
    "AuditEvent", "AuditHead", "Classification", "Counter", "Disposition",
    "DispositionInstruction", "DispositionRecipient", "EventMark", "Golongan", "IncomingLetter",
    "LetterAttachment", "LetterRecipient", "NaskahType", "Notification", "NotificationDelivery",
    "NotificationPreference", "NumberingSeries", "Position",
    "RetentionSchedule", "SigningAuthority", "Staff", "StoredFile", "TrustRoot", "Unit", "User",
    "UserRole", "UserSession", "page_generation",
]
