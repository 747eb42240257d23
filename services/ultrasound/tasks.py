"""Due work of the ultrasound service."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.jobs.registry import due_job
from services.ultrasound.reminders import send_due_reminders


@due_job("ultrasound.reminders", every=timedelta(minutes=5))
def remind_of_appointments(*, now: datetime) -> int:
    return send_due_reminders(now=now)
