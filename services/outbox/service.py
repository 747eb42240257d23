"""Enqueue in the caller's transaction; claim, deliver and record outcomes in workers."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm.util import identity_key

from services import driver
from services.clock import utcnow
from services.db import db
from services.outbox import publish
from services.outbox.channels import PermanentFailure, TemporaryFailure, sender_for
from services.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
_outbox = OutboxMessage.__table__

MAX_ATTEMPTS = 10
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
#: A claim older than this belonged to a worker that died; the sweep hands it out again.
STALE_CLAIM = timedelta(minutes=10)
#: The task published at commit normally delivers within seconds; the sweep waits this long
#: before republishing, so a busy queue does not fill up with duplicates.
SWEEP_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class NewMessage:
    """A message to queue: what :func:`enqueue` takes."""

    channel: str
    payload: dict[str, Any]
    dedupe_key: str
    not_before: datetime | None = None


def enqueue(*, channel: str, payload: dict[str, Any], dedupe_key: str,
            not_before: datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (idempotent on ``dedupe_key``).

    It is published to the workers after the transaction commits, never before. A message
    held until ``not_before`` (the end of the quiet hours) is not published at commit: the
    sweep hands it out once it is due, so no task waits hours in the broker.
    """
    [message_id] = enqueue_many([NewMessage(channel=channel, payload=payload,
                                            dedupe_key=dedupe_key, not_before=not_before)])
    return db.session.get(OutboxMessage, message_id)


def enqueue_many(messages: Sequence[NewMessage]) -> list[int]:
    """:func:`enqueue` for many at once: their ids, in order. The new rows are inserted in
    one statement that skips the keys already queued (a key twice in ``messages`` is one
    message); only those keys' ids are then looked up. A key another transaction is
    queuing at the same moment waits for it and is then one of those: never a conflict."""
    keys = [message.dedupe_key for message in messages]
    if not keys:
        return []
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    held: set[str] = set()
    for message in messages:
        if message.dedupe_key in rows:
            continue
        if message.not_before is not None and message.not_before > now:
            held.add(message.dedupe_key)
        rows[message.dedupe_key] = {
            "channel": message.channel, "payload": message.payload,
            "dedupe_key": message.dedupe_key, "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": message.not_before if message.dedupe_key in held else now,
            "created_at": now}
    ids = _insert(list(rows.values()))
    for key, message_id in ids.items():
        if key not in held:
            publish.after_commit(db.session, message_id)
    if len(ids) < len(rows):
        ids |= dict(db.session.execute(
            sa.select(OutboxMessage.dedupe_key, OutboxMessage.id)
            .where(OutboxMessage.dedupe_key.in_(rows.keys() - ids.keys()))).all())
    return [ids[key] for key in keys]


