"""Ultrasound test data (a hospital, its schedules, slots, appointments and due dates), and
the service's settings put back after every test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.db import db


@pytest.fixture(autouse=True)
def _ultrasound_settings_restored():
    from services.ultrasound import config

    saved = config._rules, config.reminder_settings()
    yield
    config._rules, config._reminders = saved


def oslo(*args) -> datetime:
    """A wall-clock time in Norway (as the hospital books it)."""
    from services.clock import NORWAY

    return datetime(*args, tzinfo=NORWAY)


def make_schedule(organisation, *, service="routine", identifier: str | None = None,
                  name: str = "Ultralydlaboratoriet", active: bool = True):
    from services.ultrasound.models import Schedule, Service

    schedule = Schedule(identifier=identifier or f"schedule-{_next()}",
                        organisation_id=organisation.id, service=Service(service),
                        location_name=name, location_address_line="Prinsesse Kristinas gate 6",
                        location_postal_code="7030", location_city="Trondheim", active=active)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def make_slot(schedule, start: datetime, *, minutes: int = 30, status="free",
              identifier: str | None = None):
    from services.ultrasound.models import Slot, SlotStatus

    end = start + timedelta(minutes=minutes)
    slot = Slot(identifier=identifier or f"slot-{_next()}", schedule_id=schedule.id,
                start=start.astimezone(UTC), end=end.astimezone(UTC), status=SlotStatus(status))
    db.session.add(slot)
    db.session.commit()
    return slot


def make_appointment(person, organisation, start: datetime, *, service="routine",
                     minutes: int = 30, status="booked", identifier: str | None = None,
                     slot=None):
    from services.ultrasound.models import Appointment, AppointmentStatus, Service, SlotStatus

    appointment = Appointment(
        identifier_system="urn:test:appointments", identifier_value=identifier or f"A-{_next()}",
        person_id=person.id, organisation_id=organisation.id, service=Service(service),
        start=start.astimezone(UTC), end=(start + timedelta(minutes=minutes)).astimezone(UTC),
        status=AppointmentStatus(status), location_name="Ultralydlaboratoriet",
        location_address_line="Prinsesse Kristinas gate 6", location_postal_code="7030",
        location_city="Trondheim", interpreter_language=person.interpreter_language)
    db.session.add(appointment)
    db.session.flush()
    if slot is not None:
        slot.appointment_id, slot.status = appointment.id, SlotStatus.BUSY
        appointment.slot_id = slot.id
    db.session.commit()
    return appointment


def make_due_date(person, due: date, *, effective_at: datetime | None = None,
                  status="final"):
    from services.ultrasound.models import DueDate, DueDateStatus

    row = DueDate(person_id=person.id, due_date=due, status=DueDateStatus(status),
                  effective_at=effective_at or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    db.session.add(row)
    db.session.commit()
    return row


_counter = iter(range(1, 10**9))


def _next() -> int:
    return next(_counter)
