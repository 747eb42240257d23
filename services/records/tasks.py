"""Due work of the record service."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.jobs.registry import due_job
from services.records.ingest import send_release_notices


@due_job("records.release-notices", every=timedelta(minutes=5))
def announce_released_documents(*, now: datetime) -> int:
    """Tell each patient of the documents whose release time has come."""
    return send_release_notices(now=now)
