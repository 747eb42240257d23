"""Consent receipts: every change to what a person lets others see or do, kept for her.

Each service that changes such a thing (a block, a fullmakt, an area withheld from
parents, an early-scan consent) records it here in the same transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.actors import Actor
from services.db import db
from services.people.models import ConsentReceipt


def record(*, person_id: int, change: str, actor: Actor, **details: Any) -> ConsentReceipt:
    """Add a receipt of ``change`` for ``person_id``; ``details`` are ids and codes only."""
    receipt = ConsentReceipt(person_id=person_id, change=change, actor_kind=actor.kind.value,
                             actor_id=actor.id, details=details)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def history(*, person_id: int) -> list[ConsentReceipt]:
    """Her receipts, newest first."""
    return list(db.session.scalars(
        sa.select(ConsentReceipt).where(ConsentReceipt.person_id == person_id)
        .order_by(ConsentReceipt.occurred_at.desc(), ConsentReceipt.id.desc())))
