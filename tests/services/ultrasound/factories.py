"""Test data for the ultrasound domain: due dates, schedules, slots and appointments, and a
clock that puts the woman at a known point of her pregnancy."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from services.clock import NORWAY
from services.db import db
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    DueDate,
    DueDateStatus,
    Schedule,
    Service,
    Slot,
    SlotStatus,
)

#: The test clock's T0 (tests/plugins/clock.py): Monday 2 March 2026, 09:00 in Oslo.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
#: Her due date: on T0 she is 10+0, so the early window (11+0–13+6) is 9–29 March 2026
#: and St. Olavs' routine window (18+0–19+6) 27 April – 10 May 2026.
DUE = date(2026, 9, 28)
ADDRESS = {"location_name": "Kvinne-barn-senteret, ultralyd",
           "location_address_line": "Prinsesse Kristinas gate 6",
           "location_postal_code": "7030", "location_city": "Trondheim"}
_numbers = itertools.count(1)


def week(weeks: int, days: int = 0, *, hour: int = 10, minute: int = 0) -> datetime:
    """The instant she is weeks+days along, at ``hour`` Oslo time, as UTC."""
    day = DUE - timedelta(days=280 - (weeks * 7 + days))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NORWAY).astimezone(UTC)


def set_due_date(person, due_date: date = DUE, *, effective_at: datetime | None = None,
                 status: DueDateStatus = DueDateStatus.FINAL) -> DueDate:
    row = DueDate(person_id=person.id, due_date=due_date,
                  effective_at=effective_at or T0 - timedelta(days=7), status=status)
    db.session.add(row)
    db.session.commit()
    return row


def make_schedule(organisation, service: Service = Service.EARLY, *, active: bool = True,
                  identifier: str | None = None, **location) -> Schedule:
    schedule = Schedule(identifier=identifier or f"schedule-{next(_numbers)}",
                        organisation_id=organisation.id, service=service, active=active,
                        **(ADDRESS | location))
    db.session.add(schedule)
    db.session.commit()
    return schedule


def make_slot(schedule: Schedule, start: datetime, *, minutes: int = 30,
              status: SlotStatus = SlotStatus.FREE, identifier: str | None = None) -> Slot:
    slot = Slot(identifier=identifier or f"slot-{next(_numbers)}", schedule_id=schedule.id,
                start=start,
                end=start + timedelta(minutes=minutes), status=status)
    db.session.add(slot)
    db.session.commit()
    return slot


def make_appointment(person, organisation, service: Service = Service.EARLY, *,
                     start: datetime | None = None, minutes: int = 30,
                     status: AppointmentStatus = AppointmentStatus.BOOKED,
                     slot: Slot | None = None, identifier: str | None = None,
                     identifier_system: str = "urn:oid:2.16.578.1.12.4.1.test",
                     **location) -> Appointment:
    start = start or week(12)
    appointment = Appointment(
        identifier_system=identifier_system,
        identifier_value=identifier or f"A-{next(_numbers)}", person_id=person.id,
        organisation_id=organisation.id, service=service, start=start,
        end=start + timedelta(minutes=minutes), status=status,
        interpreter_language=person.interpreter_language, **(ADDRESS | location))
    db.session.add(appointment)
    db.session.flush()
    if slot is not None:
        slot.appointment_id, slot.status = appointment.id, SlotStatus.BUSY
        appointment.slot_id = slot.id
    db.session.commit()
    return appointment
