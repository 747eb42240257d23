"""The ultrasound clinic's work: the women's change requests, cancellations and early-scan
consents, and the free times (slots) it offers.

Clinic staff see and act on their own organisation's scans only (the organisation they
are working in now, and its units); anything else is :class:`NotFound`, as if it did not
exist. Every list shown and every action taken is audited: a read row for each woman
whose data is shown, a row for each change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services import audit
from services.actors import Actor, ActorKind
from services.clock import NORWAY, utcnow
from services.db import db
from services.notify.contacts import resolve_without_krr
from services.people.models import Person
from services.people.service import with_units
from services.people.staff_access import record_staff_read
from services.ultrasound import changes, consent
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    ChangeRequest,
    ChangeRequestStatus,
    EarlyScanConsent,
    Schedule,
    Service,
    Slot,
    SlotStatus,
)

PURPOSE = "ultrasound-clinic"
#: How far ahead the lists look (scans further out are not the clinic's work yet).
HORIZON = timedelta(days=120)
#: A slot is 5 minutes to 4 hours.
SLOT_MINUTES = (5, 240)
#: The most rows a list shows.
LIMIT = 500


class ClinicError(ValueError):
    """The action breaks a rule; ``code`` says which (for the page's message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotFound(LookupError):
    """Not in the staff member's organisation, or not there at all."""


@dataclass(frozen=True)
class RequestRow:
    request: ChangeRequest
    appointment: Appointment
    person: Person
    #: The number to call her on (her own, else the hospital's); None if none is known.
    phone: str | None


@dataclass(frozen=True)
class ConsentRow:
    appointment: Appointment
    person: Person
    #: The decision in force, or None: she has not decided yet.
    decision: EarlyScanConsent | None


def organisations_of(actor: Actor) -> set[int]:
    """The organisations whose scans ``actor`` works with."""
    if actor.kind is not ActorKind.STAFF or actor.organisation_id is None:
        raise PermissionError("clinic work is for staff in an organisation")
    return with_units({actor.organisation_id})


# --- change requests ---------------------------------------------------------------------


def open_change_requests(*, actor: Actor) -> list[RequestRow]:
    """Open requests for the clinic's scans, oldest first (read: audited per woman)."""
    requests = db.session.scalars(
        sa.select(ChangeRequest).join(Appointment, ChangeRequest.appointment_id == Appointment.id)
        .where(ChangeRequest.status == ChangeRequestStatus.OPEN,
               Appointment.organisation_id.in_(organisations_of(actor)))
        .options(joinedload(ChangeRequest.appointment).joinedload(Appointment.person))
        .order_by(ChangeRequest.created_at, ChangeRequest.id).limit(LIMIT)).all()
    rows = []
    for request in requests:
        person = request.appointment.person
        _read(actor, person.id, "ChangeRequest", request.id)
        rows.append(RequestRow(request=request, appointment=request.appointment, person=person,
                               phone=resolve_without_krr(person).mobile))
    return rows


def handle_change_request(*, request_id: int, actor: Actor) -> ChangeRequest:
    """Mark the request handled (once: handling it again changes nothing)."""
    request = db.session.get(ChangeRequest, request_id)
    if request is None or request.appointment.organisation_id not in organisations_of(actor):
        raise NotFound("change request")
    if request.status is ChangeRequestStatus.OPEN:
        request.status = ChangeRequestStatus.HANDLED
        request.handled_at = utcnow()
        request.handled_by = f"staff:{actor.id}"
        db.session.flush()
        audit.record(actor=actor, action="update", resource_type="ChangeRequest",
                     resource_id=request.id, subject_person_id=request.person_id,
                     purpose=PURPOSE, reason="handled")
    return request


# --- cancellations -----------------------------------------------------------------------


def cancellations(*, actor: Actor, now: datetime | None = None) -> list[Appointment]:
    """Cancelled scans that were still to come, most recently cancelled first: the times
    they leave free (read: audited per woman)."""
    now = now or utcnow()
    found = db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.organisation_id.in_(organisations_of(actor)),
               Appointment.status == AppointmentStatus.CANCELLED,
               Appointment.start > now, Appointment.start <= now + HORIZON)
        .options(joinedload(Appointment.person))
        .order_by(Appointment.cancelled_at.desc(), Appointment.id.desc()).limit(LIMIT)).all()
    for appointment in found:
        _read(actor, appointment.person_id, "Appointment", appointment.id)
    return found


def appointment_for_clinic(*, appointment_id: int, actor: Actor) -> Appointment:
    """One of the clinic's appointments (read: audited)."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.organisation_id not in organisations_of(actor):
        raise NotFound("appointment")
    _read(actor, appointment.person_id, "Appointment", appointment.id)
    return appointment


def cancel_appointment(*, appointment_id: int, reason: str, actor: Actor) -> Appointment:
    """The clinic cancels a coming scan (she asked by phone, or the clinic cannot keep
    it): its slot is free again, she is told and helsenorge hears of it."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.organisation_id not in organisations_of(actor):
        raise NotFound("appointment")
    reason = " ".join(reason.split())
    if not reason:
        raise ClinicError("reason_required")
    if len(reason) > 200:
        raise ClinicError("reason_too_long")
    if appointment.status is AppointmentStatus.CANCELLED:
        raise ClinicError("already_cancelled")
    if appointment.status is not AppointmentStatus.BOOKED or appointment.start <= utcnow():
        raise ClinicError("not_changeable")
    before = changes.snapshot(appointment)
    db.session.execute(
        sa.update(Slot).where(Slot.appointment_id == appointment.id)
        .values(status=SlotStatus.FREE, appointment_id=None, version_id=Slot.version_id + 1,
                updated_at=utcnow())
        .execution_options(synchronize_session="fetch"))
    appointment.slot_id = None
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by, appointment.cancelled_at = CancelledBy.HOSPITAL, utcnow()
    appointment.cancel_reason = reason
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Appointment",
                 resource_id=appointment.id, subject_person_id=appointment.person_id,
                 purpose=PURPOSE, reason="cancelled by the clinic")
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=True)
    return appointment


