"""Self-service on her scans: what she sees, cancelling up to the limit, moving into a free
slot inside the window (with consent for the early scan), change requests, what she
reports once, the interpreter; every read and write audited, changes confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.people.models import Person
from services.ultrasound import consent, selfservice
from services.ultrasound.config import SelfServiceRules, set_rules
from services.ultrasound.consent import INFORMATION_VERSION
from services.ultrasound.gestation import WindowRules, WindowWarning, parse_window
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    ChangeReason,
    ChangeRequest,
    ConsentDecision,
    DueDateStatus,
    Service,
    Slot,
    SlotStatus,
)
from services.ultrasound.selfservice import (
    ActionRefusal,
    AlreadyCancelled,
    AppointmentNotFound,
    ChangeAlreadyRequested,
    ConsentMissing,
    DueDateUnknown,
    InvalidInput,
    NotChangeable,
    OutsideWindow,
    SlotNotFound,
    SlotNotSuitable,
    SlotTaken,
    TooLate,
)
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.ultrasound.factories import (
    DUE,
    make_appointment,
    make_schedule,
    make_slot,
    set_due_date,
    week,
)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def woman(hospital):
    person = make_person(given_name="Ingrid")
    set_due_date(person)
    return person


@pytest.fixture
def me(woman):
    return Actor.person(woman.id)


def consented(woman):
    consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                   information_version=INFORMATION_VERSION, actor=Actor.person(woman.id))
    db.session.commit()


def audited(person_id: int) -> list[tuple[str, str]]:
    return [(row.action, row.resource_type) for row in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_person_id == person_id,
                                    AuditEvent.resource_type != "Patient")
        .order_by(AuditEvent.id))]


@pytest.fixture
def confirmations(outbox_worker):
    """The notices decided for her: a worker decides them after her change commits."""

    def decided(person_id: int) -> list[str]:
        outbox_worker()
        return [row.event for row in db.session.scalars(
            sa.select(Notification).where(Notification.person_id == person_id))]

    return decided


# -- what she sees ---------------------------------------------------------------------

def test_her_scans_upcoming_first_then_past(woman, hospital, me):
    routine = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 2))
    early = make_appointment(woman, hospital, start=week(12))
    past = make_appointment(woman, hospital, start=T0 - timedelta(days=30),
                            status=AppointmentStatus.FULFILLED)
    older = make_appointment(woman, hospital, start=T0 - timedelta(days=60),
                             status=AppointmentStatus.NOSHOW)
    make_appointment(woman, hospital, start=week(12, 1),
                     status=AppointmentStatus.ENTERED_IN_ERROR)
    other = make_person(given_name="Ola")
    make_appointment(other, hospital, start=week(12))
    scans = selfservice.scans_of(person_id=woman.id, actor=me)
    assert [s.appointment.id for s in scans] == [early.id, routine.id, past.id, older.id]
    assert [s.is_upcoming for s in scans] == [True, True, False, False]
    assert audited(woman.id) == [("search", "Appointment")]


def test_a_scan_carries_its_window_and_warnings(woman, hospital, me):
    inside = make_appointment(woman, hospital, start=week(12))
    late = make_appointment(woman, hospital, Service.ROUTINE, start=week(17, 3))
    first, second = selfservice.scans_of(person_id=woman.id, actor=me)
    assert first.appointment.id == inside.id
    assert str(first.check.window) == "11+0–13+6" and first.check.warnings == ()
    assert str(first.check.age_today) == "10+0" and str(first.check.age_booked) == "12+0"
    assert first.due_date == DUE
    # St. Olavs books the routine scan from 18+0 (the default configuration).
    assert second.appointment.id == late.id
    assert str(second.check.window) == "18+0–19+6"
    assert second.check.warnings == (WindowWarning.TOO_EARLY,)


def test_no_due_date_no_checks(hospital, me):
    person = make_person(given_name="Siri")
    make_appointment(person, hospital, start=week(15))
    [scan] = selfservice.scans_of(person_id=person.id, actor=Actor.person(person.id))
    assert scan.check is None and scan.due_date is None


def test_the_newest_due_date_not_in_error_is_used(woman, hospital, me):
    set_due_date(woman, DUE + timedelta(days=7), effective_at=T0 - timedelta(days=1))
    set_due_date(woman, DUE + timedelta(days=70), effective_at=T0,
                 status=DueDateStatus.ENTERED_IN_ERROR)
    assert selfservice.current_due_date(person_id=woman.id) == DUE + timedelta(days=7)


def test_an_early_scan_without_consent_needs_it(woman, hospital, me):
    make_appointment(woman, hospital, start=week(12))
    make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 2))
    assert [s.needs_consent for s in selfservice.scans_of(person_id=woman.id, actor=me)] == \
        [True, False]
    consented(woman)
    assert [s.needs_consent for s in selfservice.scans_of(person_id=woman.id, actor=me)] == \
        [False, False]


def test_someone_elses_scan_is_not_found(woman, hospital, me):
    other = make_person(given_name="Ola")
    theirs = make_appointment(other, hospital, start=week(12))
    with pytest.raises(AppointmentNotFound):
        selfservice.scan_of(appointment_id=theirs.id, person_id=woman.id, actor=me)
    erroneous = make_appointment(woman, hospital, status=AppointmentStatus.ENTERED_IN_ERROR)
    with pytest.raises(AppointmentNotFound):
        selfservice.scan_of(appointment_id=erroneous.id, person_id=woman.id, actor=me)
    with pytest.raises(AppointmentNotFound):
        selfservice.scan_of(appointment_id=999999, person_id=woman.id, actor=me)


def test_reading_one_scan_is_audited_with_the_representative(woman, hospital):
    appointment = make_appointment(woman, hospital, start=week(12))
    parent = make_person(given_name="Mor")
    selfservice.scan_of(appointment_id=appointment.id, person_id=woman.id,
                        actor=Actor.person(parent.id, on_behalf_of=woman.id))
    row = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == woman.id, AuditEvent.action == "read")).one()
    assert (row.resource_type, row.resource_id, row.actor_id, row.on_behalf_of_person_id) == (
        "Appointment", str(appointment.id), str(parent.id), woman.id)


# -- cancelling ------------------------------------------------------------------------

def test_cancel_with_a_reason_frees_the_slot(woman, hospital, me, confirmations):
    schedule = make_schedule(hospital)
    slot = make_slot(schedule, week(12))
    appointment = make_appointment(woman, hospital, start=week(12), slot=slot)
    selfservice.cancel(appointment_id=appointment.id, person_id=woman.id,
                       reason="  Jeg er  på reise ", actor=me)
    db.session.commit()
    db.session.refresh(appointment)
    db.session.refresh(slot)
    assert (appointment.status, appointment.cancelled_by, appointment.cancelled_at,
            appointment.cancel_reason, appointment.slot_id) == (
        AppointmentStatus.CANCELLED, CancelledBy.CITIZEN, T0, "Jeg er på reise", None)
    assert (slot.status, slot.appointment_id) == (SlotStatus.FREE, None)
    assert ("update", "Appointment") in audited(woman.id)
    assert confirmations(woman.id) == ["ultrasound.change-registered"]


@pytest.mark.parametrize(("before_start", "allowed"), [
    (timedelta(hours=24, seconds=1), True),
    (timedelta(hours=24), True),
    (timedelta(hours=24) - timedelta(seconds=1), False),
    (timedelta(minutes=5), False),
])
def test_cancel_up_to_the_configured_time_before(woman, hospital, me, before_start, allowed):
    appointment = make_appointment(woman, hospital, start=T0 + before_start)
    if allowed:
        selfservice.cancel(appointment_id=appointment.id, person_id=woman.id, reason="x",
                           actor=me)
        assert appointment.status is AppointmentStatus.CANCELLED
    else:
        with pytest.raises(TooLate):
            selfservice.cancel(appointment_id=appointment.id, person_id=woman.id,
                               reason="x", actor=me)
        db.session.refresh(appointment)
        assert appointment.status is AppointmentStatus.BOOKED


def test_the_limit_is_configurable(woman, hospital, me):
    set_rules(SelfServiceRules(cancel_before=timedelta(hours=2)))
    appointment = make_appointment(woman, hospital, start=T0 + timedelta(hours=3))
    selfservice.cancel(appointment_id=appointment.id, person_id=woman.id, reason="x",
                       actor=me)
    assert appointment.status is AppointmentStatus.CANCELLED


def test_refusals_to_cancel(woman, hospital, me, confirmations):
    cancelled = make_appointment(woman, hospital, status=AppointmentStatus.CANCELLED)
    past = make_appointment(woman, hospital, start=T0 - timedelta(hours=1))
    fulfilled = make_appointment(woman, hospital, start=T0 - timedelta(days=3),
                                 status=AppointmentStatus.FULFILLED)
    booked = make_appointment(woman, hospital, start=week(12))
    with pytest.raises(AlreadyCancelled):
        selfservice.cancel(appointment_id=cancelled.id, person_id=woman.id, reason="x",
                           actor=me)
    for appointment in (past, fulfilled):
        with pytest.raises(NotChangeable):
            selfservice.cancel(appointment_id=appointment.id, person_id=woman.id,
                               reason="x", actor=me)
    for reason in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInput):
            selfservice.cancel(appointment_id=booked.id, person_id=woman.id, reason=reason,
                               actor=me)
    assert booked.status is AppointmentStatus.BOOKED
    assert confirmations(woman.id) == []


@pytest.mark.parametrize(("start", "status", "refusal"), [
    (timedelta(days=3), AppointmentStatus.BOOKED, None),
    (timedelta(hours=23), AppointmentStatus.BOOKED, ActionRefusal.TOO_LATE),
    (timedelta(hours=-1), AppointmentStatus.BOOKED, ActionRefusal.OVER),
    (timedelta(days=3), AppointmentStatus.CANCELLED, ActionRefusal.CANCELLED),
    (timedelta(days=-3), AppointmentStatus.FULFILLED, ActionRefusal.OVER),
])
def test_what_she_may_do_is_shown(woman, hospital, me, start, status, refusal):
    make_appointment(woman, hospital, start=T0 + start, status=status)
    [scan] = selfservice.scans_of(person_id=woman.id, actor=me)
    assert scan.refusal is refusal


# -- moving ----------------------------------------------------------------------------

@pytest.fixture
def early_booking(woman, hospital):
    schedule = make_schedule(hospital)
    slot = make_slot(schedule, week(12))
    return make_appointment(woman, hospital, start=week(12), slot=slot), schedule, slot


def test_free_slots_are_the_same_service_and_hospital_inside_the_window(
        woman, hospital, me, early_booking):
    consented(woman)
    appointment, schedule, _ = early_booking
    before = make_slot(schedule, week(10, 6, hour=15))
    first = make_slot(schedule, week(11, 0, hour=8))
    last = make_slot(schedule, week(13, 6, hour=15))
    make_slot(schedule, week(14, 0, hour=8))
    make_slot(schedule, week(12, 2), status=SlotStatus.BUSY)
    make_slot(make_schedule(hospital, Service.ROUTINE), week(12, 3))
    make_slot(make_schedule(hospital, active=False), week(12, 3))
    elsewhere = make_organisation("Helse Møre og Romsdal HF", "997005562")
    make_slot(make_schedule(elsewhere), week(12, 3))
    slots = selfservice.free_slots(appointment_id=appointment.id, person_id=woman.id,
                                   actor=me)
    assert [s.id for s in slots] == [first.id, last.id]
    assert before.id not in [s.id for s in slots]
    assert ("search", "Slot") in audited(woman.id)


def test_free_slots_not_before_the_limit(woman, hospital, me, early_booking, frozen_clock):
    consented(woman)
    appointment, schedule, _ = early_booking
    frozen_clock.move_to(week(11, 0, hour=9))
    too_soon = make_slot(schedule, week(11, 1, hour=9))
    in_time = make_slot(schedule, week(11, 1, hour=9, minute=1))
    assert [s.id for s in selfservice.free_slots(appointment_id=appointment.id,
                                                 person_id=woman.id, actor=me)] == \
        [in_time.id]
    assert too_soon


def test_rebook_moves_her_into_the_slot_and_frees_the_old_one(
        woman, hospital, me, early_booking, confirmations):
    consented(woman)
    appointment, _schedule, old = early_booking
    new_schedule = make_schedule(hospital, location_name="Ultralyd, Øya helsehus",
                                 location_address_line="Olav Kyrres gate 17")
    new = make_slot(new_schedule, week(13, 1, hour=13), minutes=45)
    woman.interpreter_language = "so"
    db.session.commit()
    version = appointment.version_id
    selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=new.id,
                       actor=me)
    db.session.commit()
    for row in (appointment, old, new):
        db.session.refresh(row)
    assert (appointment.start, appointment.end, appointment.slot_id) == (
        new.start, new.start + timedelta(minutes=45), new.id)
    assert (appointment.location_name, appointment.location_address_line) == (
        "Ultralyd, Øya helsehus", "Olav Kyrres gate 17")
    assert appointment.interpreter_language == "so"
    assert appointment.status is AppointmentStatus.BOOKED
    assert appointment.version_id > version
    assert (old.status, old.appointment_id) == (SlotStatus.FREE, None)
    assert (new.status, new.appointment_id) == (SlotStatus.BUSY, appointment.id)
    assert confirmations(woman.id) == ["ultrasound.change-registered"]


def test_rebook_without_a_slot_before(woman, hospital, me):
    appointment = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 1))
    new = make_slot(make_schedule(hospital, Service.ROUTINE), week(19, 2))
    selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=new.id,
                       actor=me)
    assert appointment.slot_id == new.id


@pytest.mark.parametrize(("weeks", "days", "fits"), [
    (17, 6, False), (18, 0, True), (19, 6, True), (20, 0, False),
])
def test_rebook_inside_st_olavs_routine_window_only(woman, hospital, me, weeks, days, fits):
    appointment = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 3))
    slot = make_slot(make_schedule(hospital, Service.ROUTINE), week(weeks, days))
    if fits:
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)
        assert appointment.slot_id == slot.id
    else:
        with pytest.raises(OutsideWindow):
            selfservice.rebook(appointment_id=appointment.id, person_id=woman.id,
                               slot_id=slot.id, actor=me)
        db.session.refresh(slot)
        assert slot.status is SlotStatus.FREE


def test_window_edges_are_oslo_days(woman, hospital, me):
    # 23:30 Oslo on the last day (21:30 UTC) is still inside; 00:10 the next day is not.
    appointment = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 3))
    schedule = make_schedule(hospital, Service.ROUTINE)
    late_evening = make_slot(schedule, week(19, 6, hour=23, minute=30))
    after_midnight = make_slot(schedule, week(20, 0, hour=0, minute=10))
    slots = selfservice.free_slots(appointment_id=appointment.id, person_id=woman.id,
                                   actor=me)
    assert [s.id for s in slots] == [late_evening.id]
    with pytest.raises(OutsideWindow):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id,
                           slot_id=after_midnight.id, actor=me)


def test_a_hospital_without_its_own_window_books_nationally(woman, me):
    elsewhere = make_organisation("Helse Nord-Trøndelag HF", "983974791")
    appointment = make_appointment(woman, elsewhere, Service.ROUTINE, start=week(18, 3))
    slot = make_slot(make_schedule(elsewhere, Service.ROUTINE), week(17, 0))
    selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                       actor=me)
    assert appointment.slot_id == slot.id


def test_a_unit_under_st_olavs_has_its_window(woman, me):
    from services.people.service import add_organisation

    trust = make_organisation()
    unit = add_organisation(name="Kvinneklinikken", org_number="974749025", parent=trust)
    db.session.commit()
    appointment = make_appointment(woman, unit, Service.ROUTINE, start=week(18, 3))
    slot = make_slot(make_schedule(unit, Service.ROUTINE), week(17, 3))
    with pytest.raises(OutsideWindow):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)


def test_the_early_scan_needs_consent_to_be_moved(woman, hospital, me, early_booking):
    appointment, schedule, old = early_booking
    slot = make_slot(schedule, week(12, 3))
    with pytest.raises(ConsentMissing):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)
    with pytest.raises(ConsentMissing):
        selfservice.free_slots(appointment_id=appointment.id, person_id=woman.id, actor=me)
    consent.decide(person_id=woman.id, decision=ConsentDecision.REFUSED,
                   information_version=INFORMATION_VERSION, actor=me)
    with pytest.raises(ConsentMissing):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)
    db.session.refresh(old)
    assert old.appointment_id == appointment.id
    # Cancelling needs no consent: she may always say no.
    selfservice.cancel(appointment_id=appointment.id, person_id=woman.id, reason="Nei takk",
                       actor=me)


def test_no_due_date_no_self_booking(hospital):
    person = make_person(given_name="Siri")
    appointment = make_appointment(person, hospital, Service.ROUTINE, start=week(18, 3))
    slot = make_slot(make_schedule(hospital, Service.ROUTINE), week(18, 5))
    with pytest.raises(DueDateUnknown):
        selfservice.rebook(appointment_id=appointment.id, person_id=person.id,
                           slot_id=slot.id, actor=Actor.person(person.id))
    with pytest.raises(DueDateUnknown):
        selfservice.free_slots(appointment_id=appointment.id, person_id=person.id,
                               actor=Actor.person(person.id))


def test_refusals_to_rebook(woman, hospital, me, early_booking, confirmations):
    consented(woman)
    appointment, schedule, old = early_booking
    taken = make_slot(schedule, week(12, 3))
    someone = make_appointment(make_person(given_name="Ola"), hospital, start=week(12, 3),
                               slot=taken)
    routine = make_slot(make_schedule(hospital, Service.ROUTINE), week(12, 3))
    other_hospital = make_slot(make_schedule(make_organisation("Helse Nord-Trøndelag HF",
                                                               "983974791")), week(12, 3))
    closed = make_slot(make_schedule(hospital, active=False), week(12, 3))
    unavailable = make_slot(schedule, week(12, 4), status=SlotStatus.BUSY_UNAVAILABLE)
    for slot_id, error in ((999999, SlotNotFound), (taken.id, SlotTaken),
                           (unavailable.id, SlotTaken), (routine.id, SlotNotSuitable),
                           (other_hospital.id, SlotNotSuitable), (closed.id, SlotNotSuitable)):
        with pytest.raises(error):
            selfservice.rebook(appointment_id=appointment.id, person_id=woman.id,
                               slot_id=slot_id, actor=me)
    db.session.refresh(old)
    db.session.refresh(taken)
    assert old.appointment_id == appointment.id and appointment.slot_id == old.id
    assert taken.appointment_id == someone.id
    assert confirmations(woman.id) == []


def test_a_slot_claimed_in_between_leaves_everything_as_it_was(
        woman, hospital, me, early_booking, monkeypatch):
    """The conditional UPDATE is what decides: a slot taken after the checks read it."""
    consented(woman)
    appointment, schedule, old = early_booking
    slot = make_slot(schedule, week(12, 3))
    someone = make_appointment(make_person(given_name="Ola"), hospital, start=week(13))
    real_release = selfservice._release_slot

    def release_then_lose_the_race(booking):
        real_release(booking)
        db.session.execute(sa.update(Slot).where(Slot.id == slot.id).values(
            status=SlotStatus.BUSY, appointment_id=someone.id))

    monkeypatch.setattr(selfservice, "_release_slot", release_then_lose_the_race)
    with pytest.raises(SlotTaken):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)
    db.session.refresh(old)
    db.session.refresh(appointment)
    assert old.appointment_id == appointment.id and old.status is SlotStatus.BUSY
    assert appointment.slot_id == old.id and appointment.start == week(12)


def test_rebook_refused_too_close_to_the_start(woman, hospital, me, early_booking):
    consented(woman)
    appointment, schedule, _ = early_booking
    soon = make_slot(schedule, T0 + timedelta(hours=23))
    with pytest.raises(SlotNotSuitable):
        selfservice.rebook(appointment_id=appointment.id, person_id=woman.id, slot_id=soon.id,
                           actor=me)
    near = make_appointment(woman, hospital, start=T0 + timedelta(hours=20))
    later = make_slot(schedule, week(12, 4))
    with pytest.raises(TooLate):
        selfservice.rebook(appointment_id=near.id, person_id=woman.id, slot_id=later.id,
                           actor=me)


def test_rebook_someone_elses_appointment_is_not_found(woman, hospital, me):
    other = make_person(given_name="Ola")
    theirs = make_appointment(other, hospital, Service.ROUTINE, start=week(18, 3))
    slot = make_slot(make_schedule(hospital, Service.ROUTINE), week(18, 5))
    with pytest.raises(AppointmentNotFound):
        selfservice.rebook(appointment_id=theirs.id, person_id=woman.id, slot_id=slot.id,
                           actor=me)


# -- change requests -------------------------------------------------------------------

def test_a_change_request(woman, hospital, me, confirmations):
    appointment = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 3))
    request = selfservice.request_change(
        appointment_id=appointment.id, person_id=woman.id,
        reason=ChangeReason.NO_FITTING_SLOT, reason_text=" Jobber  skift ", wants_call=True,
        actor=me)
    db.session.commit()
    stored = db.session.get(ChangeRequest, request.id)
    assert (stored.reason, stored.reason_text, stored.wants_call, stored.created_at) == (
        ChangeReason.NO_FITTING_SLOT, "Jobber skift", True, T0)
    assert ("create", "ChangeRequest") in audited(woman.id)
    assert confirmations(woman.id) == ["ultrasound.change-registered"]
    [scan] = selfservice.scans_of(person_id=woman.id, actor=me)
    assert scan.change_requested
    with pytest.raises(ChangeAlreadyRequested):
        selfservice.request_change(appointment_id=appointment.id, person_id=woman.id,
                                   reason="other", reason_text=None, wants_call=False,
                                   actor=me)


def test_change_request_refusals(woman, hospital, me):
    booked = make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 3))
    cancelled = make_appointment(woman, hospital, status=AppointmentStatus.CANCELLED)
    past = make_appointment(woman, hospital, start=T0 - timedelta(minutes=1))
    for reason in ("sms_call_me", "bored", ""):
        with pytest.raises(InvalidInput):
            selfservice.request_change(appointment_id=booked.id, person_id=woman.id,
                                       reason=reason, reason_text=None, wants_call=False,
                                       actor=me)
    with pytest.raises(InvalidInput):
        selfservice.request_change(appointment_id=booked.id, person_id=woman.id,
                                   reason="other", reason_text="x" * 201, wants_call=False,
                                   actor=me)
    with pytest.raises(AlreadyCancelled):
        selfservice.request_change(appointment_id=cancelled.id, person_id=woman.id,
                                   reason="other", reason_text=None, wants_call=False,
                                   actor=me)
    with pytest.raises(NotChangeable):
        selfservice.request_change(appointment_id=past.id, person_id=woman.id,
                                   reason="other", reason_text=None, wants_call=False,
                                   actor=me)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 0


# -- what she reports once -------------------------------------------------------------

def test_twins_and_special_needs_are_reported_once_and_may_be_corrected(woman, me,
                                                                       frozen_clock):
    assert selfservice.report_of(person_id=woman.id, actor=me) is None
    selfservice.report_pregnancy(person_id=woman.id, twins=True, special_needs="Rullestol",
                                 actor=me)
    frozen_clock.shift(timedelta(days=1))
    report = selfservice.report_pregnancy(person_id=woman.id, twins=False,
                                          special_needs=" ", actor=me)
    assert (report.twins, report.special_needs, report.reported_at, report.updated_at) == (
        False, None, T0, T0 + timedelta(days=1))
    assert selfservice.report_of(person_id=woman.id, actor=me).twins is False
    assert audited(woman.id).count(("update", "PregnancyReport")) == 2
    with pytest.raises(InvalidInput):
        selfservice.report_pregnancy(person_id=woman.id, twins=None,
                                     special_needs="x" * 501, actor=me)


def test_the_interpreter_is_recorded_once_and_carried_onto_coming_bookings(
        woman, hospital, me):
    coming = make_appointment(woman, hospital, start=week(12))
    past = make_appointment(woman, hospital, start=T0 - timedelta(days=1),
                            status=AppointmentStatus.FULFILLED)
    cancelled = make_appointment(woman, hospital, start=week(12, 2),
                                 status=AppointmentStatus.CANCELLED)
    selfservice.set_interpreter(person_id=woman.id, language="ti", actor=me)
    db.session.commit()
    assert db.session.get(Person, woman.id).interpreter_language == "ti"
    assert [db.session.get(Appointment, a.id).interpreter_language
            for a in (coming, past, cancelled)] == ["ti", None, None]
    row = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == woman.id, AuditEvent.reason == "interpreter")).one()
    assert row.resource_type == "Patient"
    selfservice.set_interpreter(person_id=woman.id, language=None, actor=me)
    assert db.session.get(Appointment, coming.id).interpreter_language is None
    for code in ("xx", "norsk", "", "TI"):
        with pytest.raises(InvalidInput):
            selfservice.set_interpreter(person_id=woman.id, language=code, actor=me)


def test_interpreter_languages_are_named_in_her_language():
    assert selfservice.interpreter_languages("nb")["so"] == "somali"
    assert selfservice.interpreter_languages("en")["ti"] == "Tigrinya"
    assert selfservice.interpreter_languages("nn")["ar"] == "arabisk"


def test_configured_windows_replace_the_default(woman, hospital, me):
    set_rules(SelfServiceRules(windows=WindowRules(
        by_organisation={hospital.org_number: {"early": parse_window("12+0-13+6")}})))
    make_appointment(woman, hospital, start=week(11, 3))
    [scan] = selfservice.scans_of(person_id=woman.id, actor=me)
    assert scan.check.warnings == (WindowWarning.TOO_EARLY,)
