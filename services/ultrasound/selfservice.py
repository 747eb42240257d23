"""What the woman does herself: see her scans, cancel, move one into a free slot inside its
window, ask for another time when none fits, report twins or special needs, and say once
that she needs an interpreter.

``person_id`` is whose scans they are; ``actor`` who acts (she, or a representative the
web side has checked may act in the appointments area). Every read and write is audited;
what she changes is confirmed to her through ``notify_later`` (content-neutral: "we have
registered your change"), also when a representative made it.

Two women never get the same slot: a booking claims a slot with one conditional UPDATE
(``... WHERE status = 'free' AND appointment_id IS NULL``), and ``appointment_id`` on the
slot is unique besides. The appointment row itself is locked first (``FOR UPDATE``), so
two requests moving the same appointment run one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import sqlalchemy as sa
from babel import Locale

from services import audit
from services.actors import Actor
from services.clock import NORWAY, today_in_norway, utcnow
from services.db import db
from services.notify.later import notify_later
from services.people.models import Organisation, Person
from services.ultrasound import changes, consent
from services.ultrasound.config import rules
from services.ultrasound.gestation import Check, bookable, check, dated
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    ChangeReason,
    ChangeRequest,
    ChangeRequestStatus,
    DueDate,
    DueDateStatus,
    EarlyScanConsent,
    PregnancyReport,
    Schedule,
    Service,
    Slot,
    SlotStatus,
)

PURPOSE = "self-service"
#: The confirmation she gets when she (or someone for her) changed something.
CONFIRMATION_EVENT = "ultrasound.change-registered"
#: Reasons she may give herself (the SMS "call me" is the reply handler's).
CITIZEN_CHANGE_REASONS = tuple(r for r in ChangeReason if r is not ChangeReason.SMS_CALL_ME)
MAX_REASON_TEXT = 200
MAX_SPECIAL_NEEDS = 500
#: Statuses she sees; entered-in-error was never hers.
_SHOWN = (AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, AppointmentStatus.FULFILLED,
          AppointmentStatus.NOSHOW)


# The page's reads, built once: building a statement cost as much CPU as sending it.
_DUE_DATE = (sa.select(DueDate.due_date)
             .where(DueDate.person_id == sa.bindparam("person_id"),
                    DueDate.status != DueDateStatus.ENTERED_IN_ERROR)
             .order_by(DueDate.effective_at.desc(), DueDate.id.desc()).limit(1))
_ALL_HERS = (sa.select(Appointment)
             .where(Appointment.person_id == sa.bindparam("person_id"),
                    Appointment.status.in_(_SHOWN))
             .order_by(Appointment.start, Appointment.id))
_OPEN_REQUESTS = (sa.select(ChangeRequest.appointment_id)
                  .where(ChangeRequest.person_id == sa.bindparam("person_id"),
                         ChangeRequest.status == ChangeRequestStatus.OPEN))


class SelfServiceError(Exception):
    """Base of the refusals; ``code`` is what the web side turns into a sentence."""

    code = "refused"


class AppointmentNotFound(SelfServiceError):
    code = "not_found"


class SlotNotFound(SelfServiceError):
    code = "unknown_slot"


class SlotTaken(SelfServiceError):
    code = "slot_taken"


class SlotNotSuitable(SelfServiceError):
    """Another service, another hospital, or already started."""

    code = "slot_not_suitable"


class OutsideWindow(SelfServiceError):
    code = "outside_window"


class DueDateUnknown(SelfServiceError):
    """No window to book into until the hospital has dated the pregnancy."""

    code = "due_date_unknown"


class ConsentMissing(SelfServiceError):
    code = "consent_missing"


class AlreadyCancelled(SelfServiceError):
    code = "already_cancelled"


class NotChangeable(SelfServiceError):
    """Past, fulfilled or not attended: nothing to change."""

    code = "not_changeable"


class TooLate(SelfServiceError):
    """Less than the configured time before the start: she calls the clinic."""

    code = "too_late"


class ChangeAlreadyRequested(SelfServiceError):
    code = "change_already_requested"


class InvalidInput(SelfServiceError):
    code = "invalid"


class ActionRefusal(StrEnum):
    """Why cancel or rebook is not offered for a scan (None: it is)."""

    CANCELLED = "cancelled"
    OVER = "over"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class Scan:
    """One appointment as she sees it, with its window and what she may do."""

    appointment: Appointment
    #: None until the hospital has sent a due date.
    check: Check | None
    due_date: date | None
    #: Why she cannot cancel or move it herself now; None: she can.
    refusal: ActionRefusal | None
    #: Early scan without consent in force: she decides first.
    needs_consent: bool
    #: An open change request for it.
    change_requested: bool

    @property
    def is_upcoming(self) -> bool:
        return (self.appointment.status is AppointmentStatus.BOOKED
                and self.appointment.end > utcnow())


@dataclass(frozen=True)
class Overview:
    """What her overview of the scans shows."""

    #: Upcoming first (soonest first), then past ones (latest first).
    scans: list[Scan]
    due_date: date | None
    #: The early scan's decision in force.
    decision: EarlyScanConsent | None
    report: PregnancyReport | None

    @property
    def upcoming(self) -> list[Scan]:
        return [scan for scan in self.scans if scan.is_upcoming]

    @property
    def past(self) -> list[Scan]:
        return [scan for scan in self.scans if not scan.is_upcoming]


# -- reading ---------------------------------------------------------------------------

def current_due_date(*, person_id: int) -> date | None:
    """The due date in force: the newest dating not entered in error."""
    return db.session.scalars(_DUE_DATE, {"person_id": person_id}).first()


def appointments_statement(*, person_id: int) -> sa.Select:
    """Her appointments as a query, for a caller that pages it (``scans_for`` then)."""
    return sa.select(Appointment).where(Appointment.person_id == person_id,
                                        Appointment.status.in_(_SHOWN))


def scans_for(*, person_id: int, appointments: Sequence[Appointment],
              actor: Actor) -> list[Scan]:
    """These appointments of hers as scans (a page of ``appointments_statement``), audited."""
    audit.record_all(actor=actor, purpose=PURPOSE, accesses=[_searched(person_id)])
    return _scans(person_id, appointments, **_her_state(person_id))


def scans_of(*, person_id: int, actor: Actor) -> list[Scan]:
    """Her scans, upcoming first (soonest first), then past ones (latest first)."""
    return _in_order(scans_for(person_id=person_id, appointments=_all_hers(person_id),
                               actor=actor))


def overview_of(*, person_id: int, actor: Actor) -> Overview:
    """Her scans as ``scans_of`` orders them, the due date, the early scan's decision and
    her report, each read once; audited as ``scans_of``, ``consent.consent_of`` and
    ``report_of`` audit them."""
    due_date = current_due_date(person_id=person_id)
    decision = consent.in_force(person_id=person_id)
    scans = _in_order(_scans(person_id, _all_hers(person_id), due_date=due_date,
                             consented=consent.is_consent(decision)))
    report = db.session.get(PregnancyReport, person_id)
    audit.record_all(actor=actor, purpose=PURPOSE, accesses=[
        _searched(person_id), consent.read_access(person_id=person_id, found=decision),
        _report_read(person_id, report)])
    return Overview(scans=scans, due_date=due_date, decision=decision, report=report)


def scan_of(*, appointment_id: int, person_id: int, actor: Actor) -> Scan:
    """One of her scans; ``AppointmentNotFound`` for anyone else's."""
    appointment = _hers(appointment_id, person_id)
    audit.record(actor=actor, action="read", resource_type="Appointment",
                 resource_id=appointment.id, subject_person_id=person_id, purpose=PURPOSE)
    return _scans(person_id, [appointment], **_her_state(person_id))[0]


