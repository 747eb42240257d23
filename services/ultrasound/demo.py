"""Demo data for the ultrasound service: the demo pregnant woman (Ingrid Berg, week 12) has
a due date, an early scan in three days that waits for her consent, a routine scan in St.
Olavs' week 18–19, and the clinic offers free times inside and outside her windows, so
``make run`` shows the whole service. Times are set from the day it is seeded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from services.clock import NORWAY, today_in_norway, utcnow
from services.db import db
from services.demo import demo_seeder
from services.people.models import Organisation, Person
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

TRUST_NUMBER = "883974832"
DEMO_SYSTEM = "urn:minhelse:demo:appointments"
#: How far along she is on the day the demo is seeded.
WEEKS_ALONG = 12
PLACE = {"location_name": "Kvinne-barn-senteret, ultralyd",
         "location_address_line": "Prinsesse Kristinas gate 6",
         "location_postal_code": "7030", "location_city": "Trondheim"}
#: Her scans: (identifier, service, weeks+days along, hour, minute in Oslo).
SCANS = [("demo-early", Service.EARLY, (12, 3), 9, 30),
         ("demo-routine", Service.ROUTINE, (18, 2), 13, 0)]
#: Free times: (service, weeks+days along, hour, minute). Inside her windows (early
#: 11+0–13+6, routine at St. Olavs 18+0–19+6) and, to show the rule, outside them.
FREE = [(Service.EARLY, (12, 5), 8, 0), (Service.EARLY, (13, 1), 10, 30),
        (Service.EARLY, (14, 2), 9, 0),
        (Service.ROUTINE, (18, 4), 8, 30), (Service.ROUTINE, (19, 0), 14, 0),
        (Service.ROUTINE, (20, 1), 11, 0)]
MINUTES = 30


@demo_seeder("ultrasound")
def seed_ultrasound() -> dict[str, int]:
    created = {"due dates": 0, "ultrasound schedules": 0, "ultrasound slots": 0,
               "ultrasound appointments": 0}
    woman = db.session.scalar(sa.select(Person).where(Person.given_name == "Ingrid",
                                                      Person.family_name == "Berg"))
    trust = db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == TRUST_NUMBER))
    if woman is None or trust is None:
        return created
    known = db.session.scalar(sa.select(DueDate).where(
        DueDate.identifier_system == DEMO_SYSTEM, DueDate.identifier_value == "demo-due-date"))
    if known is not None:
        return created
    due = today_in_norway() + timedelta(days=280 - WEEKS_ALONG * 7)
    db.session.add(DueDate(person_id=woman.id, due_date=due, effective_at=utcnow(),
                           identifier_system=DEMO_SYSTEM, identifier_value="demo-due-date",
                           organisation_id=trust.id, status=DueDateStatus.FINAL))
    created["due dates"] += 1
    schedules = {}
    for service in Service:
        schedules[service] = Schedule(identifier=f"demo-{service.value}", service=service,
                                      organisation_id=trust.id, active=True, **PLACE)
        db.session.add(schedules[service])
        created["ultrasound schedules"] += 1
    db.session.flush()
    for identifier, service, along, hour, minute in SCANS:
        start = _at(due, along, hour, minute)
        slot = Slot(identifier=f"{identifier}-slot", schedule_id=schedules[service].id,
                    start=start, end=start + timedelta(minutes=MINUTES), status=SlotStatus.BUSY)
        appointment = Appointment(identifier_system=DEMO_SYSTEM, identifier_value=identifier,
                                  person_id=woman.id, organisation_id=trust.id,
                                  service=service, start=slot.start, end=slot.end,
                                  status=AppointmentStatus.BOOKED,
                                  interpreter_language=woman.interpreter_language, **PLACE)
        db.session.add_all([slot, appointment])
        db.session.flush()
        slot.appointment_id, appointment.slot_id = appointment.id, slot.id
        created["ultrasound slots"] += 1
        created["ultrasound appointments"] += 1
    for index, (service, along, hour, minute) in enumerate(FREE):
        start = _at(due, along, hour, minute)
        db.session.add(Slot(identifier=f"demo-free-{index}", schedule_id=schedules[service].id,
                            start=start, end=start + timedelta(minutes=MINUTES),
                            status=SlotStatus.FREE))
        created["ultrasound slots"] += 1
    db.session.flush()
    return created


def _at(due: date, along: tuple[int, int], hour: int, minute: int) -> datetime:
    """The moment she is ``along`` (weeks, days), at that Oslo wall-clock time, in UTC."""
    day = due - timedelta(days=280 - (along[0] * 7 + along[1]))
    return datetime.combine(day, time(hour, minute), NORWAY).astimezone(UTC)
