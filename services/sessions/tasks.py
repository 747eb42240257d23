"""Forget finished sessions: they hold an encrypted id_token and are no use once over."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from services.db import db
from services.jobs.registry import due_job
from services.sessions.models import WebSession

#: Kept a day after they end, for support questions about a recent login.
KEEP_ENDED = timedelta(days=1)


@due_job("sessions.purge", every=timedelta(hours=1))
def purge_finished_sessions(*, now: datetime) -> int:
    cutoff = now - KEEP_ENDED
    return db.session.execute(
        sa.delete(WebSession).where(
            sa.or_(WebSession.ended_at < cutoff, WebSession.expires_at < cutoff)
        )
    ).rowcount