def free_slots(*, appointment_id: int, person_id: int, actor: Actor) -> list[Slot]:
    """The free slots she could move this scan to: the same service at the same hospital,
    not started, inside the window. Raises what ``rebook`` would raise before the slot."""
    appointment = _hers(appointment_id, person_id)
    audit.record(actor=actor, action="search", resource_type="Slot",
                 resource_id=appointment.id, subject_person_id=person_id, purpose=PURPOSE)
    due_date = _may_move(appointment)
    window = rules().windows.window_for(service=appointment.service,
                                        organisation_numbers=_numbers(appointment))
    days = dated(window, due_date=due_date)
    first, last = _oslo_day_start(days.first_day), _oslo_day_start(days.last_day, after=True)
    now = utcnow()
    return list(db.session.scalars(
        _suitable_slots(appointment)
        .where(Slot.status == SlotStatus.FREE, Slot.appointment_id.is_(None),
               Slot.start > now + rules().cancel_before, Slot.start >= first,
               Slot.start < last)
        .order_by(Slot.start, Slot.id)
    ))


def report_of(*, person_id: int, actor: Actor) -> PregnancyReport | None:
    report = db.session.get(PregnancyReport, person_id)
    audit.record_all(actor=actor, purpose=PURPOSE, accesses=[_report_read(person_id, report)])
    return report