# --- consents ----------------------------------------------------------------------------


def early_scan_consents(*, actor: Actor, now: datetime | None = None) -> list[ConsentRow]:
    """Each coming early scan with her decision on it, soonest first (read: audited)."""
    now = now or utcnow()
    found = db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.organisation_id.in_(organisations_of(actor)),
               Appointment.service == Service.EARLY,
               Appointment.status == AppointmentStatus.BOOKED,
               Appointment.start > now, Appointment.start <= now + HORIZON)
        .options(joinedload(Appointment.person))
        .order_by(Appointment.start, Appointment.id).limit(LIMIT)).all()
    rows = []
    for appointment in found:
        decision = consent.in_force(person_id=appointment.person_id)
        _read(actor, appointment.person_id, "EarlyScanConsent",
              decision.id if decision else None)
        rows.append(ConsentRow(appointment=appointment, person=appointment.person,
                               decision=decision))
    return rows


# --- slots -------------------------------------------------------------------------------


def schedules_with_slots(*, actor: Actor,
                         now: datetime | None = None) -> list[tuple[Schedule, list[Slot]]]:
    """The clinic's active schedules, each with its coming slots in time order."""
    now = now or utcnow()
    schedules = db.session.scalars(
        sa.select(Schedule).where(Schedule.organisation_id.in_(organisations_of(actor)),
                                  Schedule.active.is_(True))
        .order_by(Schedule.service, Schedule.location_name, Schedule.id)).all()
    result = []
    for schedule in schedules:
        slots = db.session.scalars(
            sa.select(Slot).where(Slot.schedule_id == schedule.id, Slot.start > now,
                                  Slot.start <= now + HORIZON)
            .order_by(Slot.start, Slot.id).limit(LIMIT)).all()
        audit.record(actor=actor, action="read", resource_type="Schedule",
                     resource_id=schedule.id, purpose=PURPOSE)
        result.append((schedule, slots))
    return result


def wall_clock_start(day: date, at: time) -> datetime:
    """The instant a clinic means by ``at`` on ``day`` in Norway. A time the spring change
    skips (02:30 on the last Sunday of March) is no time at all; one the autumn change
    shows twice is its first showing (summer time), as a clock on the wall reads first."""
    local = datetime.combine(day, at, NORWAY)
    if local.astimezone(UTC).astimezone(NORWAY).replace(tzinfo=None) != local.replace(
            tzinfo=None):
        raise ClinicError("no_such_time")
    return local.astimezone(UTC)


def add_slot(*, schedule_id: int, start: datetime, minutes: int, actor: Actor) -> Slot:
    """Offer a new free time in one of the clinic's schedules."""
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None or schedule.organisation_id not in organisations_of(actor):
        raise NotFound("schedule")
    if not schedule.active:
        raise ClinicError("schedule_inactive")
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if not SLOT_MINUTES[0] <= minutes <= SLOT_MINUTES[1]:
        raise ClinicError("bad_length")
    if start <= utcnow():
        raise ClinicError("in_the_past")
    end = start + timedelta(minutes=minutes)
    overlapping = db.session.scalar(
        sa.select(Slot.id).where(Slot.schedule_id == schedule.id, Slot.start < end,
                                 Slot.end > start).limit(1))
    if overlapping is not None:
        raise ClinicError("overlaps")
    slot = Slot(identifier=f"minhelse-{uuid.uuid4().hex}", schedule_id=schedule.id,
                start=start, end=end, status=SlotStatus.FREE)
    db.session.add(slot)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="Slot", resource_id=slot.id,
                 purpose=PURPOSE)
    return slot


def close_slot(*, slot_id: int, actor: Actor) -> Slot:
    """Take a free time out of offer (closing it again changes nothing)."""
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.schedule.organisation_id not in organisations_of(actor):
        raise NotFound("slot")
    if slot.appointment_id is not None:
        raise ClinicError("booked")
    if slot.status is not SlotStatus.BUSY_UNAVAILABLE:
        slot.status = SlotStatus.BUSY_UNAVAILABLE
        db.session.flush()
        audit.record(actor=actor, action="update", resource_type="Slot", resource_id=slot.id,
                     purpose=PURPOSE, reason="closed")
    return slot


def _read(actor: Actor, person_id: int, resource_type: str, resource_id: int | None) -> None:
    # The clinic's own lists are its work list: no reason is asked for.
    record_staff_read(actor=actor, subject_person_id=person_id, resource_type=resource_type,
                      resource_id=resource_id, purpose=PURPOSE, on_worklist=True)
