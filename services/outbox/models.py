from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow
from services.db import db, str_enum


class OutboxStatus(StrEnum):
    PENDING = "pending"
    #: Claimed by a worker; a row stuck here means the worker died mid-delivery.
    SENDING = "sending"
    SENT = "sent"
    #: Gave up: a permanent refusal, or too many attempts. Needs a person to look.
    DEAD = "dead"


class OutboxMessage(db.Model):
    """One message waiting to leave, or the record that it left."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name of the channel that delivers it (see ``services.outbox.channels``).
    channel: Mapped[str] = mapped_column(sa.String(30))
    #: Makes enqueueing idempotent: the same key twice is one message,
    #: e.g. ``appointment:17:reminder-24h:sms``.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: What the channel needs to send it; never more personal data than the message carries.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 10),
        default=OutboxStatus.PENDING, index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    #: The receiving system's id for the message (Twilio SID, helsenorge MessageId ...).
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: Why the last attempt failed, without personal data.
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
