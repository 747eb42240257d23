"""Staff reading a patient's data: on their work list it is routine; outside it they must
say why, and the reason is kept in the audit trail the patient can see."""

from __future__ import annotations

from services import audit
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent

#: Long enough to rule out "x" or "ok"; the reason is shown to the patient.
MIN_REASON_LENGTH = 10


class ReasonRequired(PermissionError):
    """Staff looked outside their work list without giving a reason."""


def record_staff_read(
    *,
    actor: Actor,
    subject_person_id: int,
    resource_type: str,
    resource_id: str | int | None,
    purpose: str,
    on_worklist: bool,
    reason: str | None = None,
) -> AuditEvent:
    """Audit a staff read; refuse it when it is off the work list and has no reason."""
    if actor.kind is not ActorKind.STAFF:
        raise ValueError("record_staff_read is for staff actors")
    reason = (reason or "").strip() or None
    if not on_worklist and (reason is None or len(reason) < MIN_REASON_LENGTH):
        raise ReasonRequired(
            f"give a reason of at least {MIN_REASON_LENGTH} characters for looking at a "
            "patient outside your work list"
        )
    return audit.record(actor=actor, action="read", resource_type=resource_type,
                        resource_id=resource_id, subject_person_id=subject_person_id,
                        purpose=purpose, reason=None if on_worklist else reason)
