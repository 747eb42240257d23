"""Reminders before a scan, and her answer to the reminder SMS.

The reminder goes ``reminder_hours`` before the start (ULTRASOUND_REMINDER_HOURS, default
48), once per start time: a moved appointment is reminded of again. Where SMS
confirmation is on and the reminder goes by SMS, the SMS asks her to answer "JA" (the
appointment is confirmed) or "RING" (a change request: the clinic calls her), and a
conversation waits for her answer until the appointment starts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from services import audit
from services.actors import Actor, ActorKind
from services.clock import NORWAY
from services.db import db
from services.notify.addresses import InvalidNumber, normalise_mobile
from services.notify.contacts import resolve_many
from services.notify.inbound import (
    Waiting,
    close_conversation,
    close_conversations,
    open_conversations,
    reply_handler,
)
from services.notify.krr import KrrUnavailable
from services.notify.models import Conversation, NotificationSettings
from services.notify.service import Request, goes_by_sms, notify_many
from services.notify.settings import language_of
from services.people.models import Person
from services.ultrasound.config import reminder_settings
from services.ultrasound.events import APPOINTMENT_REMINDER
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    ChangeReason,
    ChangeRequest,
)

log = logging.getLogger(__name__)

REMINDER_ACTOR = Actor.system("ultrasound-reminders")
CONVERSATION_KIND = "ultrasound.confirm"
#: Appointments reminded of together: one query for them, their notices decided by one
#: ``notify_many``, one UPDATE marking them, their conversations in one INSERT.
BATCH = 500
#: Her answers, after trimming, upper-casing and dropping a full stop or exclamation mark.
CONFIRM_WORDS = frozenset({"JA"})
CALL_WORDS = frozenset({"RING", "RING MEG", "RING MEG OPP", "CALL", "CALL ME"})

REPLIES = {
    "nb": {"confirmed": "Takk, timen er bekreftet.",
           "call": "Takk, vi ringer deg for å finne en ny tid.",
           "unclear": "Svar JA for å bekrefte timen, eller RING hvis du vil at vi ringer deg.",
           "gone": "Denne timen kan ikke bekreftes lenger. Logg inn på helsenorge.no for å "
                   "se timene dine."},
    "nn": {"confirmed": "Takk, timen er stadfesta.",
           "call": "Takk, vi ringjer deg for å finne ei ny tid.",
           "unclear": "Svar JA for å stadfeste timen, eller RING om du vil at vi ringjer deg.",
           "gone": "Denne timen kan ikkje stadfestast lenger. Logg inn på helsenorge.no for "
                   "å sjå timane dine."},
    "en": {"confirmed": "Thank you, the appointment is confirmed.",
           "call": "Thank you, we will call you to find a new time.",
           "unclear": "Reply JA to confirm the appointment, or RING if you would like us to "
                      "call you.",
           "gone": "This appointment can no longer be confirmed. Log in at helsenorge.no to "
                   "see your appointments."},
}


def reminder_key(appointment: Appointment, *, hours: int) -> str:
    """The notice's idempotency key: one reminder per appointment and start time."""
    start = appointment.start.strftime("%Y%m%dT%H%MZ")
    return f"appointment:{appointment.id}:reminder-{hours}h:{start}"


def send_due_reminders(*, now: datetime) -> int:
    """Remind of every booked appointment starting within the reminder time that has not
    been reminded of for its current start, :data:`BATCH` at a time, soonest first; how
    many."""
    settings = reminder_settings()
    due = sa.and_(Appointment.status == AppointmentStatus.BOOKED,
                  Appointment.start > now,
                  Appointment.start <= now + timedelta(hours=settings.reminder_hours),
                  sa.or_(Appointment.reminded_for_start.is_(None),
                         Appointment.reminded_for_start != Appointment.start))
    after = sa.true()
    sent = 0
    while batch := db.session.scalars(
            sa.select(Appointment).where(due, after)
            .order_by(Appointment.start, Appointment.id).limit(BATCH)).all():
        send_reminders(batch, hours=settings.reminder_hours,
                       confirm_by_sms=settings.sms_confirmation)
        sent += len(batch)
        last = batch[-1]
        after = sa.or_(Appointment.start > last.start,
                       sa.and_(Appointment.start == last.start, Appointment.id > last.id))
    return sent


