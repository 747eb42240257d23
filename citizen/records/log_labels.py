"""What the access-log pages say for its codes: parties, roles, bases, actions, kinds of
information, purposes; and the period she filters by, read as people write dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from citizen.auth.current import person_label
from services.clock import NORWAY
from services.people.models import Role
from services.people.representation import Basis
from services.records.access_log import Entry, Who

_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def who_label(entry: Entry) -> str:
    if entry.who is Who.STAFF:
        return entry.name or _("A staff member")
    if entry.who in (Who.REPRESENTATIVE, Who.PERSON):
        return person_label(entry.person) if entry.person else _("A person")
    return entry.name or _("A system (%(id)s)", id=entry.client_id)


def role_label(role: Role) -> str:
    return {
        Role.RECORDS_OFFICER: _("Records officer"),
        Role.ULTRASOUND_CLINIC: _("Ultrasound clinic"),
        Role.INFECTION_CONTROL: _("Infection control"),
        Role.ADMIN: _("Administrator"),
    }.get(role, str(role))


def basis_label(basis: Basis | None) -> str:
    return {
        Basis.GUARDIAN: _("Parent, acting for you"),
        Basis.FULLMAKT: _("Holds a power of attorney (fullmakt) from you"),
    }.get(basis, _("Another person"))


def action_label(action: str) -> str:
    return {
        "read": _("Read"), "search": _("Looked up"), "match": _("Looked up"),
        "create": _("Added"), "update": _("Changed"), "delete": _("Deleted"),
        "export": _("Made a copy of"),
    }.get(action, action)


def resource_label(resource_type: str) -> str:
    return {
        "DocumentReference": _("a document in your record"),
        "Binary": _("the content of a document"),
        "AuditEvent": _("your access log"),
        "AccessQuestion": _("your question about the access log"),
        "Consent": _("your consents, blocks or powers of attorney"),
        "RecordExport": _("a copy of your record"),
        "Patient": _("your personal details"),
        "RelatedPerson": _("your family relations"),
        "Appointment": _("an appointment"),
        "Observation": _("your due date"),
        "EarlyScanConsent": _("your consent to the early ultrasound"),
        "ChangeRequest": _("your request for a new time"),
    }.get(resource_type, _("other information (%(type)s)", type=resource_type))


def purpose_label(purpose: str) -> str:
    return {
        "treatment": _("Treatment"),
        "self-service": _("Self-service on Min helse"),
        "system-integration": _("The hospital's system sent or fetched information"),
        "patient-administration": _("Patient administration"),
        "registration": _("Registration"),
        "appointments": _("Appointments"),
        "ultrasound-clinic": _("The ultrasound clinic's work"),
        "access-log": _("Showing the access log"),
        "access-log-question": _("Answering your question about the access log"),
        "quality-surveillance": _("Quality surveillance"),
    }.get(purpose, purpose)


def question_error(code: str) -> str:
    return {
        "too_long": _("Write at most 1000 characters."),
        "bad_characters": _("Remove the special characters from the text."),
        "already_open": _("You have already asked about this entry. The answer will come "
                          "here."),
        "no_organisation": _("This entry names no organisation you can ask. Ask the person "
                             "or service it names."),
    }.get(code, _("This could not be done."))


def parse_day(text: str) -> date | None:
    """A day as people write it (1.3.2026, 01.03.2026) or as a date field sends it
    (2026-03-01); None when it is not a day."""
    text = text.strip()
    try:
        if match := _DAY.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if len(text) == 10 and text.isascii():
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def day_starts(day: date) -> datetime:
    """The instant a Norwegian day begins."""
    return datetime.combine(day, time(), tzinfo=NORWAY)


def day_ends(day: date) -> datetime | None:
    """The instant after a Norwegian day (None past the calendar's end)."""
    return None if day == date.max else day_starts(day + timedelta(days=1))