def _searched(person_id: int) -> audit.Access:
    return audit.Access(action="search", resource_type="Appointment",
                        subject_person_id=person_id)


def _report_read(person_id: int, report: PregnancyReport | None) -> audit.Access:
    return audit.Access(action="read", resource_type="PregnancyReport",
                        resource_id=person_id if report else None, subject_person_id=person_id)


# -- changing --------------------------------------------------------------------------

def cancel(*, appointment_id: int, person_id: int, reason: str, actor: Actor) -> Appointment:
    """Cancel her booking with a reason, up to ``cancel_before`` before it starts; its slot
    is free again."""
    reason = _short_text(reason, field="reason", required=True)
    appointment = _hers(appointment_id, person_id, lock=True)
    _changeable(appointment)
    before = changes.snapshot(appointment)
    _release_slot(appointment)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by = CancelledBy.CITIZEN
    appointment.cancelled_at = utcnow()
    appointment.cancel_reason = reason
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Appointment",
                 resource_id=appointment.id, subject_person_id=person_id, purpose=PURPOSE,
                 reason="cancelled")
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=False)
    _confirm(appointment, actor=actor, what="cancelled")
    return appointment


def rebook(*, appointment_id: int, person_id: int, slot_id: int, actor: Actor) -> Appointment:
    """Move her booking into the free slot ``slot_id``: the same service at the same
    hospital, inside the window, the early scan only with her consent. The old slot is
    free again."""
    appointment = _hers(appointment_id, person_id, lock=True)
    due_date = _may_move(appointment)
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        raise SlotNotFound(slot_id)
    schedule = slot.schedule
    if (not db.session.scalar(_suitable_slots(appointment).where(Slot.id == slot.id)
                              .with_only_columns(Slot.id))
            or slot.start <= utcnow() + rules().cancel_before):
        raise SlotNotSuitable(slot_id)
    if not bookable(rules=rules().windows, service=appointment.service, due_date=due_date,
                    day=slot.start.astimezone(NORWAY).date(),
                    organisation_numbers=_numbers(appointment)):
        raise OutsideWindow(slot_id)
    if slot.status is not SlotStatus.FREE or slot.appointment_id is not None:
        raise SlotTaken(slot_id)
    with db.session.begin_nested():
        _release_slot(appointment)
        claimed = db.session.execute(
            sa.update(Slot)
            .where(Slot.id == slot.id, Slot.status == SlotStatus.FREE,
                   Slot.appointment_id.is_(None))
            .values(status=SlotStatus.BUSY, appointment_id=appointment.id,
                    version_id=Slot.version_id + 1, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if claimed != 1:
            raise SlotTaken(slot_id)
    previous, before = appointment.start, changes.snapshot(appointment)
    appointment.slot_id = slot.id
    appointment.start, appointment.end = slot.start, slot.end
    for name in ("location_name", "location_address_line", "location_postal_code",
                 "location_city"):
        setattr(appointment, name, getattr(schedule, name))
    appointment.interpreter_language = appointment.person.interpreter_language
    appointment.confirmed_at = None
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Appointment",
                 resource_id=appointment.id, subject_person_id=person_id, purpose=PURPOSE,
                 reason=f"rebooked from {previous.isoformat()}")
    changes.announce(appointment=appointment, before=before, actor=actor, by_hospital=False)
    _confirm(appointment, actor=actor, what=f"rebooked:{slot.id}")
    return appointment


def request_change(*, appointment_id: int, person_id: int, reason: ChangeReason | str,
                   reason_text: str | None, wants_call: bool, actor: Actor) -> ChangeRequest:
    """Ask the clinic for another time (no free slot fits, or she would rather talk)."""
    try:
        reason = ChangeReason(reason)
    except ValueError:
        raise InvalidInput("reason") from None
    if reason not in CITIZEN_CHANGE_REASONS:
        raise InvalidInput("reason")
    reason_text = _short_text(reason_text, field="reason_text", required=False)
    appointment = _hers(appointment_id, person_id, lock=True)
    if appointment.status is AppointmentStatus.CANCELLED:
        raise AlreadyCancelled(appointment_id)
    if appointment.status is not AppointmentStatus.BOOKED or appointment.start <= utcnow():
        raise NotChangeable(appointment_id)
    if _open_request(appointment.id) is not None:
        raise ChangeAlreadyRequested(appointment_id)
    request = ChangeRequest(appointment_id=appointment.id, person_id=person_id, reason=reason,
                            reason_text=reason_text, wants_call=bool(wants_call),
                            status=ChangeRequestStatus.OPEN, created_at=utcnow())
    db.session.add(request)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="ChangeRequest",
                 resource_id=request.id, subject_person_id=person_id, purpose=PURPOSE,
                 reason=reason.value)
    _confirm(appointment, actor=actor, what=f"change-request:{request.id}")
    return request


