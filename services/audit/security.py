"""The security log: refused access attempts, kept even though the refused request is not.

A refusal ends its request with a 4xx, and the request boundary rolls that transaction
back, so a row written in it would vanish. ``record_refusal`` only notes the attempt on
the session; ``write_refusals`` inserts what was noted in a transaction of its own, which
the boundary calls after its commit or rollback. Rejected: a second connection written at
once, which on SQLite would wait on the request's own write lock.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import SecurityEvent
from services.clock import utcnow
from services.db import db

_PENDING = "security_refusals"


def record_refusal(*, actor: Actor, kind: str, target: str) -> None:
    """Note that ``actor`` was refused ``target`` (a scope, ``Person/<id>``); never pass an
    identity number or request text."""
    db.session.info.setdefault(_PENDING, []).append({
        "occurred_at": utcnow(), "kind": kind, "actor_kind": actor.kind.value,
        "actor_id": actor.id, "target": target, "request_id": actor.request_id,
    })


def write_refusals() -> int:
    """Insert the refusals noted so far, in the session's current transaction; the caller
    commits it. Call it after the refused request's transaction has ended."""
    pending = db.session.info.pop(_PENDING, [])
    if pending:
        db.session.execute(sa.insert(SecurityEvent), pending)
    return len(pending)
