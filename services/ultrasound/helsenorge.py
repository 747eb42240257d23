"""Appointment messages to helsenorge: each change goes out through the helsenorge gateway
as an ``Avtale`` of the DIALOG_INNBYGGER_TIMERESERVASJON process, carrying the
appointment as iCalendar (``services.ultrasound.calendar``).

The outbox row holds only the appointment's id and what changed. The message is built
when it is sent: the woman's identity number, which helsenorge needs to put it in her
Min helse, is read from the vault then and never stored in the outbox (as an SMS's number
is looked up when it leaves). A message built later than the change shows the
appointment as it is by then, which is what helsenorge should show.

Our payload is a small XML document standing in for Dialogmelding 1.1's envelope around
the iCalendar part (the real process wraps it in a signed, encrypted MsgHead).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from services.db import db
from services.helsenorge.service import deliver_envelope
from services.notify.settings import language_of
from services.outbox import PermanentFailure, enqueue, sender
from services.people.identity import DNR_SYSTEM, FNR_SYSTEM
from services.people.service import national_id_of
from services.ultrasound import calendar
from services.ultrasound.config import reminder_settings
from services.ultrasound.models import Appointment

CHANNEL = "helsenorge-appointment"
MESSAGE_FUNCTION = "DIALOG_INNBYGGER_TIMERESERVASJON"
NAMESPACE = "urn:minhelse:helsenorge:avtale:1"
CONTENT_TYPE = "application/xml"


def queue_appointment_message(*, appointment: Appointment, change: str) -> None:
    """Queue the message for this version of the appointment (once per version)."""
    enqueue(channel=CHANNEL,
            dedupe_key=f"appointment:{appointment.id}:helsenorge:v{appointment.version_id}",
            payload={"appointment_id": appointment.id, "change": change,
                     "version": appointment.version_id})


def appointment_message(appointment: Appointment, *, change: str) -> str:
    """The ``Avtale`` document: who it is for, what changed, and the iCalendar entry."""
    person = appointment.person
    root = ET.Element("Avtale", xmlns=NAMESPACE)
    ET.SubElement(root, "Endring").text = change
    patient = ET.SubElement(root, "Pasient")
    system = FNR_SYSTEM if person.national_id_kind == "fnr" else DNR_SYSTEM
    ET.SubElement(patient, "Id", system=system).text = national_id_of(person)
    ET.SubElement(root, "AvtaleId", system=appointment.identifier_system).text = (
        appointment.identifier_value)
    ET.SubElement(root, "iCalendar").text = calendar.appointment_calendar(
        appointment, language=language_of(person, None),
        host=reminder_settings().calendar_host).decode()
    return ET.tostring(root, encoding="unicode")


@sender(CHANNEL)
def _deliver(payload: dict[str, Any], message_id: int) -> str:
    appointment = db.session.get(Appointment, payload["appointment_id"])
    if appointment is None:
        raise PermanentFailure("the appointment is gone")
    return deliver_envelope(
        message_function=MESSAGE_FUNCTION,
        payload=appointment_message(appointment, change=payload["change"]),
        correlation_id=f"ultrasound-appointment-{appointment.id}-v{payload['version']}",
        content_type=CONTENT_TYPE, outbox_message_id=message_id)