def report_pregnancy(*, person_id: int, twins: bool | None, special_needs: str | None,
                     actor: Actor) -> PregnancyReport:
    """What she reports once for this pregnancy (twins, special needs); reporting again
    replaces it."""
    special_needs = _short_text(special_needs, field="special_needs", required=False,
                                limit=MAX_SPECIAL_NEEDS)
    report = db.session.get(PregnancyReport, person_id)
    now = utcnow()
    if report is None:
        report = PregnancyReport(person_id=person_id, reported_at=now)
        db.session.add(report)
    report.twins, report.special_needs, report.updated_at = twins, special_needs, now
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="PregnancyReport",
                 resource_id=person_id, subject_person_id=person_id, purpose=PURPOSE)
    return report


def interpreter_languages(display_language: str) -> dict[str, str]:
    """Language code → its name in ``display_language``, for the interpreter choice."""
    names = Locale.parse(display_language).languages
    return {code: names[code] for code in _INTERPRETER_CODES if code in names}


def set_interpreter(*, person_id: int, language: str | None, actor: Actor) -> Person:
    """Record once that she needs an interpreter in ``language`` (None: no need); it is
    carried onto every booking still to come."""
    if language is not None and language not in _INTERPRETER_CODES:
        raise InvalidInput("language")
    person = db.session.get(Person, person_id)
    if person is None:
        raise AppointmentNotFound(person_id)
    person.interpreter_language = language
    for appointment in db.session.scalars(
            sa.select(Appointment).where(Appointment.person_id == person_id,
                                         Appointment.status == AppointmentStatus.BOOKED,
                                         Appointment.start > utcnow())):
        appointment.interpreter_language = language
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Patient", resource_id=person_id,
                 subject_person_id=person_id, purpose=PURPOSE, reason="interpreter")
    return person


# -- the rules behind them -------------------------------------------------------------

def action_refusal(appointment: Appointment, *, now: datetime) -> ActionRefusal | None:
    if appointment.status is AppointmentStatus.CANCELLED:
        return ActionRefusal.CANCELLED
    if appointment.status is not AppointmentStatus.BOOKED or appointment.start <= now:
        return ActionRefusal.OVER
    if appointment.start - now < rules().cancel_before:
        return ActionRefusal.TOO_LATE
    return None


def _changeable(appointment: Appointment) -> None:
    refusal = action_refusal(appointment, now=utcnow())
    if refusal is ActionRefusal.CANCELLED:
        raise AlreadyCancelled(appointment.id)
    if refusal is ActionRefusal.OVER:
        raise NotChangeable(appointment.id)
    if refusal is ActionRefusal.TOO_LATE:
        raise TooLate(appointment.id)


def _may_move(appointment: Appointment) -> date:
    """The due date, once moving this booking is allowed at all."""
    _changeable(appointment)
    if appointment.service is Service.EARLY and not consent.has_consented(
            person_id=appointment.person_id):
        raise ConsentMissing(appointment.id)
    due_date = current_due_date(person_id=appointment.person_id)
    if due_date is None:
        raise DueDateUnknown(appointment.id)
    return due_date


def _hers(appointment_id: int, person_id: int, *, lock: bool = False) -> Appointment:
    statement = sa.select(Appointment).where(Appointment.id == appointment_id,
                                             Appointment.person_id == person_id,
                                             Appointment.status.in_(_SHOWN))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    appointment = db.session.scalars(statement).first()
    if appointment is None:
        raise AppointmentNotFound(appointment_id)
    return appointment


def _suitable_slots(appointment: Appointment) -> sa.Select:
    return (sa.select(Slot).join(Schedule, Slot.schedule_id == Schedule.id)
            .where(Schedule.service == appointment.service,
                   Schedule.organisation_id == appointment.organisation_id,
                   Schedule.active.is_(True)))


