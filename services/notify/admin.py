"""What administrators see of outgoing messages: those that failed (and will be tried
again) or are dead, and a re-send. Never the message itself, nor a number in full."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.notify.models import Notification
from services.outbox import publish
from services.outbox.models import OutboxMessage, OutboxStatus
from services.people.service import NotFound

#: The channels notifications own; other channels' troubles (helsenorge) are not listed here.
CHANNELS = ("sms", "email")
#: Digit runs as long as a phone number (or an identity number): all but the last two hidden.
_LONG_NUMBER = re.compile(r"\+?\d[\d ]{6,}\d")


@dataclass(frozen=True)
class Trouble:
    """One failed or dead message as staff see it."""

    message_id: int
    channel: str
    #: The event it told of; None for the operator's test message.
    event: str | None
    status: OutboxStatus
    attempts: int
    #: Why the last attempt failed, numbers masked.
    last_error: str
    created_at: datetime
    #: When it is tried again (failed), or when it was given up (dead: its last attempt).
    next_attempt_at: datetime
    person_id: int | None


def troubled() -> sa.Select:
    """Failed (pending after an error) and dead messages of the notification channels."""
    return (sa.select(OutboxMessage)
            .where(OutboxMessage.channel.in_(CHANNELS),
                   sa.or_(OutboxMessage.status == OutboxStatus.DEAD,
                          sa.and_(OutboxMessage.status == OutboxStatus.PENDING,
                                  OutboxMessage.last_error.is_not(None)))))


def describe(messages: list[OutboxMessage], *, actor: Actor) -> list[Trouble]:
    """What staff may see of ``messages`` (a page of :func:`troubled`), audited as read."""
    events = dict(db.session.execute(
        sa.select(Notification.outbox_message_id, Notification)
        .where(Notification.outbox_message_id.in_([m.id for m in messages]))).all())
    found = [Trouble(message_id=m.id, channel=m.channel,
                     event=events[m.id].event if m.id in events else None,
                     status=m.status, attempts=m.attempts,
                     last_error=mask_numbers(m.last_error or ""), created_at=m.created_at,
                     next_attempt_at=m.next_attempt_at,
                     person_id=_person_of(m, events.get(m.id)))
             for m in messages]
    audit.record_many(actor=actor, action="read", resource_type="OutboxMessage",
                      accesses=[(t.message_id, t.person_id) for t in found],
                      purpose="notifications")
    return found


def resend(*, message_id: int, actor: Actor) -> OutboxMessage:
    """Hand a failed or dead message to the workers again, as if new (audited).

    NotFound unless it is a notification message that failed or is dead: one being sent
    right now, or already sent, is never touched (that would send it twice).
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.channel not in CHANNELS:
        raise NotFound("message")
    before = message.status
    now = utcnow()
    reset = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               sa.or_(OutboxMessage.status == OutboxStatus.DEAD,
                      sa.and_(OutboxMessage.status == OutboxStatus.PENDING,
                              OutboxMessage.last_error.is_not(None))))
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now,
                claimed_at=None, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not reset:
        raise NotFound("message")
    db.session.refresh(message)
    decided = db.session.scalar(sa.select(Notification).where(
        Notification.outbox_message_id == message_id))
    audit.record(actor=actor, action="update", resource_type="OutboxMessage",
                 resource_id=message_id, subject_person_id=_person_of(message, decided),
                 purpose="notifications", reason=f"re-send ({before.value})")
    publish.after_commit(db.session, message_id)
    return message


def mask_numbers(text: str) -> str:
    """``+4791234567`` → ``••••••••67``: enough to tell two apart, not to call one."""
    return _LONG_NUMBER.sub(lambda m: "•" * (len(m.group()) - 2) + m.group()[-2:], text)


def _person_of(message: OutboxMessage, decided: Notification | None) -> int | None:
    if decided is not None:
        return decided.person_id
    person_id = message.payload.get("person_id") if isinstance(message.payload, dict) else None
    return person_id if isinstance(person_id, int) else None
