"""Administrators' view of the outbox: which messages are in trouble, a re-send that never
touches a message being sent or sent, audited; numbers never in full."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify import admin
from services.notify.models import Notification, Outcome
from services.outbox.models import OutboxMessage, OutboxStatus
from services.people.service import NotFound
from tests.plugins.factories import make_person

ADMIN = Actor.staff(1, organisation_id=1)


def message(status: OutboxStatus, *, channel: str = "sms", error: str | None = "HTTP 503",
            person_id: int | None = None, key: str | None = None) -> OutboxMessage:
    row = OutboxMessage(channel=channel, status=status, attempts=3, last_error=error,
                        dedupe_key=key or f"{channel}:{status}:{error}:{person_id}",
                        payload={"person_id": person_id, "body": "Du har fått en ny melding"}
                        if person_id else {"to": "+4791234567", "body": "Test"})
    db.session.add(row)
    db.session.flush()
    return row


def listed() -> list[int]:
    return [m.id for m in db.session.scalars(admin.troubled().order_by(OutboxMessage.id))]


def test_failed_and_dead_messages_of_sms_and_email_are_listed_and_nothing_else(db):
    failed = message(OutboxStatus.PENDING)
    dead = message(OutboxStatus.DEAD, channel="email")
    message(OutboxStatus.PENDING, error=None)  # new, not yet tried
    message(OutboxStatus.SENDING)  # a worker has it now
    message(OutboxStatus.SENT, error=None)
    message(OutboxStatus.DEAD, channel="helsenorge")  # not a notification

    assert listed() == [failed.id, dead.id]


def test_what_staff_see_names_the_event_and_masks_numbers_and_is_audited(db, frozen_clock):
    person = make_person()
    row = message(OutboxStatus.DEAD, person_id=person.id,
                  error="Twilio 21211: +4791234567 is not a valid number")
    db.session.add(Notification(dedupe_key="k:sms", person_id=person.id,
                                event="notify.new-message", channel="sms",
                                outcome=Outcome.QUEUED, outbox_message_id=row.id, actor="t"))
    test_message = message(OutboxStatus.PENDING, error="HTTP 503")

    seen = admin.describe([row, test_message], actor=ADMIN)

    assert [(t.event, t.person_id, t.last_error) for t in seen] == [
        ("notify.new-message", person.id, "Twilio 21211: •••••••••67 is not a valid number"),
        (None, None, "HTTP 503"),
    ]
    assert "body" not in admin.Trouble.__dataclass_fields__
    audit = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(a.action, a.resource_type, a.resource_id, a.subject_person_id)
            for a in audit[-2:]] == [("read", "OutboxMessage", str(row.id), person.id),
                                     ("read", "OutboxMessage", str(test_message.id), None)]


@pytest.mark.parametrize("status", [OutboxStatus.DEAD, OutboxStatus.PENDING])
def test_a_resend_starts_the_message_afresh_publishes_it_and_is_audited(
        db, frozen_clock, published_messages, status):
    person = make_person()
    row = message(status, person_id=person.id)

    admin.resend(message_id=row.id, actor=ADMIN)
    db.session.commit()

    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error, row.claimed_at) == (
        OutboxStatus.PENDING, 0, None, None)
    assert published_messages == [row.id]
    [audit] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "OutboxMessage")).all()
    assert (audit.action, audit.actor_kind, audit.actor_id, audit.subject_person_id,
            audit.reason) == ("update", "staff", "1", person.id, f"re-send ({status.value})")
    assert row.id not in listed()


@pytest.mark.parametrize(("status", "channel", "error"), [
    (OutboxStatus.SENDING, "sms", "HTTP 503"),  # a worker has it: it would go twice
    (OutboxStatus.SENT, "sms", None),
    (OutboxStatus.PENDING, "sms", None),  # never failed
    (OutboxStatus.DEAD, "helsenorge", "gave up"),
])
def test_a_message_not_in_trouble_or_not_a_notification_is_never_resent(
        db, published_messages, status, channel, error):
    row = message(status, channel=channel, error=error)

    with pytest.raises(NotFound):
        admin.resend(message_id=row.id, actor=ADMIN)
    db.session.refresh(row)
    assert row.status == status and row.attempts == 3
    assert published_messages == []


def test_an_unknown_message_is_not_found(db):
    with pytest.raises(NotFound):
        admin.resend(message_id=987654, actor=ADMIN)


@pytest.mark.parametrize(("text", "masked"), [
    ("+4791234567", "•••••••••67"),
    ("to 912 34 567 refused", "to ••••••••67 refused"),
    ("HTTP 503 after 12 s", "HTTP 503 after 12 s"),
    ("code 1234567", "code 1234567"),  # seven digits: not a number to call
    ("01017012345", "•••••••••45"),  # shaped like an identity number
])
def test_numbers_are_masked_all_but_the_last_two_digits(text, masked):
    assert admin.mask_numbers(text) == masked
