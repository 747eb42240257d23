"""Workers deliver outbox messages; the sweep republishes what fell through the cracks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from celery import shared_task

from services.db import asynchronous_commit, db
from services.jobs.registry import due_job
from services.outbox import publish
from services.outbox.models import OutboxStatus
from services.outbox.service import Claimed, claim, deliver_claimed, due_for_delivery

log = logging.getLogger(__name__)


@shared_task(name="outbox.deliver", bind=True, ignore_result=True, max_retries=None)
def deliver(self, message_id: int) -> str:
    """Deliver one message; a redelivered task finds it claimed or sent and does nothing."""
    message = claim(message_id=message_id)
    if message is None:
        db.session.rollback()
        return "skipped"
    asynchronous_commit()
    db.session.commit()  # the claim is visible before anything leaves
    outcome = deliver_claimed(message=message)
    asynchronous_commit()
    db.session.commit()
    if outcome.status is OutboxStatus.PENDING and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in.total_seconds())
    return outcome.status.value


@shared_task(name="outbox.deliver_many", ignore_result=True)
def deliver_many(message_ids: list[int]) -> int:
    """Deliver ``message_ids`` one after the other, as ``outbox.deliver`` delivers one, with
    one commit a message: the record of a send commits with the claim of the next, so
    this process holds one claim at a time. Ids found claimed or sent are skipped (a
    redelivered task). A message to try again later gets an ``outbox.deliver`` task of
    its own; an error hands the ids not yet tried on in a new task. How many were sent."""
    waiting = iter(message_ids)
    message = _claim_next(waiting)
    asynchronous_commit()
    db.session.commit()
    sent = 0
    while message is not None:
        try:
            outcome = deliver_claimed(message=message)
            following = _claim_next(waiting)
            asynchronous_commit()
            db.session.commit()
        except Exception:
            # This message stays claimed (the sweep hands it out after STALE_CLAIM).
            db.session.rollback()
            _hand_on(list(waiting))
            raise
        sent += outcome.status is OutboxStatus.SENT
        if outcome.status is OutboxStatus.PENDING and outcome.retry_in is not None:
            deliver.apply_async((message.id,), countdown=outcome.retry_in.total_seconds())
        message = following
    return sent


def _claim_next(waiting: Iterator[int]) -> Claimed | None:
    for message_id in waiting:
        message = claim(message_id=message_id)
        if message is not None:
            return message
    return None


def _hand_on(message_ids: list[int]) -> None:
    if not message_ids:
        return
    try:
        deliver_many.delay(message_ids)
    except Exception:  # the sweep republishes them
        log.warning("could not hand on outbox messages; the sweep will",
                    extra={"message_id": message_ids[0], "unpublished": len(message_ids)})


@shared_task(name="outbox.fan_out", ignore_result=True)
def fan_out(message_ids: list[int]) -> int:
    """Publish ``outbox.deliver_many`` tasks for ``message_ids``: a large commit's ids,
    handed over in one task (``publish.FAN_OUT``) so its process need not publish each
    batch. What a broker failure here leaves unpublished, the sweep republishes."""
    for batch in publish.batches(message_ids):
        deliver_many.delay(batch)
    return len(message_ids)


@due_job("outbox.sweep", every=timedelta(minutes=1))
def sweep(*, now) -> int:
    """Republish due messages whose task was lost (broker down at commit, worker died)."""
    ids = due_for_delivery(now=now)
    for message_id in ids:
        publish.after_commit(db.session, message_id)
    return len(ids)
