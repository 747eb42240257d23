"""An appointment as a calendar file (.ics, RFC 5545): time and place, nothing else.

A calendar entry is seen by whoever shares her calendar, synced to phones and watches and
read aloud by assistants, so it says when and where and who to see — the health trust's
name, as notices do (``services.notify.content.sender_name``) — and never the scan, the
unit (its name can say what it treats) or anything about the pregnancy. The place is the
street address; the location's *name* is left out for the same reason as the unit's.

Times are UTC (``DTSTART:20261017T073000Z``): every calendar shows them in its own zone,
which for her is the wall-clock time the hospital booked, on either side of a clock change.
``TZID=Europe/Oslo`` was the alternative, but a local time in the hour the autumn change
repeats (02:30) means its first showing (RFC 5545 §3.3.5), so the second could not be
written. The UID is the appointment's
own, so a file downloaded again after a change updates the entry instead of adding one
(``SEQUENCE`` counts the changes); a cancelled appointment is ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from services.clock import utcnow
from services.notify.content import DEFAULT_LANGUAGE, sender_name
from services.ultrasound.models import Appointment, AppointmentStatus

PRODID = "-//Min helse//Timeavtaler//NO"
CONTENT_TYPE = "text/calendar; charset=utf-8"

_SUMMARY = {
    "nb": ("Time hos {sender}", "Time på sykehuset"),
    "nn": ("Time hos {sender}", "Time på sjukehuset"),
    "en": ("Appointment at {sender}", "Hospital appointment"),
}


def uid_of(appointment: Appointment, *, host: str) -> str:
    """The entry's identity: the same for every file of this appointment."""
    return f"appointment-{appointment.id}@{host}"


def summary(appointment: Appointment, *, language: str) -> str:
    with_sender, without = _SUMMARY.get(language, _SUMMARY[DEFAULT_LANGUAGE])
    sender = sender_name(appointment.organisation)
    return with_sender.format(sender=sender) if sender else without


def place(appointment: Appointment) -> str | None:
    """The street address, as one line (``Prinsesse Kristinas gate 6, 7030 Trondheim``)."""
    town = " ".join(part for part in (appointment.location_postal_code,
                                      appointment.location_city) if part)
    parts = [part for part in (appointment.location_address_line, town) if part]
    return ", ".join(parts) or None


def appointment_calendar(appointment: Appointment, *, language: str, host: str,
                         now: datetime | None = None) -> bytes:
    """The .ics file of one appointment, in ``language`` (nb, nn, en)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid_of(appointment, host=host))
    event.add("dtstamp", now or utcnow())
    event.add("sequence", appointment.version_id - 1)
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", summary(appointment, language=language))
    where = place(appointment)
    if where:
        event.add("location", where)
    event.add("status", "CANCELLED" if appointment.status is AppointmentStatus.CANCELLED
              else "CONFIRMED")
    # Only her own calendar: not busy for anyone she shares it with is her choice to make.
    event.add("class", "PRIVATE")
    calendar.add_component(event)
    return calendar.to_ical()