def send_reminders(appointments: Sequence[Appointment], *, hours: int,
                   confirm_by_sms: bool) -> None:
    """Remind of each of ``appointments``: their notices decided together, marked reminded
    of for their start, and a conversation waiting for "JA" or "RING" where SMS
    confirmation is on and the reminder goes by SMS."""
    decided = notify_many(requests=[
        _request(appointment, hours=hours, confirm_by_sms=confirm_by_sms)
        for appointment in appointments], actor=REMINDER_ACTOR)
    # Not the unit of work: the row's version is the FHIR versionId, and noting that a
    # reminder went is no change to the appointment (a hospital's If-Match still holds).
    # The start each was reminded of, not the column: one moved since it was read is
    # reminded of again.
    reminded_of = sa.case({a.id: sa.literal(a.start, Appointment.start.type)
                           for a in appointments}, value=Appointment.id)
    db.session.execute(
        sa.update(Appointment).where(Appointment.id.in_([a.id for a in appointments]))
        .values(reminded_for_start=reminded_of, updated_at=Appointment.updated_at)
        .execution_options(synchronize_session=False))
    for appointment in appointments:
        db.session.expire(appointment, ["reminded_for_start"])
    if confirm_by_sms:
        _wait_for_answers([appointment for appointment, notices
                           in zip(appointments, decided, strict=True) if goes_by_sms(notices)])


def _request(appointment: Appointment, *, hours: int, confirm_by_sms: bool) -> Request:
    local = appointment.start.astimezone(NORWAY)
    return Request(person_id=appointment.person_id, event=APPOINTMENT_REMINDER.name,
                   key=reminder_key(appointment, hours=hours),
                   context={"day": local.strftime("%d.%m.%Y"), "time": local.strftime("%H:%M"),
                            "confirm_by_sms": confirm_by_sms},
                   organisation_id=appointment.organisation_id)


def _wait_for_answers(appointments: Sequence[Appointment]) -> None:
    """A conversation for each, with the number her reminder goes to now; an earlier one
    about the same appointment is closed."""
    if not appointments:
        return
    person_ids = {a.person_id for a in appointments}
    people = db.session.scalars(sa.select(Person).where(Person.id.in_(person_ids))).all()
    own = {s.person_id: s for s in db.session.scalars(
        sa.select(NotificationSettings).where(NotificationSettings.person_id.in_(person_ids)))}
    try:
        contacts = resolve_many(people, own)
    except KrrUnavailable:
        log.info("reminders without a conversation: KRR did not answer")
        return
    waiting = []
    for appointment in appointments:
        try:
            phone = normalise_mobile(contacts[appointment.person_id].mobile or "")
        except InvalidNumber:
            log.info("reminder without a conversation: no number known now")
            continue
        waiting.append(Waiting(person_id=appointment.person_id, phone=phone,
                               ref=_ref(appointment), expires_at=appointment.start))
    close_conversations(kind=CONVERSATION_KIND, refs=[w.ref for w in waiting])
    open_conversations(kind=CONVERSATION_KIND, waiting=waiting)


def _ref(appointment: Appointment) -> str:
    return f"appointment:{appointment.id}"


def normalised_answer(body: str) -> str:
    return re.sub(r"\s+", " ", body).strip().rstrip(".!").strip().upper()


@reply_handler(CONVERSATION_KIND)
def answer(*, conversation: Conversation, body: str, now: datetime) -> str:
    """Her reply to the reminder SMS: "JA" confirms, "RING" asks the clinic to call."""
    person = db.session.get(Person, conversation.person_id)
    replies = REPLIES[language_of(person, None)] if person else REPLIES["nb"]
    appointment = _appointment_of(conversation)
    if (appointment is None or appointment.status is not AppointmentStatus.BOOKED
            or appointment.start <= now):
        close_conversation(kind=CONVERSATION_KIND, ref=conversation.ref, now=now)
        return replies["gone"]
    actor = Actor(ActorKind.SYSTEM, "sms-inbound", on_behalf_of=appointment.person_id)
    word = normalised_answer(body)
    if word in CONFIRM_WORDS:
        if appointment.confirmed_at is None:
            appointment.confirmed_at = now
            db.session.flush()
        audit.record(actor=actor, action="update", resource_type="Appointment",
                     resource_id=appointment.id, subject_person_id=appointment.person_id,
                     purpose="self-service", reason="confirmed by SMS")
        close_conversation(kind=CONVERSATION_KIND, ref=conversation.ref, now=now)
        return replies["confirmed"]
    if word in CALL_WORDS:
        request = ChangeRequest(appointment_id=appointment.id, person_id=appointment.person_id,
                                reason=ChangeReason.SMS_CALL_ME, wants_call=True,
                                created_at=now)
        db.session.add(request)
        db.session.flush()
        audit.record(actor=actor, action="create", resource_type="ChangeRequest",
                     resource_id=request.id, subject_person_id=appointment.person_id,
                     purpose="self-service", reason="asked by SMS to be called")
        close_conversation(kind=CONVERSATION_KIND, ref=conversation.ref, now=now)
        return replies["call"]
    return replies["unclear"]


def _appointment_of(conversation: Conversation) -> Appointment | None:
    kind, _, raw = conversation.ref.partition(":")
    if kind != "appointment" or not raw.isdigit():
        return None
    appointment = db.session.get(Appointment, int(raw))
    if appointment is None or appointment.person_id != conversation.person_id:
        return None
    return appointment
