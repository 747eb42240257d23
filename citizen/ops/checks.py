"""Can we reach the database and the broker? Each check answers None or a reason."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from celery import Celery
from kombu.exceptions import ChannelError, OperationalError

from services.db import db
from services.jobs.models import ScheduledJob

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


def database_problem() -> str | None:
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        log.warning("database not reachable", extra={"error": type(exc).__name__})
        db.session.rollback()
        return f"database unreachable ({type(exc).__name__})"
    return None


def broker_problem(celery_app: Celery) -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    except Exception as exc:  # kombu wraps transport errors inconsistently
        log.warning("broker not reachable", extra={"error": type(exc).__name__})
        return f"broker unreachable ({type(exc).__name__})"
    return None


def queue_depths(celery_app: Celery) -> dict[str, int | None]:
    """Messages waiting per configured queue; None where the broker did not answer."""
    names = [q.name for q in celery_app.conf.task_queues]
    depths: dict[str, int | None] = dict.fromkeys(names)
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
            channel = conn.default_channel
            for name in names:
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    depths[name] = 0  # never declared yet: nothing waiting
    except (OperationalError, OSError) as exc:
        log.warning("broker not reachable for queue depth", extra={"error": type(exc).__name__})
    return depths


def due_job_last_success() -> dict[str, float]:
    """Unix time each due job last finished well: beat and workers are alive if recent."""
    try:
        rows = db.session.execute(
            sa.select(ScheduledJob.name, ScheduledJob.last_finished_at).where(
                ScheduledJob.last_outcome == "ok"
            )
        ).all()
    except Exception as exc:  # metrics must render even while the database is down
        log.warning("database not reachable for job metrics", extra={"error": type(exc).__name__})
        db.session.rollback()
        return {}
    return {name: finished.timestamp() for name, finished in rows if finished}
