"""What notifications remember: a person's choices, the decisions taken for each event,
SMS receipts, open SMS conversations, and the letters that must go on paper."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow
from services.db import db, str_enum


class ChannelChoice(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    BOTH = "both"


class NotificationSettings(db.Model):
    """A citizen's own choices; without a row the defaults hold (SMS, the person's language,
    non-essential messages on)."""

    __tablename__ = "notification_settings"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    channels: Mapped[ChannelChoice] = mapped_column(str_enum(ChannelChoice, 5),
                                                    default=ChannelChoice.SMS)
    #: nb, nn or en; None: the language of the person's record.
    language: Mapped[str | None] = mapped_column(sa.String(2))
    #: Numbers and addresses the citizen gave us; they win over the hospital's and KRR's.
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    #: False: only essential messages (appointment changes, answers she asked for).
    non_essential: Mapped[bool] = mapped_column(default=True)
    #: She opted in to answering questionnaires by SMS: a questionnaire's notice by SMS
    #: offers a short dialogue answered by reply digits.
    answer_by_sms: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


class SmsOptOut(db.Model):
    """A number that answered STOP (mirrors Twilio's own per-number opt-out)."""

    __tablename__ = "sms_opt_outs"

    #: E.164.
    phone: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MuteRule(db.Model):
    """A service silences an event for a person (readmitted: no wound reminders)."""

    __tablename__ = "notification_mutes"
    __table_args__ = (sa.UniqueConstraint("person_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    #: An event name, or a prefix ending in ``*`` (``wound.*``).
    event: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.String(200))
    #: None: until lifted.
    until: Mapped[datetime | None]
    set_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(StrEnum):
    """What ``notify`` decided for one event on one channel."""

    QUEUED = "queued"
    #: Queued, to leave when the quiet hours end.
    DEFERRED = "deferred"
    MUTED = "muted"
    OPTED_OUT = "opted_out"
    CAPPED = "capped"
    #: Reserved against digital contact in KRR, or no way to reach: a letter is needed.
    PAPER = "paper"


class Notification(db.Model):
    """One decision: this event, for this person, on this channel (or on paper)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The caller's key plus the channel: ``appointment:42:reminder-48h:sms``.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(100))
    #: sms, email or paper.
    channel: Mapped[str] = mapped_column(sa.String(10))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, 10))
    #: The sending organisation (a hospital), named in the message unless sensitive.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id"), unique=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it may leave (after the quiet hours); None if it is not sent.
    send_at: Mapped[datetime | None]
    #: Paper letters: when staff marked it printed and posted.
    handled_at: Mapped[datetime | None]


class SmsStatus(db.Model):
    """Twilio's view of an SMS we sent: the create response's status, then callbacks,
    forward only."""

    __tablename__ = "sms_statuses"

    outbox_message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True)
    sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    #: Twilio's ErrorCode for failed / undelivered.
    error_code: Mapped[str | None] = mapped_column(sa.String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Conversation(db.Model):
    """A service waits for an SMS reply from this number, until it expires."""

    __tablename__ = "sms_conversations"
    __table_args__ = (sa.Index("ix_sms_conversations_phone_open", "phone", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    #: E.164; matched together with the person and the expiry, never on the text alone.
    phone: Mapped[str] = mapped_column(sa.String(20))
    #: Name of the registered reply handler (``ultrasound.confirm``).
    kind: Mapped[str] = mapped_column(sa.String(50))
    #: The handler's own reference (an appointment id, a case id).
    ref: Mapped[str] = mapped_column(sa.String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ConsoleMessage(db.Model):
    """What the console channel 'sent' (embedded default): listed on the development page."""

    __tablename__ = "console_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    to: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
