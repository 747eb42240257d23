"""The clinic's work on its own organisation's scans only, every view and action audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.outbox.models import OutboxMessage
from services.people.models import Role
from services.people.service import add_organisation
from services.ultrasound import clinic
from services.ultrasound.models import (
    AppointmentStatus,
    CancelledBy,
    ChangeReason,
    ChangeRequest,
    ChangeRequestStatus,
    ConsentDecision,
    EarlyScanConsent,
    SlotStatus,
)
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.plugins.ultrasound import make_appointment, make_schedule, make_slot

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(db, frozen_clock):
    trust = make_organisation()
    unit = add_organisation(name="Kvinneklinikken", org_number="910000012", parent=trust)
    other = make_organisation(name="Helse Nord", org_number="974749025")
    db.session.commit()
    here = make_staff(trust, Role.ULTRASOUND_CLINIC)
    there = make_staff(other, Role.ULTRASOUND_CLINIC)
    woman, other_woman = make_person(), make_person()
    woman.mobile = "+4791234567"
    ours = make_appointment(woman, unit, NOW + timedelta(days=10), service="early")
    theirs = make_appointment(other_woman, other, NOW + timedelta(days=10), service="early")
    return {"trust": trust, "unit": unit, "other": other, "woman": woman,
            "ours": ours, "theirs": theirs,
            "here": Actor.staff(here.id, organisation_id=trust.id),
            "at_unit": Actor.staff(here.id, organisation_id=unit.id),
            "there": Actor.staff(there.id, organisation_id=other.id)}


def request_for(appointment, **fields) -> ChangeRequest:
    request = ChangeRequest(appointment_id=appointment.id, person_id=appointment.person_id,
                            reason=fields.pop("reason", ChangeReason.TRAVEL), **fields)
    db.session.add(request)
    db.session.commit()
    return request


def audited(resource_type: str, action: str = "read") -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == resource_type, AuditEvent.action == action)))


def test_change_requests_of_the_organisation_and_its_units_only(world):
    ours = request_for(world["ours"], wants_call=True)
    request_for(world["theirs"])
    rows = clinic.open_change_requests(actor=world["here"])
    assert [r.request.id for r in rows] == [ours.id]
    assert rows[0].phone == "+4791234567" and rows[0].person.id == world["woman"].id
    assert [a.subject_person_id for a in audited("ChangeRequest")] == [world["woman"].id]
    assert [r.request.id for r in clinic.open_change_requests(actor=world["at_unit"])] == [
        ours.id]
    assert [r.request.person_id for r in clinic.open_change_requests(actor=world["there"])
            ] == [world["theirs"].person_id]


def test_handling_a_request_once_and_never_another_hospitals(world):
    ours, theirs = request_for(world["ours"]), request_for(world["theirs"])
    with pytest.raises(clinic.NotFound):
        clinic.handle_change_request(request_id=theirs.id, actor=world["here"])
    with pytest.raises(clinic.NotFound):
        clinic.handle_change_request(request_id=999999, actor=world["here"])
    handled = clinic.handle_change_request(request_id=ours.id, actor=world["here"])
    assert handled.status is ChangeRequestStatus.HANDLED and handled.handled_at == NOW
    assert handled.handled_by == f"staff:{world['here'].id}"
    clinic.handle_change_request(request_id=ours.id, actor=world["here"])
    assert len(audited("ChangeRequest", "update")) == 1
    assert clinic.open_change_requests(actor=world["here"]) == []
    assert db.session.get(ChangeRequest, theirs.id).status is ChangeRequestStatus.OPEN


def test_only_staff_in_an_organisation_do_clinic_work(world):
    for actor in (Actor.person(world["woman"].id), Actor.system("x"),
                  Actor.staff(1, organisation_id=None)):
        with pytest.raises(PermissionError):
            clinic.open_change_requests(actor=actor)


def test_cancellations_still_to_come_most_recent_first(world):
    woman, unit = world["woman"], world["unit"]
    first = make_appointment(woman, unit, NOW + timedelta(days=3), status="cancelled")
    first.cancelled_at = NOW - timedelta(hours=5)
    second = make_appointment(woman, unit, NOW + timedelta(days=4), status="cancelled")
    second.cancelled_at = NOW - timedelta(hours=1)
    make_appointment(woman, unit, NOW - timedelta(days=1), status="cancelled")  # past
    make_appointment(woman, unit, NOW + timedelta(days=121), status="cancelled")  # too far
    make_appointment(make_person(), world["other"], NOW + timedelta(days=3),
                     status="cancelled")
    db.session.commit()
    assert [a.id for a in clinic.cancellations(actor=world["here"])] == [second.id, first.id]
    assert len(audited("Appointment")) == 2


def test_the_clinic_cancels_a_coming_scan_she_is_told_and_the_slot_is_free(world,
                                                                           notify_rules):
    schedule = make_schedule(world["unit"], service="early")
    slot = make_slot(schedule, NOW + timedelta(days=12))
    appointment = make_appointment(world["woman"], world["unit"], slot.start, service="early",
                                   slot=slot)
    with pytest.raises(clinic.NotFound):
        clinic.cancel_appointment(appointment_id=appointment.id, reason="Syk",
                                  actor=world["there"])
    for reason, code in (("   ", "reason_required"), ("x" * 201, "reason_too_long")):
        with pytest.raises(clinic.ClinicError, match=code):
            clinic.cancel_appointment(appointment_id=appointment.id, reason=reason,
                                      actor=world["here"])
    clinic.cancel_appointment(appointment_id=appointment.id, reason="  Legen  er syk ",
                              actor=world["here"])
    assert appointment.status is AppointmentStatus.CANCELLED
    assert (appointment.cancelled_by, appointment.cancel_reason) == (CancelledBy.HOSPITAL,
                                                                     "Legen er syk")
    db.session.refresh(slot)
    assert (slot.status, slot.appointment_id) == (SlotStatus.FREE, None)
    assert [n.event for n in db.session.scalars(sa.select(Notification))] == [
        "ultrasound.appointment-cancelled"]
    assert db.session.scalar(sa.select(OutboxMessage.payload).where(
        OutboxMessage.channel == "helsenorge-appointment"))["change"] == "cancelled"
    with pytest.raises(clinic.ClinicError, match="already_cancelled"):
        clinic.cancel_appointment(appointment_id=appointment.id, reason="Igjen",
                                  actor=world["here"])
    past = make_appointment(world["woman"], world["unit"], NOW - timedelta(hours=1))
    with pytest.raises(clinic.ClinicError, match="not_changeable"):
        clinic.cancel_appointment(appointment_id=past.id, reason="For sent", actor=world["here"])


def test_consents_for_coming_early_scans(world):
    woman = world["woman"]
    make_appointment(woman, world["unit"], NOW + timedelta(days=30), service="routine")
    assert [(r.person.id, r.decision) for r in clinic.early_scan_consents(
        actor=world["here"])] == [(woman.id, None)]
    db.session.add(EarlyScanConsent(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                                    actor=f"person:{woman.id}", information_version="1"))
    db.session.commit()
    [row] = clinic.early_scan_consents(actor=world["here"])
    assert row.decision.decision is ConsentDecision.CONSENTED
    assert [r.person.id for r in clinic.early_scan_consents(actor=world["there"])] == [
        world["theirs"].person_id]
    assert len(audited("EarlyScanConsent")) == 3


def test_adding_slots_at_their_boundaries(world):
    schedule = make_schedule(world["unit"])
    start = NOW + timedelta(days=5)
    five = clinic.add_slot(schedule_id=schedule.id, start=start, minutes=5,
                           actor=world["here"])
    assert (five.status, five.end) == (SlotStatus.FREE, start + timedelta(minutes=5))
    # Right after it is no overlap; inside it is.
    clinic.add_slot(schedule_id=schedule.id, start=five.end, minutes=240, actor=world["here"])
    for begin, minutes, code in ((start + timedelta(minutes=4), 30, "overlaps"),
                                 (start - timedelta(minutes=29), 30, "overlaps"),
                                 (start + timedelta(days=1), 4, "bad_length"),
                                 (start + timedelta(days=1), 241, "bad_length"),
                                 (NOW, 30, "in_the_past")):
        with pytest.raises(clinic.ClinicError, match=code):
            clinic.add_slot(schedule_id=schedule.id, start=begin, minutes=minutes,
                            actor=world["here"])
    clinic.add_slot(schedule_id=schedule.id, start=start - timedelta(minutes=30), minutes=30,
                    actor=world["here"])
    with pytest.raises(clinic.NotFound):
        clinic.add_slot(schedule_id=schedule.id, start=start + timedelta(days=2), minutes=30,
                        actor=world["there"])
    schedule.active = False
    db.session.commit()
    with pytest.raises(clinic.ClinicError, match="schedule_inactive"):
        clinic.add_slot(schedule_id=schedule.id, start=start + timedelta(days=2), minutes=30,
                        actor=world["here"])
    assert len(audited("Slot", "create")) == 3


def test_closing_a_free_slot_but_never_a_booked_one(world):
    schedule = make_schedule(world["unit"])
    free = make_slot(schedule, NOW + timedelta(days=5))
    booked = make_slot(schedule, NOW + timedelta(days=6))
    make_appointment(world["woman"], world["unit"], booked.start, slot=booked)
    with pytest.raises(clinic.NotFound):
        clinic.close_slot(slot_id=free.id, actor=world["there"])
    assert clinic.close_slot(slot_id=free.id, actor=world["here"]).status is (
        SlotStatus.BUSY_UNAVAILABLE)
    clinic.close_slot(slot_id=free.id, actor=world["here"])
    assert len(audited("Slot", "update")) == 1
    with pytest.raises(clinic.ClinicError, match="booked"):
        clinic.close_slot(slot_id=booked.id, actor=world["here"])


def test_schedules_with_their_coming_slots(world):
    schedule = make_schedule(world["unit"])
    make_schedule(world["other"])
    later = make_slot(schedule, NOW + timedelta(days=6))
    sooner = make_slot(schedule, NOW + timedelta(days=5))
    make_slot(schedule, NOW - timedelta(days=1))
    [(found, slots)] = clinic.schedules_with_slots(actor=world["here"])
    assert found.id == schedule.id and [s.id for s in slots] == [sooner.id, later.id]
    assert len(audited("Schedule")) == 1


def test_a_wall_clock_time_on_the_days_the_clocks_change():
    from datetime import date, time

    assert clinic.wall_clock_start(date(2026, 3, 29), time(1, 59)) == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC)
    with pytest.raises(clinic.ClinicError, match="no_such_time"):
        clinic.wall_clock_start(date(2026, 3, 29), time(2, 30))
    assert clinic.wall_clock_start(date(2026, 3, 29), time(3, 0)) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC)
    # 02:30 on 25 October is shown twice: the first, in summer time.
    assert clinic.wall_clock_start(date(2026, 10, 25), time(2, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)
    assert clinic.wall_clock_start(date(2026, 10, 25), time(3, 0)) == datetime(
        2026, 10, 25, 2, 0, tzinfo=UTC)
