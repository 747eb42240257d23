"""Reminders in batches: a batch stores the same notices, marks and conversations as the
same appointments reminded of one at a time, and what it runs does not grow with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.db import db
from services.notify.inbound import open_conversation
from services.notify.krr import KrrUnavailable
from services.notify.models import ChannelChoice, Conversation, Notification, NotificationSettings
from services.ultrasound import reminders
from services.ultrasound.config import set_reminder_settings
from services.ultrasound.models import Appointment
from services.ultrasound.reminders import CONVERSATION_KIND, send_due_reminders
from tests.plugins.db import statements_run
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.ultrasound import make_appointment

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the frozen clock


def _woman(*, mobile: str | None = "+4791234567", email: str | None = None,
           channels: ChannelChoice | None = None):
    person = make_person()
    person.mobile = mobile
    if channels is not None:
        db.session.add(NotificationSettings(person_id=person.id, channels=channels,
                                            email=email))
    return person


def _world(hospital) -> dict[str, list[Appointment]]:
    """Everyone the rules treat differently, by what she is; her due appointments."""
    people = {
        "by sms": _woman(),
        "two scans, a cap of one": _woman(),
        "by e-mail": _woman(mobile=None, email="kari@example.no", channels=ChannelChoice.EMAIL),
        "both": _woman(email="kari@example.no", channels=ChannelChoice.BOTH),
        "no address": _woman(mobile=None),
        "invalid number": _woman(mobile="12345"),
        "waiting already": _woman(),
    }
    db.session.flush()
    hours = iter(range(2, 47, 3))
    world = {name: [make_appointment(person, hospital, NOW + timedelta(hours=next(hours)))]
             for name, person in people.items()}
    world["two scans, a cap of one"].append(make_appointment(
        people["two scans, a cap of one"], hospital, NOW + timedelta(hours=next(hours))))
    waiting = world["waiting already"][0]
    open_conversation(person_id=waiting.person_id, phone="+4791234567", kind=CONVERSATION_KIND,
                      ref=f"appointment:{waiting.id}", expires_at=waiting.start)
    db.session.commit()
    return world


def _outcome(world: dict[str, list[Appointment]]) -> dict:
    """What the reminders left, by who and which of her appointments."""
    found = {}
    for name, appointments in world.items():
        for number, appointment in enumerate(appointments):
            db.session.refresh(appointment)
            notices = db.session.scalars(
                sa.select(Notification).where(Notification.dedupe_key.startswith(
                    f"appointment:{appointment.id}:")).order_by(Notification.channel)).all()
            talks = db.session.scalars(
                sa.select(Conversation).where(Conversation.ref == f"appointment:{appointment.id}")
                .order_by(Conversation.id)).all()
            found[name, number] = {
                "reminded of its start": appointment.reminded_for_start == appointment.start,
                "notices": [(n.channel, n.outcome.value, n.outbox_message_id is not None)
                            for n in notices],
                "conversations": [(c.person_id == appointment.person_id, c.phone,
                                   c.expires_at == appointment.start, c.closed_at is not None)
                                  for c in talks],
            }
    return found


def test_a_batch_leaves_what_one_at_a_time_left(db, frozen_clock, notify_rules, monkeypatch):
    notify_rules(daily_cap=1)
    hospital = make_organisation()
    worlds = {}
    for batch in (1, 500, 2):  # the same world again for each: the earlier are reminded
        monkeypatch.setattr(reminders, "BATCH", batch)
        worlds[batch] = _world(hospital)
        assert send_due_reminders(now=NOW) == 8
    assert send_due_reminders(now=NOW) == 0

    expected = _outcome(worlds[1])
    assert _outcome(worlds[500]) == expected
    assert _outcome(worlds[2]) == expected
    # What one at a time leaves, spelt out: the rules are the notice service's.
    assert all(each["reminded of its start"] for each in expected.values())
    assert expected["by sms", 0]["notices"] == [("sms", "queued", True)]
    assert expected["by sms", 0]["conversations"] == [(True, "+4791234567", True, False)]
    assert expected["two scans, a cap of one", 1]["notices"] == [("sms", "capped", False)]
    assert expected["two scans, a cap of one", 1]["conversations"] == []
    assert expected["by e-mail", 0]["notices"] == [("email", "queued", True)]
    assert expected["by e-mail", 0]["conversations"] == []
    assert expected["both", 0]["notices"] == [("email", "queued", True),
                                              ("sms", "queued", True)]
    assert len(expected["both", 0]["conversations"]) == 1
    assert expected["no address", 0]["conversations"] == []
    assert expected["invalid number", 0]["conversations"] == []
    assert expected["waiting already", 0]["conversations"] == [
        (True, "+4791234567", True, True), (True, "+4791234567", True, False)]


@pytest.mark.parametrize("confirm_by_sms", [True, False])
def test_what_a_batch_runs_does_not_grow_with_it(db, frozen_clock, notify_rules,
                                                 confirm_by_sms):
    """The due appointments, the notices' reads and INSERTs, one UPDATE marking them, and
    (SMS confirmation on) the people and settings for the numbers, one UPDATE closing
    earlier conversations and one INSERT opening theirs: the same for 2 and for 12."""
    set_reminder_settings(sms_confirmation=confirm_by_sms)
    hospital = make_organisation()
    engine = db.session.get_bind()

    def statements(count: int) -> list[str]:
        for hour in range(count):
            make_appointment(_woman(), hospital, NOW + timedelta(hours=hour + 1))
        db.session.commit()
        with statements_run() as seen:
            assert send_due_reminders(now=NOW) == count
        return seen

    few, many = statements(2), statements(12)
    assert len(db.session.scalars(sa.select(Conversation)).all()) == (14 if confirm_by_sms
                                                                      else 0)
    if engine.dialect.name == "postgresql":
        assert many == few
    else:
        # SQLite's driver cannot return a multi-row INSERT's ids in order, so the
        # notices' decisions go in one by one there; everything else is the same.
        assert [s for s in many if not s.startswith("INSERT INTO notifications")] == [
            s for s in few if not s.startswith("INSERT INTO notifications")]
    assert sum(s.startswith("UPDATE ultrasound_appointments") for s in many) == 1
    assert sum(s.startswith("UPDATE sms_conversations") for s in many) == int(confirm_by_sms)
    assert sum(s.startswith("INSERT INTO sms_conversations") for s in many) == int(
        confirm_by_sms)


def test_krr_down_when_the_numbers_are_looked_up_leaves_the_reminders_without_conversations(
        db, frozen_clock, notify_rules, monkeypatch):
    hospital = make_organisation()
    booked = [make_appointment(_woman(), hospital, NOW + timedelta(hours=h)) for h in (3, 4)]
    db.session.commit()

    def krr_down(*_args, **_kwargs):
        raise KrrUnavailable("KRR answered 503")

    monkeypatch.setattr(reminders, "resolve_many", krr_down)
    assert send_due_reminders(now=NOW) == 2
    assert db.session.scalars(sa.select(Conversation)).all() == []
    for appointment in booked:
        db.session.refresh(appointment)
        assert appointment.reminded_for_start == appointment.start
    assert [n.outcome.value for n in db.session.scalars(sa.select(Notification))] == [
        "queued", "queued"]