def _release_slot(appointment: Appointment) -> None:
    db.session.execute(
        sa.update(Slot)
        .where(Slot.appointment_id == appointment.id)
        .values(status=SlotStatus.FREE, appointment_id=None,
                version_id=Slot.version_id + 1, updated_at=utcnow())
        # "fetch": a Slot already loaded in the session (appointment.slot) sees the change.
        .execution_options(synchronize_session="fetch"))
    appointment.slot_id = None


def _open_request(appointment_id: int) -> ChangeRequest | None:
    return db.session.scalars(
        sa.select(ChangeRequest).where(ChangeRequest.appointment_id == appointment_id,
                                       ChangeRequest.status == ChangeRequestStatus.OPEN)
        .limit(1)).first()


def _all_hers(person_id: int) -> Sequence[Appointment]:
    return db.session.scalars(_ALL_HERS, {"person_id": person_id}).all()


def _in_order(scans: list[Scan]) -> list[Scan]:
    """Upcoming first (soonest first), then past ones (latest first), from scans in order of
    their start."""
    upcoming = [scan for scan in scans if scan.is_upcoming]
    past = [scan for scan in scans if not scan.is_upcoming]
    return upcoming + past[::-1]


def _her_state(person_id: int) -> dict:
    """What her scans are checked against: ``_scans``' keyword arguments."""
    return {"due_date": current_due_date(person_id=person_id),
            "consented": consent.has_consented(person_id=person_id)}


def _scans(person_id: int, appointments: Sequence[Appointment], *, due_date: date | None,
           consented: bool) -> list[Scan]:
    if not appointments:
        return []
    open_requests = set(db.session.scalars(_OPEN_REQUESTS, {"person_id": person_id}))
    now, today = utcnow(), today_in_norway()
    scans = []
    for appointment in appointments:
        upcoming = appointment.status is AppointmentStatus.BOOKED and appointment.end > now
        booked_on = (appointment.start.astimezone(NORWAY).date()
                     if appointment.status is not AppointmentStatus.CANCELLED else None)
        scans.append(Scan(
            appointment=appointment,
            # Without a due date there is no window, so no hospital's rules to look up.
            check=None if due_date is None else check(
                rules=rules().windows, service=appointment.service, due_date=due_date,
                today=today, booked_on=booked_on, organisation_numbers=_numbers(appointment)),
            due_date=due_date,
            refusal=action_refusal(appointment, now=now),
            needs_consent=(appointment.service is Service.EARLY and upcoming
                           and not consented),
            change_requested=appointment.id in open_requests,
        ))
    return scans


def _numbers(appointment: Appointment) -> list[str]:
    """The hospital's organisation number, then those of the organisations above it."""
    numbers = []
    organisation: Organisation | None = appointment.organisation
    while organisation is not None and len(numbers) < 10:
        numbers.append(organisation.org_number)
        organisation = organisation.parent
    return numbers


def _oslo_day_start(day: date, *, after: bool = False) -> datetime:
    """The instant an Oslo day starts (``after``: the next day's start)."""
    if after:
        day = day + timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=NORWAY)


def _short_text(value: str | None, *, field: str, required: bool,
                limit: int = MAX_REASON_TEXT) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise InvalidInput(field)
        return None
    if len(text) > limit:
        raise InvalidInput(field)
    return text


def _confirm(appointment: Appointment, *, actor: Actor, what: str) -> None:
    # Her own change: decided by a worker, so her request waits for none of the decision's
    # reads (nor KRR's answer).
    notify_later(person_id=appointment.person_id, event=CONFIRMATION_EVENT, context={},
                 actor=actor, organisation_id=appointment.organisation_id,
                 key=f"appointment:{appointment.id}:{what}:v{appointment.version_id}")


#: Languages an interpreter may be booked for (ISO 639-1): those most often booked in
#: Norwegian hospitals. A language not listed is a change request with a few words.
_INTERPRETER_CODES = (
    "ar", "am", "bs", "cs", "da", "de", "en", "es", "et", "fa", "fi", "fr", "hr", "hu",
    "it", "ku", "lt", "lv", "nl", "pl", "ps", "pt", "ro", "ru", "se", "sk", "so", "sq",
    "sr", "sv", "sw", "ta", "th", "ti", "tl", "tr", "uk", "ur", "vi", "zh",
)
