"""Reminders before a scan (default 48 h, configurable), once per start time, and her SMS
answer: "JA" confirms, "RING" asks the clinic to call; everything at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.jobs.service import run_due
from services.notify.inbound import NEUTRAL_REPLY, handle_inbound
from services.notify.models import Conversation, Notification, NotificationSettings
from services.outbox.models import OutboxMessage
from services.ultrasound.config import set_reminder_settings
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    ChangeReason,
    ChangeRequest,
)
from services.ultrasound.reminders import normalised_answer, send_due_reminders
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.ultrasound import make_appointment, oslo

PHONE = "+4791234567"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the frozen clock


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def woman(db):
    person = make_person()
    person.mobile = PHONE
    db.session.commit()
    return person


def reminders_of(person) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.person_id == person.id,
               Notification.event == "ultrasound.appointment-reminder")
        .order_by(Notification.id)))


def sms_bodies(person) -> list[str]:
    return [db.session.get(OutboxMessage, n.outbox_message_id).payload["body"]
            for n in reminders_of(person) if n.outbox_message_id]


def conversations() -> list[Conversation]:
    return list(db.session.scalars(sa.select(Conversation).order_by(Conversation.id)))


def test_the_reminder_goes_48_hours_before_and_not_a_minute_earlier(frozen_clock, hospital,
                                                                    woman, notify_rules):
    due = make_appointment(woman, hospital, NOW + timedelta(hours=48))
    early = make_appointment(woman, hospital, NOW + timedelta(hours=48, minutes=1))
    assert send_due_reminders(now=NOW) == 1
    [notice] = reminders_of(woman)
    assert notice.dedupe_key == f"appointment:{due.id}:reminder-48h:20260304T0800Z:sms"
    frozen_clock.shift(timedelta(minutes=1))
    assert send_due_reminders(now=NOW + timedelta(minutes=1)) == 1
    assert len(reminders_of(woman)) == 2
    assert early.reminded_for_start == early.start


def test_each_start_is_reminded_of_once_and_a_moved_one_again(frozen_clock, hospital, woman,
                                                              notify_rules):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=30))
    version = appointment.version_id
    assert send_due_reminders(now=NOW) == 1
    assert send_due_reminders(now=NOW) == 0
    db.session.refresh(appointment)
    assert appointment.version_id == version  # a reminder is no change to the appointment
    appointment.start += timedelta(hours=2)
    appointment.end += timedelta(hours=2)
    db.session.commit()
    assert send_due_reminders(now=NOW) == 1
    assert len(reminders_of(woman)) == 2


def test_past_cancelled_and_far_appointments_are_not_reminded_of(frozen_clock, hospital, woman,
                                                                 notify_rules):
    make_appointment(woman, hospital, NOW)  # starts now: too late
    make_appointment(woman, hospital, NOW - timedelta(hours=1))
    make_appointment(woman, hospital, NOW + timedelta(hours=5), status="cancelled")
    make_appointment(woman, hospital, NOW + timedelta(hours=5), status="entered-in-error")
    make_appointment(woman, hospital, NOW + timedelta(days=3))
    assert send_due_reminders(now=NOW) == 0
    assert reminders_of(woman) == []


def test_the_reminder_time_is_configurable(frozen_clock, hospital, woman, notify_rules):
    set_reminder_settings(reminder_hours=24)
    make_appointment(woman, hospital, NOW + timedelta(hours=30))
    assert send_due_reminders(now=NOW) == 0
    make_appointment(woman, hospital, NOW + timedelta(hours=24))
    assert send_due_reminders(now=NOW) == 1
    assert reminders_of(woman)[0].dedupe_key.split(":")[2] == "reminder-24h"
    with pytest.raises(ValueError):
        set_reminder_settings(reminder_hours=0)


def test_the_environment_reaches_the_service(monkeypatch):
    from citizen.config import Settings, flask_config
    from services.ultrasound.config import configure_ultrasound, reminder_settings

    monkeypatch.setenv("ULTRASOUND_REMINDER_HOURS", "72")
    monkeypatch.setenv("ULTRASOUND_SMS_CONFIRMATION", "false")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://minhelse.example:8443/")
    configure_ultrasound(flask_config(Settings())["ULTRASOUND"])
    assert reminder_settings().reminder_hours == 72
    assert reminder_settings().sms_confirmation is False
    assert reminder_settings().calendar_host == "minhelse.example"


def test_the_sms_says_when_in_oslo_time_across_the_clock_changes(frozen_clock, hospital, woman,
                                                                notify_rules):
    # Booked for 08:30 on the Monday after each change; reminded two days before.
    for start in (oslo(2026, 10, 26, 8, 30), oslo(2026, 3, 30, 8, 30)):
        make_appointment(woman, hospital, start)
        now = start.astimezone(UTC) - timedelta(hours=47)
        send_due_reminders(now=now)
    bodies = sms_bodies(woman)
    assert "26.10.2026 kl. 08:30" in bodies[0] and "30.03.2026 kl. 08:30" in bodies[1]
    assert bodies[0] == ("Påminnelse: Du har en time hos St. Olavs hospital 26.10.2026 kl. "
                         "08:30. Svar JA for å bekrefte, eller RING hvis du vil at vi ringer "
                         "deg. Logg inn på helsenorge.no for å se den.")


def test_the_due_job_runs_the_reminders(frozen_clock, hospital, woman, notify_rules):
    make_appointment(woman, hospital, NOW + timedelta(hours=3))
    [outcome] = run_due(now=NOW, only="ultrasound.reminders")
    assert outcome.ok and outcome.handled == 1
    assert len(reminders_of(woman)) == 1


def test_a_conversation_waits_for_her_answer_until_the_appointment(frozen_clock, hospital,
                                                                   woman, notify_rules):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    [conversation] = conversations()
    assert (conversation.phone, conversation.kind) == (PHONE, "ultrasound.confirm")
    assert conversation.ref == f"appointment:{appointment.id}"
    assert conversation.expires_at == appointment.start


@pytest.mark.parametrize("answer", ["JA", "ja", " Ja. ", "JA!", "ja\n"])
def test_ja_confirms(frozen_clock, hospital, woman, notify_rules, answer):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert handle_inbound(from_=PHONE, body=answer) == "Takk, timen er bekreftet."
    db.session.refresh(appointment)
    assert appointment.confirmed_at == NOW
    assert conversations()[0].closed_at is not None
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY  # nothing waits any more
    audited = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "Appointment", AuditEvent.reason == "confirmed by SMS"))
    assert audited.subject_person_id == woman.id and audited.on_behalf_of_person_id == woman.id


@pytest.mark.parametrize("answer", ["RING", "ring meg", "Ring meg opp.", "call me"])
def test_ring_asks_the_clinic_to_call(frozen_clock, hospital, woman, notify_rules, answer):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert handle_inbound(from_=PHONE, body=answer) == (
        "Takk, vi ringer deg for å finne en ny tid.")
    [request] = db.session.scalars(sa.select(ChangeRequest)).all()
    assert (request.appointment_id, request.person_id) == (appointment.id, woman.id)
    assert request.reason is ChangeReason.SMS_CALL_ME and request.wants_call is True
    db.session.refresh(appointment)
    assert appointment.confirmed_at is None


@pytest.mark.parametrize("answer", ["JA TAKK", "JAA", "NEI", "J A", "", "JA JA"])
def test_anything_else_gets_the_choices_again_and_keeps_waiting(frozen_clock, hospital, woman,
                                                                notify_rules, answer):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert handle_inbound(from_=PHONE, body=answer) == (
        "Svar JA for å bekrefte timen, eller RING hvis du vil at vi ringer deg.")
    assert conversations()[0].closed_at is None
    assert handle_inbound(from_=PHONE, body="JA") == "Takk, timen er bekreftet."
    db.session.refresh(appointment)
    assert appointment.confirmed_at is not None


def test_the_answer_is_in_her_language(frozen_clock, hospital, woman, notify_rules):
    woman.language = "nn"
    db.session.commit()
    make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert "Svar JA for å stadfeste" in sms_bodies(woman)[0]
    assert handle_inbound(from_=PHONE, body="ja") == "Takk, timen er stadfesta."


def test_after_the_start_or_from_another_number_nothing_is_confirmed(frozen_clock, hospital,
                                                                     woman, notify_rules):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert handle_inbound(from_="+4799999999", body="JA") == NEUTRAL_REPLY
    assert handle_inbound(from_=PHONE, body="JA", now=appointment.start) == NEUTRAL_REPLY
    db.session.refresh(appointment)
    assert appointment.confirmed_at is None


def test_a_cancelled_appointment_cannot_be_confirmed(frozen_clock, hospital, woman,
                                                     notify_rules):
    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    appointment.status = AppointmentStatus.CANCELLED
    db.session.commit()
    assert handle_inbound(from_=PHONE, body="JA").startswith(
        "Denne timen kan ikke bekreftes lenger.")
    assert conversations()[0].closed_at is not None
    assert db.session.get(Appointment, appointment.id).confirmed_at is None


def test_without_sms_confirmation_or_by_e_mail_no_conversation(frozen_clock, hospital, woman,
                                                               notify_rules):
    set_reminder_settings(sms_confirmation=False)
    make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert "Svar JA" not in sms_bodies(woman)[0]
    assert conversations() == []

    set_reminder_settings(sms_confirmation=True)
    other = make_person()
    other.email = "kari@example.no"
    db.session.add(NotificationSettings(person_id=other.id, channels="email"))
    db.session.commit()
    make_appointment(other, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    assert [n.channel for n in reminders_of(other)] == ["email"]
    assert conversations() == []


def test_a_reminder_in_the_quiet_hours_waits_and_the_conversation_still_opens(
        frozen_clock, hospital, woman, notify_rules):
    notify_rules(quiet_hours="21:00-08:00")
    late = oslo(2026, 3, 4, 22, 30).astimezone(UTC)
    make_appointment(woman, hospital, late)
    frozen_clock.move_to(late - timedelta(hours=48))
    send_due_reminders(now=late - timedelta(hours=48))
    [notice] = reminders_of(woman)
    assert notice.outcome.value == "deferred"
    assert len(conversations()) == 1


def test_answers_are_read_forgivingly():
    assert normalised_answer("  ja. ") == "JA"
    assert normalised_answer("Ring  meg!") == "RING MEG"
    assert normalised_answer("JA TAKK") == "JA TAKK"


def test_a_moved_appointment_closes_the_wait_for_ja_and_needs_confirming_again(
        frozen_clock, hospital, woman, notify_rules):
    from services.actors import Actor
    from services.ultrasound import changes

    appointment = make_appointment(woman, hospital, NOW + timedelta(hours=40))
    send_due_reminders(now=NOW)
    before = changes.snapshot(appointment)
    appointment.start += timedelta(days=1)
    appointment.end += timedelta(days=1)
    db.session.flush()
    changes.announce(appointment=appointment, before=before, actor=Actor.operator("test"),
                     by_hospital=True)
    assert conversations()[0].closed_at is not None
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY
