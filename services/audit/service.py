"""Write audit rows in the caller's transaction, and check the chain has not been broken."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db

GENESIS = "0" * 64
#: Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK = 0x4D484155  # "MHAU"
_HASHED_FIELDS = (
    "occurred_at", "actor_kind", "actor_id", "actor_organisation_id", "on_behalf_of_person_id",
    "subject_person_id", "action", "resource_type", "resource_id", "purpose", "reason",
    "request_id", "prev_hash",
)


def record(
    *,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str | int | None = None,
    subject_person_id: int | None = None,
    purpose: str,
    reason: str | None = None,
) -> AuditEvent:
    """Append one audit row, chained to the previous one, in the current transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Held until commit, so concurrent transactions append one after the other.
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
    prev = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_organisation_id=actor.organisation_id,
        on_behalf_of_person_id=actor.on_behalf_of,
        subject_person_id=subject_person_id,
        action=action,
        resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        purpose=purpose,
        reason=reason,
        request_id=actor.request_id,
        prev_hash=prev or GENESIS,
    )
    event.hash = _digest(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report rows edited, and gaps where rows were deleted."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    checked = 0
    for event in _in_order(batch_size):
        checked += 1
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.id, "previous row missing or changed"))
        if _digest(event) != event.hash:
            breaks.append(ChainBreak(event.id, "row contents changed"))
        expected_prev = event.hash
    return ChainReport(checked=checked, head=expected_prev, breaks=breaks)


def _in_order(batch_size: int) -> Iterator[sa.Row]:
    """Plain rows, in batches: the chain may be long and need not fill the identity map."""
    columns = [AuditEvent.id, AuditEvent.hash, *(getattr(AuditEvent, f) for f in _HASHED_FIELDS)]
    last_id = 0
    while True:
        batch = db.session.execute(
            sa.select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def _digest(event: AuditEvent | sa.Row) -> str:
    fields = {name: getattr(event, name) for name in _HASHED_FIELDS}
    fields["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
