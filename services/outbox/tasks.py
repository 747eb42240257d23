"""Workers deliver outbox messages; the sweep republishes what fell through the cracks."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from services.db import db
from services.jobs.registry import due_job
from services.outbox import publish
from services.outbox.models import OutboxStatus
from services.outbox.service import claim, deliver_claimed, due_for_delivery


@shared_task(name="outbox.deliver", bind=True, ignore_result=True, max_retries=None)
def deliver(self, message_id: int) -> str:
    """Deliver one message; a redelivered task finds it claimed or sent and does nothing."""
    message = claim(message_id=message_id)
    if message is None:
        db.session.rollback()
        return "skipped"
    db.session.commit()  # the claim is visible before anything leaves
    outcome = deliver_claimed(message=message)
    db.session.commit()
    if outcome.status is OutboxStatus.PENDING and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in.total_seconds())
    return outcome.status.value


@shared_task(name="outbox.fan_out", ignore_result=True)
def fan_out(message_ids: list[int]) -> int:
    """Publish one ``outbox.deliver`` per id: a large commit's ids, handed over in one
    task (``publish.FAN_OUT``) so its process need not publish each. What a broker failure
    here leaves unpublished, the sweep republishes."""
    for message_id in message_ids:
        deliver.delay(message_id)
    return len(message_ids)


@due_job("outbox.sweep", every=timedelta(minutes=1))
def sweep(*, now) -> int:
    """Republish due messages whose task was lost (broker down at commit, worker died)."""
    ids = due_for_delivery(now=now)
    for message_id in ids:
        publish.after_commit(db.session, message_id)
    return len(ids)
