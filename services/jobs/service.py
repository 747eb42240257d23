"""Run whatever periodic work is due; one failing job never stops the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services.clock import utcnow
from services.db import db
from services.jobs.models import ScheduledJob
from services.jobs.registry import DueJob, registered_jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobOutcome:
    name: str
    ok: bool
    handled: int | None = None
    error: str | None = None


def run_due(*, now: datetime | None = None, only: str | None = None) -> list[JobOutcome]:
    """Run every registered job whose time has come (or just ``only``, if due).

    Each job runs inside its own SAVEPOINT: a failure rolls back that job's changes, is
    recorded on its row, and the next job still runs. The caller commits.
    """
    now = now or utcnow()
    jobs = registered_jobs()
    if only is not None:
        if only not in jobs:
            raise KeyError(only)
        jobs = {only: jobs[only]}
    _ensure_rows(jobs.values(), now=now)
    due = db.session.scalars(
        sa.select(ScheduledJob)
        .where(ScheduledJob.name.in_(jobs), ScheduledJob.next_run_at <= now)
        .order_by(ScheduledJob.name)
        .with_for_update(skip_locked=True)
    ).all()
    return [_run_one(jobs[row.name], row, now=now) for row in due]


def _ensure_rows(jobs, *, now: datetime) -> None:
    known = set(db.session.scalars(sa.select(ScheduledJob.name)))
    for job in jobs:
        if job.name not in known:
            db.session.add(ScheduledJob(name=job.name, next_run_at=now))
    db.session.flush()


def _run_one(job: DueJob, row: ScheduledJob, *, now: datetime) -> JobOutcome:
    row.last_started_at = now
    try:
        with db.session.begin_nested():
            handled = job.run(now=now)
    except Exception as exc:
        log.exception("due job failed", extra={"job": job.name})
        outcome = JobOutcome(name=job.name, ok=False, error=type(exc).__name__)
    else:
        log.info("due job ran", extra={"job": job.name, "handled": handled})
        outcome = JobOutcome(name=job.name, ok=True, handled=handled)
    row.last_finished_at = utcnow()
    row.last_outcome = "ok" if outcome.ok else "failed"
    row.last_error = outcome.error
    row.next_run_at = now + job.every
    db.session.flush()
    return outcome