def _insert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The rows whose keys are not queued yet, in one statement; their ids by key."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # one INSERT, on the cursor: services.driver
        inserted = driver.insert_many(
            connection, _outbox,
            [{**row, "payload": json.dumps(row["payload"]),
              "next_attempt_at": row["next_attempt_at"].astimezone(UTC),
              "created_at": row["created_at"].astimezone(UTC)} for row in rows],
            returning=("id", "dedupe_key"), skip_conflicts_on="dedupe_key")
    else:
        inserted = db.session.execute(
            sqlite.insert(_outbox).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(_outbox.c.id, _outbox.c.dedupe_key), rows).all()
    return {row.dedupe_key: row.id for row in inserted}


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds, as its claim found it: what the channel needs."""

    id: int
    channel: str
    payload: dict[str, Any]
    #: Including this attempt.
    attempts: int


_NOW = sa.bindparam("now", type_=OutboxMessage.claimed_at.type)
#: The claim, returning the row, in one round trip. It and the record of a send run for
#: every message, so they are compiled once and sent on the cursor (services.driver).
_CLAIM = (sa.update(_outbox)
          .where(_outbox.c.id == sa.bindparam("message_id"),
                 _outbox.c.status == sa.bindparam("pending"),
                 _outbox.c.next_attempt_at <= _NOW)
          .values(status=sa.bindparam("sending"), claimed_at=_NOW,
                  attempts=_outbox.c.attempts + 1)
          .returning(_outbox.c.id, _outbox.c.channel, _outbox.c.payload, _outbox.c.attempts))
_RECORD_SENT = (sa.update(_outbox)
                .where(_outbox.c.id == sa.bindparam("message_id"))
                .values(status=sa.bindparam("sent"), sent_at=_NOW,
                        external_id=sa.bindparam("external_id"), last_error=sa.null())
                .returning(_outbox.c.id))


def claim(*, message_id: int, now: datetime | None = None) -> Claimed | None:
    """Mark a due message as being sent; None if sent, dead, claimed or not yet due.

    A conditional UPDATE, so two workers given the same id never both send it.
    """
    found = _run(_CLAIM, message_id=message_id, now=now or utcnow(),
                 pending=OutboxStatus.PENDING.value, sending=OutboxStatus.SENDING.value)
    if not found:
        return None
    row = found[0]
    return Claimed(id=row.id, channel=row.channel, payload=row.payload, attempts=row.attempts)


@dataclass(frozen=True)
class Delivery:
    message_id: int
    status: OutboxStatus
    retry_in: timedelta | None = None


def deliver_claimed(*, message: Claimed, now: datetime | None = None) -> Delivery:
    """Send a claimed message through its channel and record what happened."""
    try:
        external_id = sender_for(message.channel)(message.payload, message.id)
    except PermanentFailure as exc:
        return _give_up(message, str(exc))
    except TemporaryFailure as exc:
        return _retry_later(message, str(exc), now=now or utcnow(), at_least=exc.retry_after)
    _run(_RECORD_SENT, message_id=message.id, now=utcnow(), external_id=external_id,
         sent=OutboxStatus.SENT.value)
    return Delivery(message.id, OutboxStatus.SENT)


def _run(statement: sa.UpdateBase, **values: Any) -> list:
    """Run one of the statements above for one message; the rows it returns."""
    found = driver.fetch(db.session.connection(), statement, values)
    _forget_loaded(values["message_id"])
    return found


def _forget_loaded(message_id: int) -> None:
    """The row changed behind the session's back: a copy it holds would be stale."""
    loaded = db.session.identity_map.get(identity_key(OutboxMessage, message_id))
    if loaded is not None:
        db.session.expire(loaded)


def due_for_delivery(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids to (re)publish: due pending messages, and claims left by dead workers."""
    now = now or utcnow()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at < now - STALE_CLAIM)
        .values(status=OutboxStatus.PENDING, last_error="worker stopped during delivery")
        .execution_options(synchronize_session=False)
    )
    return list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               sa.or_(OutboxMessage.next_attempt_at <= now - SWEEP_GRACE,
                      # held until a time (quiet hours) and never published: due now
                      sa.and_(OutboxMessage.attempts == 0,
                              OutboxMessage.next_attempt_at > OutboxMessage.created_at,
                              OutboxMessage.next_attempt_at <= now)))
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
    ))


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter, capped: 30 s, 1 min, 2 min ... at most an hour."""
    ceiling = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2,  # noqa: S311
                                            ceiling.total_seconds()))


def _retry_later(message: Claimed, error: str, *, now: datetime,
                 at_least: timedelta | None = None) -> Delivery:
    if message.attempts >= MAX_ATTEMPTS:
        return _give_up(message, f"gave up after {message.attempts} attempts: {error}")
    delay = max(backoff(message.attempts), at_least or timedelta(0))
    _update(message.id, status=OutboxStatus.PENDING, next_attempt_at=now + delay,
            last_error=error[:500])
    log.warning("outbox delivery failed, will retry",
                extra={"message_id": message.id, "channel": message.channel,
                       "attempts": message.attempts})
    return Delivery(message.id, OutboxStatus.PENDING, retry_in=delay)


def _give_up(message: Claimed, error: str) -> Delivery:
    _update(message.id, status=OutboxStatus.DEAD, last_error=error[:500])
    log.error("outbox message dead", extra={"message_id": message.id,
                                            "channel": message.channel})
    return Delivery(message.id, OutboxStatus.DEAD)


def _update(message_id: int, **values: Any) -> None:
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(**values).execution_options(synchronize_session=False))
    _forget_loaded(message_id)
