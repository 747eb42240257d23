"""What an appointment change means for the woman and for helsenorge.

Every change she should know of goes to helsenorge as an appointment message (whoever
made it); a change the hospital made is also a notice to her through ``notify`` (one she
made herself needs none). Changes to scans already past are history: nobody is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.actors import Actor
from services.clock import utcnow
from services.notify.inbound import close_conversation
from services.notify.service import notify
from services.ultrasound import events, helsenorge
from services.ultrasound.models import Appointment, AppointmentStatus
from services.ultrasound.reminders import CONVERSATION_KIND

#: Statuses after which the appointment takes no time: its slot is free again.
ENDED = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.ENTERED_IN_ERROR})


class Change(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    #: Entered in error: it never was. helsenorge removes it; she is not told of a
    #: cancellation that did not happen.
    WITHDRAWN = "withdrawn"


_NOTICE = {Change.NEW: events.APPOINTMENT_NEW, Change.CHANGED: events.APPOINTMENT_CHANGED,
           Change.CANCELLED: events.APPOINTMENT_CANCELLED}


@dataclass(frozen=True)
class Snapshot:
    """What she sees of an appointment: a change to any of it is a change for her."""

    status: AppointmentStatus
    start: datetime
    end: datetime
    place: tuple[str | None, ...]


def snapshot(appointment: Appointment) -> Snapshot:
    return Snapshot(status=appointment.status, start=appointment.start, end=appointment.end,
                    place=(appointment.location_name, appointment.location_address_line,
                           appointment.location_postal_code, appointment.location_city))


def what_changed(before: Snapshot | None, after: Snapshot) -> Change | None:
    """The change from ``before`` (None: just created) to ``after``, if it is one for her."""
    booked = AppointmentStatus.BOOKED
    if before is None or before.status is not booked:
        return Change.NEW if after.status is booked else None
    if after.status is booked:
        same = (before.start, before.end, before.place) == (after.start, after.end, after.place)
        return None if same else Change.CHANGED
    if after.status is AppointmentStatus.CANCELLED:
        return Change.CANCELLED
    if after.status is AppointmentStatus.ENTERED_IN_ERROR:
        return Change.WITHDRAWN
    return None  # fulfilled or noshow: the scan's time has come and gone


def announce(*, appointment: Appointment, before: Snapshot | None, actor: Actor,
             by_hospital: bool) -> Change | None:
    """Tell helsenorge (and, for the hospital's changes, her) about the change, if any.
    Call after the change is flushed; the messages leave after the commit."""
    after = snapshot(appointment)
    change = what_changed(before, after)
    if change is None:
        return None
    concerns = max(after.start, before.start) if before is not None else after.start
    if concerns <= utcnow():
        return change
    helsenorge.queue_appointment_message(appointment=appointment, change=change.value)
    if change is not Change.NEW:
        # A "JA" to the reminder of the old time must not confirm the new one.
        close_conversation(kind=CONVERSATION_KIND, ref=f"appointment:{appointment.id}")
    if by_hospital and change in _NOTICE:
        notify(person_id=appointment.person_id, event=_NOTICE[change].name, context={},
               actor=actor, organisation_id=appointment.organisation_id,
               key=f"appointment:{appointment.id}:{change.value}:v{appointment.version_id}")
    return change
