"""Checkpoint the audit chains' heads, so that a trail cut at either end is found."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.audit.service import take_checkpoints
from services.jobs.registry import due_job

#: Rows appended since the last checkpoint are what a cut at the end could remove unseen.
CHECKPOINT_EVERY = timedelta(minutes=5)


@due_job("audit.checkpoint", every=CHECKPOINT_EVERY)
def checkpoint_chain_heads(*, now: datetime) -> int:
    return len(take_checkpoints(now=now))
