"""Imports every core model, so metadata (and Alembic autogenerate) sees them all."""

from eoffice.audit import AuditEvent, AuditHead
from eoffice.auth.models import User, UserRole
from eoffice.org.models import Position, Unit
from eoffice.staff.models import Golongan, Staff

__all__ = ["AuditEvent", "AuditHead", "Golongan", "Position", "Staff", "Unit", "User", "UserRole"]
