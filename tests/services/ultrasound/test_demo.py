"""The demo pregnant woman's ultrasound service, as ``make run`` shows it."""

from __future__ import annotations

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY, today_in_norway
from services.demo import seed_demo_data
from services.people.models import Person
from services.ultrasound import selfservice
from services.ultrasound.config import rules
from services.ultrasound.gestation import bookable, gestational_age
from services.ultrasound.models import (
    Appointment,
    Service,
    Slot,
    SlotStatus,
)


def test_she_has_a_due_date_two_scans_and_free_times_in_and_out_of_her_windows(
        db, frozen_clock, notify_rules):
    created = seed_demo_data()
    db.session.commit()
    assert created["due dates"] == 1 and created["ultrasound appointments"] == 2
    woman = db.session.scalar(sa.select(Person).where(Person.given_name == "Ingrid"))
    due = selfservice.current_due_date(person_id=woman.id)
    assert str(gestational_age(due_date=due, on=today_in_norway())) == "12+0"

    appointments = {a.service: a for a in db.session.scalars(
        sa.select(Appointment).where(Appointment.person_id == woman.id))}
    windows = rules().windows
    for service, appointment in appointments.items():
        assert bookable(rules=windows, service=service.value, due_date=due,
                        day=appointment.start.astimezone(NORWAY).date(),
                        organisation_numbers=["883974832"])
        assert db.session.get(Slot, appointment.slot_id).appointment_id == appointment.id
    scans = selfservice.scans_of(person_id=woman.id, actor=Actor.person(woman.id))
    assert {s.appointment.service for s in scans} == {Service.EARLY, Service.ROUTINE}
    from services.ultrasound import consent

    assert consent.in_force(person_id=woman.id) is None  # the early scan waits for her

    free = db.session.scalars(sa.select(Slot).where(Slot.status == SlotStatus.FREE)).all()
    fits = {(slot.schedule.service, bookable(
        rules=windows, service=slot.schedule.service.value, due_date=due,
        day=slot.start.astimezone(NORWAY).date(), organisation_numbers=["883974832"]))
        for slot in free}
    assert fits == {(Service.EARLY, True), (Service.EARLY, False), (Service.ROUTINE, True),
                    (Service.ROUTINE, False)}

    again = seed_demo_data()
    db.session.commit()
    assert again["due dates"] == 0 and again["ultrasound slots"] == 0
