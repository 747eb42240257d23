"""Every domain's models, imported once so the metadata is complete for Alembic."""

from services.audit.models import AuditCheckpoint, AuditEvent, SecurityEvent
from services.clients.models import SystemClient, UsedClientAssertion
from services.helsenorge.models import InboundMessage
from services.jobs.models import ScheduledJob
from services.outbox.models import OutboxMessage
from services.people.models import (
    Fullmakt,
    GuardianRestriction,
    Guardianship,
    Organisation,
    Person,
    RoleAssignment,
    StaffMember,
)
from services.sessions.models import WebSession

__all__ = [
    "AuditCheckpoint",
    "AuditEvent",
    "Fullmakt",
    "GuardianRestriction",
    "Guardianship",
    "InboundMessage",
    "Organisation",
    "OutboxMessage",
    "Person",
    "RoleAssignment",
    "ScheduledJob",
    "SecurityEvent",
    "StaffMember",
    "SystemClient",
    "UsedClientAssertion",
    "WebSession",
]
