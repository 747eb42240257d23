"""Thin Celery entry points for due work; beat calls ``jobs.run_due`` every minute."""

from datetime import timedelta

from celery import shared_task

from services.db import db
from services.jobs.registry import due_job
from services.jobs.service import run_due


@shared_task(name="jobs.run_due", ignore_result=True)
def run_due_task() -> None:
    run_due()
    db.session.commit()


@shared_task(name="system.ping", ignore_result=False)
def ping() -> dict[str, str]:
    """Prove a worker runs with an app context and a database connection."""
    db.session.execute(db.text("SELECT 1"))
    return {"pong": "ok"}


@due_job("system.heartbeat", every=timedelta(minutes=1))
def heartbeat(*, now) -> int:
    """Do nothing; its row's ``last_finished_at`` shows that beat and a worker are alive."""
    return 0
