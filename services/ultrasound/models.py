"""Pregnancy ultrasound: due dates, the hospital's schedules and slots, appointments, the
early scan's consent, change requests and what the woman reports about her pregnancy.

Times are UTC (``services.db.UTCDateTime``); pages show them in Europe/Oslo.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.clock import utcnow
from services.db import db, str_enum


class Service(StrEnum):
    """Which scan: the early one (week 11+0–13+6, prenatal diagnostics, needs consent) or the
    routine one (week 17–19)."""

    EARLY = "early"
    ROUTINE = "routine"


class DueDateStatus(StrEnum):
    """Observation.status values we keep."""

    FINAL = "final"
    AMENDED = "amended"
    ENTERED_IN_ERROR = "entered-in-error"


class SlotStatus(StrEnum):
    FREE = "free"
    BUSY = "busy"
    BUSY_UNAVAILABLE = "busy-unavailable"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"


class CancelledBy(StrEnum):
    CITIZEN = "citizen"
    HOSPITAL = "hospital"


class ConsentDecision(StrEnum):
    CONSENTED = "consented"
    REFUSED = "refused"


class ChangeReason(StrEnum):
    """Why she asks for another time (closed choices; ``reason_text`` adds a few words)."""

    NO_FITTING_SLOT = "no_fitting_slot"
    TIME_DOES_NOT_SUIT = "time_does_not_suit"
    ILLNESS = "illness"
    TRAVEL = "travel"
    OTHER = "other"
    #: She answered the reminder SMS asking to be called.
    SMS_CALL_ME = "sms_call_me"


class ChangeRequestStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class DueDate(db.Model):
    """An estimated delivery date (FHIR Observation, LOINC 11778-8) from the hospital.

    Corrected dating adds a newer one: the current due date is the one with the newest
    ``effective_at`` that is not entered in error.
    """

    __tablename__ = "due_dates"
    __table_args__ = (
        sa.UniqueConstraint("identifier_system", "identifier_value"),
        sa.Index("ix_due_dates_person_effective", "person_id", "effective_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    due_date: Mapped[date]
    #: When the dating was done (Observation.effectiveDateTime, else when it reached us).
    effective_at: Mapped[datetime]
    #: The hospital's business identifier (Observation.identifier); None if it sent none.
    identifier_system: Mapped[str | None] = mapped_column(sa.String(200))
    identifier_value: Mapped[str | None] = mapped_column(sa.String(100))
    #: The hospital that dated the pregnancy, where it said.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    status: Mapped[DueDateStatus] = mapped_column(str_enum(DueDateStatus, 20),
                                                  default=DueDateStatus.FINAL)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: The FHIR versionId and ETag.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


class LocationMixin:
    """Where a scan takes place, as the hospital describes it (a Location's name and address)."""

    location_name: Mapped[str | None] = mapped_column(sa.String(200))
    location_address_line: Mapped[str | None] = mapped_column(sa.String(200))
    location_postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    location_city: Mapped[str | None] = mapped_column(sa.String(100))


class Schedule(LocationMixin, db.Model):
    """One clinic's bookable time for one service at one place (FHIR Schedule)."""

    __tablename__ = "ultrasound_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The hospital's identifier of the schedule (Schedule.identifier value).
    identifier: Mapped[str] = mapped_column(sa.String(100), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    service: Mapped[Service] = mapped_column(str_enum(Service, 10))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    organisation = relationship("Organisation")


class Slot(db.Model):
    """A time in a schedule, free or taken (FHIR Slot).

    ``appointment_id`` is what holds a slot: it is unique, so two women can never have the
    same slot; a booking claims it with a conditional UPDATE. ``Appointment.slot_id`` points
    back for reading only.
    """

    __tablename__ = "ultrasound_slots"
    __table_args__ = (sa.Index("ix_ultrasound_slots_schedule_start", "schedule_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(sa.String(100), unique=True)
    schedule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ultrasound_schedules.id", ondelete="CASCADE"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[SlotStatus] = mapped_column(str_enum(SlotStatus, 20), default=SlotStatus.FREE)
    appointment_id: Mapped[int | None] = mapped_column(
        # use_alter: slots and appointments point at each other.
        sa.ForeignKey("ultrasound_appointments.id", ondelete="SET NULL", use_alter=True),
        unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    schedule: Mapped[Schedule] = relationship()


class Appointment(LocationMixin, db.Model):
    """An early or routine scan booked for a woman (FHIR Appointment)."""

    __tablename__ = "ultrasound_appointments"
    __table_args__ = (
        sa.UniqueConstraint("identifier_system", "identifier_value"),
        sa.Index("ix_ultrasound_appointments_person_start", "person_id", "start"),
        sa.Index("ix_ultrasound_appointments_status_start", "status", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The hospital's business identifier (Appointment.identifier): create/update key.
    identifier_system: Mapped[str] = mapped_column(sa.String(200))
    identifier_value: Mapped[str] = mapped_column(sa.String(100))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    #: The hospital: its clinic staff see and act on the appointment.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    service: Mapped[Service] = mapped_column(str_enum(Service, 10))
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus, 20),
                                                      default=AppointmentStatus.BOOKED)
    slot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ultrasound_slots.id", ondelete="SET NULL"))
    #: Her words or the hospital's (Appointment.cancelationReason text).
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(200))
    cancelled_by: Mapped[CancelledBy | None] = mapped_column(str_enum(CancelledBy, 10))
    cancelled_at: Mapped[datetime | None]
    #: She answered the reminder "JA".
    confirmed_at: Mapped[datetime | None]
    #: The start the reminder went out for; a moved appointment is reminded again.
    reminded_for_start: Mapped[datetime | None]
    #: Copied from the person when booked (``Person.interpreter_language``).
    interpreter_language: Mapped[str | None] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    person = relationship("Person")
    organisation = relationship("Organisation")
    slot: Mapped[Slot | None] = relationship(foreign_keys=[slot_id])


class EarlyScanConsent(db.Model):
    """Her decision on the early scan (prenatal diagnostics needs written consent).

    Every decision is kept; the one in force is the newest not revoked.
    """

    __tablename__ = "early_scan_consents"
    __table_args__ = (sa.Index("ix_early_scan_consents_person_decided", "person_id",
                               "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision, 10))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who recorded it (``person:12``, or a representative ``person:7/for:12``).
    actor: Mapped[str] = mapped_column(sa.String(100))
    revoked_at: Mapped[datetime | None]
    #: Which version of the information text she had in front of her.
    information_version: Mapped[str] = mapped_column(sa.String(20))


class ChangeRequest(db.Model):
    """She asks the clinic for another time (no free slot fits, or "call me" by SMS)."""

    __tablename__ = "ultrasound_change_requests"
    __table_args__ = (sa.Index("ix_ultrasound_change_requests_status_created", "status",
                               "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ultrasound_appointments.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[ChangeReason] = mapped_column(str_enum(ChangeReason, 30))
    #: A few words of her own (no health details asked for).
    reason_text: Mapped[str | None] = mapped_column(sa.String(200))
    wants_call: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[ChangeRequestStatus] = mapped_column(str_enum(ChangeRequestStatus, 10),
                                                        default=ChangeRequestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    #: The staff actor who handled it (``staff:3``).
    handled_by: Mapped[str | None] = mapped_column(sa.String(100))

    appointment: Mapped[Appointment] = relationship()


class PregnancyReport(db.Model):
    """What she reported once about this pregnancy (the invitation asks about twins)."""

    __tablename__ = "pregnancy_reports"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: None: not answered.
    twins: Mapped[bool | None]
    special_needs: Mapped[str | None] = mapped_column(sa.String(500))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
