"""Appointment changes leave for helsenorge as Avtale messages with an iCalendar payload,
through the helsenorge gateway (its HTTP queue stand-in here); the outbox row holds no
identity number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import sqlalchemy as sa
from defusedxml import ElementTree as ET

from services.actors import Actor
from services.db import db
from services.helsenorge.envelope import Envelope
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.tasks import deliver
from services.people.identity import FNR_SYSTEM
from services.people.service import national_id_of
from services.ultrasound import changes
from services.ultrasound.models import AppointmentStatus
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.ultrasound import make_appointment
from tests.services.test_helsenorge import queue_server  # noqa: F401  (a fixture)

NS = {"a": "urn:minhelse:helsenorge:avtale:1"}
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def booked(db, frozen_clock):
    hospital = make_organisation()
    woman = make_person()
    appointment = make_appointment(woman, hospital, NOW + timedelta(days=10))
    return woman, appointment


def messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.channel == "helsenorge-appointment").order_by(OutboxMessage.id)))


def test_a_change_goes_out_as_an_avtale_with_the_calendar_entry(booked, queue_server):  # noqa: F811
    woman, appointment = booked
    changes.announce(appointment=appointment, before=None, actor=Actor.operator("test"),
                     by_hospital=False)
    db.session.commit()
    [message] = messages()
    assert national_id_of(woman) not in json.dumps(message.payload)
    assert deliver.run(message.id) == "sent"
    assert db.session.get(OutboxMessage, message.id).status is OutboxStatus.SENT

    [raw] = queue_server.queues["helsenorge-in"]
    envelope = Envelope.from_xml(raw)
    assert envelope.message_function == "DIALOG_INNBYGGER_TIMERESERVASJON"
    assert envelope.content_type == "application/xml"
    assert envelope.correlation_id == f"ultrasound-appointment-{appointment.id}-v1"
    avtale = ET.fromstring(envelope.payload)
    assert avtale.findtext("a:Endring", namespaces=NS) == "new"
    patient = avtale.find("a:Pasient/a:Id", NS)
    assert (patient.get("system"), patient.text) == (FNR_SYSTEM, national_id_of(woman))
    assert avtale.findtext("a:AvtaleId", namespaces=NS) == appointment.identifier_value
    calendar = icalendar.Calendar.from_ical(avtale.findtext("a:iCalendar", namespaces=NS))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == appointment.start
    assert event["STATUS"] == "CONFIRMED"


def test_a_cancellation_is_a_cancelled_entry_and_each_version_goes_once(booked, queue_server):  # noqa: F811
    _woman, appointment = booked
    before = changes.snapshot(appointment)
    appointment.status = AppointmentStatus.CANCELLED
    db.session.flush()
    actor = Actor.operator("test")
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=False)
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=False)
    db.session.commit()
    [message] = messages()
    deliver.run(message.id)
    avtale = ET.fromstring(Envelope.from_xml(queue_server.queues["helsenorge-in"][0]).payload)
    assert avtale.findtext("a:Endring", namespaces=NS) == "cancelled"
    [event] = icalendar.Calendar.from_ical(
        avtale.findtext("a:iCalendar", namespaces=NS)).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"


def test_the_citizens_own_change_tells_helsenorge_but_not_her(booked, notify_rules):
    woman, appointment = booked
    before = changes.snapshot(appointment)
    appointment.start += timedelta(hours=1)
    appointment.end += timedelta(hours=1)
    db.session.flush()
    change = changes.announce(appointment=appointment, before=before,
                              actor=Actor.person(woman.id), by_hospital=False)
    assert change is changes.Change.CHANGED
    assert len(messages()) == 1
    from services.notify.models import Notification

    assert db.session.scalars(sa.select(Notification)).all() == []


@pytest.mark.parametrize(("before", "after", "expected"), [
    (None, "booked", "new"),
    (None, "cancelled", None),
    ("cancelled", "booked", "new"),
    ("booked", "cancelled", "cancelled"),
    ("booked", "entered-in-error", "withdrawn"),
    ("booked", "fulfilled", None),
    ("booked", "noshow", None),
    ("cancelled", "cancelled", None),
    ("fulfilled", "cancelled", None),
])
def test_what_a_status_change_means(before, after, expected):
    start = NOW + timedelta(days=1)
    snapshot = changes.Snapshot(status=AppointmentStatus(after), start=start,
                                end=start + timedelta(minutes=30), place=("x",))
    earlier = (None if before is None else changes.Snapshot(
        status=AppointmentStatus(before), start=start, end=start + timedelta(minutes=30),
        place=("x",)))
    found = changes.what_changed(earlier, snapshot)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize("field", ["start", "end", "place"])
def test_a_booked_appointment_changes_by_time_or_place(field):
    start = NOW + timedelta(days=1)
    values = {"status": AppointmentStatus.BOOKED, "start": start,
              "end": start + timedelta(minutes=30), "place": ("Lab", "Gate 1", "7030", "By")}
    before = changes.Snapshot(**values)
    moved = {"start": start + timedelta(minutes=5), "end": start + timedelta(minutes=35),
             "place": ("Lab", "Gate 2", "7030", "By")}[field]
    assert changes.what_changed(before, changes.Snapshot(**{**values, field: moved})) is (
        changes.Change.CHANGED)
    assert changes.what_changed(before, changes.Snapshot(**values)) is None


def test_her_own_cancellation_through_self_service_reaches_helsenorge(booked, notify_rules):
    from services.ultrasound import selfservice

    woman, appointment = booked
    selfservice.cancel(appointment_id=appointment.id, person_id=woman.id, reason="Syk",
                       actor=Actor.person(woman.id))
    [message] = messages()
    assert message.payload["change"] == "cancelled"
