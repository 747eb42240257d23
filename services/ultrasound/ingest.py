"""What the hospital system tells us: due dates, appointments, schedules and slots.

Create never updates: an existing business identifier is :class:`AlreadyExists` (the FHIR
layer answers 409, and a conditional create finds the stored one). An update that changes
nothing changes nothing: no new version, no notice. Every write is audited; an appointment
change the woman should know of is announced (``services.ultrasound.changes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.fhir.ingest import AlreadyExists, IngestError, NotFound, assign_changed
from services.people.models import Person
from services.ultrasound import changes
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    DueDate,
    DueDateStatus,
    Schedule,
    Service,
    Slot,
    SlotStatus,
)

PURPOSE = "appointments"


@dataclass(frozen=True)
class Location:
    name: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class DueDateData:
    person_id: int
    due_date: date
    #: None: when it reached us.
    effective_at: datetime | None
    identifier_system: str | None
    identifier_value: str | None
    organisation_id: int | None
    status: DueDateStatus


@dataclass(frozen=True)
class AppointmentData:
    identifier_system: str
    identifier_value: str
    person_id: int
    organisation_id: int
    service: Service
    start: datetime
    end: datetime
    status: AppointmentStatus
    location: Location
    slot_id: int | None = None
    cancel_reason: str | None = None


@dataclass(frozen=True)
class ScheduleData:
    identifier: str
    organisation_id: int
    service: Service
    location: Location
    active: bool = True


@dataclass(frozen=True)
class SlotData:
    identifier: str
    schedule_id: int
    start: datetime
    end: datetime
    status: SlotStatus


# --- due dates -------------------------------------------------------------------------


def create_due_date(*, data: DueDateData, actor: Actor) -> DueDate:
    if data.identifier_value is not None and _due_date_by_identifier(data) is not None:
        raise AlreadyExists("a due date with this identifier is stored", "Observation.identifier")
    row = DueDate(person_id=data.person_id)
    db.session.add(row)
    _apply_due_date(row, data)
    db.session.flush()
    _audit(actor, "create", "Observation", row.id, row.person_id)
    return row


def update_due_date(*, due_date_id: int, data: DueDateData, actor: Actor) -> DueDate:
    row = db.session.get(DueDate, due_date_id)
    if row is None:
        raise NotFound("due date")
    if data.person_id != row.person_id:
        raise IngestError("the patient of a due date cannot change", "Observation.subject")
    _apply_due_date(row, data)
    db.session.flush()
    _audit(actor, "update", "Observation", row.id, row.person_id)
    return row


def _due_date_by_identifier(data: DueDateData) -> DueDate | None:
    return db.session.scalar(sa.select(DueDate).where(
        DueDate.identifier_system == data.identifier_system,
        DueDate.identifier_value == data.identifier_value))


def _apply_due_date(row: DueDate, data: DueDateData) -> None:
    assign_changed(row, due_date=data.due_date, status=data.status,
         identifier_system=data.identifier_system, identifier_value=data.identifier_value,
         organisation_id=data.organisation_id)
    if data.effective_at is not None:
        assign_changed(row, effective_at=data.effective_at)
    elif row.effective_at is None:
        row.effective_at = utcnow()


# --- appointments ----------------------------------------------------------------------


def appointment_by_identifier(*, system: str, value: str) -> Appointment | None:
    return db.session.scalar(sa.select(Appointment).where(
        Appointment.identifier_system == system, Appointment.identifier_value == value))


def create_appointment(*, data: AppointmentData, actor: Actor) -> Appointment:
    if appointment_by_identifier(system=data.identifier_system,
                                 value=data.identifier_value) is not None:
        raise AlreadyExists("an appointment with this identifier is stored",
                            "Appointment.identifier")
    person = db.session.get(Person, data.person_id)
    if person is None:
        raise NotFound("person")
    appointment = Appointment(identifier_system=data.identifier_system,
                              identifier_value=data.identifier_value,
                              person_id=data.person_id,
                              interpreter_language=person.interpreter_language)
    db.session.add(appointment)
    _apply_appointment(appointment, data, now=utcnow())
    db.session.flush()
    _hold_slot(appointment, data.slot_id)
    _audit(actor, "create", "Appointment", appointment.id, appointment.person_id)
    changes.announce(appointment=appointment, before=None, actor=actor, by_hospital=True)
    return appointment


def update_appointment(*, appointment_id: int, data: AppointmentData,
                       actor: Actor) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("appointment")
    if data.person_id != appointment.person_id:
        raise IngestError("the patient of an appointment cannot change",
                          "Appointment.participant")
    if (data.identifier_system, data.identifier_value) != (appointment.identifier_system,
                                                           appointment.identifier_value):
        raise IngestError("the business identifier of an appointment cannot change",
                          "Appointment.identifier")
    before = changes.snapshot(appointment)
    _apply_appointment(appointment, data, now=utcnow())
    db.session.flush()
    if data.slot_id != appointment.slot_id:
        _release_slot(appointment)
        _hold_slot(appointment, data.slot_id)
    elif appointment.status in changes.ENDED:
        _release_slot(appointment)
    _audit(actor, "update", "Appointment", appointment.id, appointment.person_id)
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=True)
    return appointment


def _apply_appointment(appointment: Appointment, data: AppointmentData, *,
                       now: datetime) -> None:
    was, when = appointment.status, (appointment.start, appointment.end)
    assign_changed(appointment, organisation_id=data.organisation_id, service=data.service,
         start=data.start, end=data.end, status=data.status,
         location_name=data.location.name, location_address_line=data.location.address_line,
         location_postal_code=data.location.postal_code, location_city=data.location.city)
    if data.status is AppointmentStatus.CANCELLED:
        if was is not AppointmentStatus.CANCELLED:
            assign_changed(appointment, cancelled_by=CancelledBy.HOSPITAL, cancelled_at=now)
        if data.cancel_reason:
            assign_changed(appointment, cancel_reason=data.cancel_reason)
    elif data.status is AppointmentStatus.BOOKED and was is AppointmentStatus.CANCELLED:
        assign_changed(appointment, cancelled_by=None, cancelled_at=None, cancel_reason=None)
    if when != (None, None) and when != (data.start, data.end):
        assign_changed(appointment, confirmed_at=None)  # she confirmed the time it had


def _hold_slot(appointment: Appointment, slot_id: int | None) -> None:
    """Take the slot for this appointment, unless another one holds it (one slot, one
    woman): a conditional UPDATE, so two requests cannot both take it."""
    if slot_id is None or appointment.status in changes.ENDED:
        return
    taken = db.session.execute(
        sa.update(Slot)
        .where(Slot.id == slot_id,
               sa.or_(Slot.appointment_id.is_(None), Slot.appointment_id == appointment.id))
        .values(appointment_id=appointment.id, status=SlotStatus.BUSY,
                version_id=Slot.version_id + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise IngestError("this slot is booked for another appointment", "Appointment.slot[0]")
    appointment.slot_id = slot_id
    db.session.flush()
    _expire_slot(slot_id)


def _release_slot(appointment: Appointment) -> None:
    """Free the slot this appointment held (a cancelled scan's time goes back to others)."""
    slot_id = appointment.slot_id
    if slot_id is None:
        return
    db.session.execute(
        sa.update(Slot)
        .where(Slot.id == slot_id, Slot.appointment_id == appointment.id)
        .values(appointment_id=None, status=SlotStatus.FREE,
                version_id=Slot.version_id + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    appointment.slot_id = None
    db.session.flush()
    _expire_slot(slot_id)


def _expire_slot(slot_id: int) -> None:
    slot = db.session.identity_map.get(sa.inspect(Slot).identity_key_from_primary_key((slot_id,)))
    if slot is not None:
        db.session.expire(slot)


# --- schedules and slots ---------------------------------------------------------------


def create_schedule(*, data: ScheduleData, actor: Actor) -> Schedule:
    return _create_capacity(Schedule, data, _apply_schedule, actor=actor)


def update_schedule(*, schedule_id: int, data: ScheduleData, actor: Actor) -> Schedule:
    return _update_capacity(Schedule, schedule_id, data, _apply_schedule, actor=actor)


def _apply_schedule(schedule: Schedule, data: ScheduleData) -> None:
    assign_changed(schedule, organisation_id=data.organisation_id, service=data.service,
         active=data.active, location_name=data.location.name,
         location_address_line=data.location.address_line,
         location_postal_code=data.location.postal_code, location_city=data.location.city)


def create_slot(*, data: SlotData, actor: Actor) -> Slot:
    return _create_capacity(Slot, data, _apply_slot, actor=actor)


def update_slot(*, slot_id: int, data: SlotData, actor: Actor) -> Slot:
    def apply(slot: Slot, data: SlotData) -> None:
        if slot.appointment_id is not None and data.status is not SlotStatus.BUSY:
            raise IngestError("this slot holds a booked appointment: cancel or move the "
                              "appointment first", "Slot.status")
        _apply_slot(slot, data)

    return _update_capacity(Slot, slot_id, data, apply, actor=actor)


def _create_capacity(model, data, apply, *, actor: Actor):
    """A new Schedule or Slot under its business identifier (never an update)."""
    kind = model.__name__.lower()
    if db.session.scalar(sa.select(model.id).where(model.identifier == data.identifier)):
        raise AlreadyExists(f"a {kind} with this identifier is stored",
                            f"{model.__name__}.identifier")
    row = model(identifier=data.identifier)
    db.session.add(row)
    apply(row, data)
    db.session.flush()
    _audit(actor, "create", model.__name__, row.id, None)
    return row


def _update_capacity(model, row_id: int, data, apply, *, actor: Actor):
    """A stored Schedule or Slot changed; its business identifier stays."""
    kind = model.__name__.lower()
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(kind)
    if data.identifier != row.identifier:
        raise IngestError(f"the identifier of a {kind} cannot change",
                          f"{model.__name__}.identifier")
    apply(row, data)
    db.session.flush()
    _audit(actor, "update", model.__name__, row.id, None)
    return row


def _apply_slot(slot: Slot, data: SlotData) -> None:
    assign_changed(slot, schedule_id=data.schedule_id, start=data.start, end=data.end,
         status=data.status)


# --- shared ----------------------------------------------------------------------------


def _audit(actor: Actor, action: str, resource_type: str, resource_id: int,
           person_id: int | None) -> None:
    audit.record(actor=actor, action=action, resource_type=resource_type,
                 resource_id=resource_id, subject_person_id=person_id, purpose=PURPOSE)
