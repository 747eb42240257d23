from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.db import db


class ScheduledJob(db.Model):
    """When each registered job last ran and when it is next due.

    One row per job; the row is locked while the job runs so that two schedulers (or beat
    and an operator's ``jobs run-due``) never run the same job at once.
    """

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    #: ``ok`` or ``failed``; details of a failure are in the log, never personal data here.
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    #: Exception class name of the last failure.
    last_error: Mapped[str | None] = mapped_column(String(200))
