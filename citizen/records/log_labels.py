"""What the access-log pages say for its codes: parties, roles, bases, actions, kinds of
information, purposes; and the period she filters by, read as people write dates."""

from __future__ import annotations

import functools
from datetime import datetime

from babel.dates import get_month_names
from flask_babel import lazy_gettext as _l

from citizen.auth.current import person_label
from citizen.babel_cache import gettext as _
from citizen.i18n import current_language
from services.clock import NORWAY
from services.people.models import Role
from services.people.representation import Basis
from services.records.access_log import Entry, Who


def who_label(entry: Entry) -> str:
    if entry.who is Who.STAFF:
        return entry.name or _("A staff member")
    if entry.who in (Who.REPRESENTATIVE, Who.PERSON):
        return person_label(entry.person) if entry.person else _("A person")
    return entry.name or _("A system (%(id)s)", id=entry.client_id)


# Lazy texts, so that a label translates the one text it picks (a page of 50 entries
# asked for some 2,000 translations when each call built its whole table).
_ROLES = {
    Role.RECORDS_OFFICER: _l("Records officer"),
    Role.ULTRASOUND_CLINIC: _l("Ultrasound clinic"),
    Role.INFECTION_CONTROL: _l("Infection control"),
    Role.ADMIN: _l("Administrator"),
}
_BASES = {
    Basis.GUARDIAN: _l("Parent, acting for you"),
    Basis.FULLMAKT: _l("Holds a power of attorney (fullmakt) from you"),
}
_ACTIONS = {
    "read": _l("Viewed"), "search": _l("Looked up"), "match": _l("Looked up"),
    "create": _l("Added"), "update": _l("Changed"), "delete": _l("Deleted"),
    "export": _l("Made a copy of"),
}
_RESOURCES = {
    "DocumentReference": _l("a document in your record"),
    "Binary": _l("the content of a document"),
    "AuditEvent": _l("your access log"),
    "AccessQuestion": _l("your question about the access log"),
    "Consent": _l("your consents, blocks or powers of attorney"),
    "RecordExport": _l("a copy of your record"),
    "Patient": _l("your personal details"),
    "RelatedPerson": _l("your family relations"),
    "Appointment": _l("an appointment"),
    "Observation": _l("your due date"),
    "EarlyScanConsent": _l("your consent to the early ultrasound"),
    "ChangeRequest": _l("your request for a new time"),
}
_PURPOSES = {
    "treatment": _l("Treatment"),
    "self-service": _l("Self-service on Min helse"),
    "system-integration": _l("The hospital's system sent or fetched information"),
    "patient-administration": _l("Patient administration"),
    "registration": _l("Registration"),
    "appointments": _l("Appointments"),
    "ultrasound-clinic": _l("The ultrasound clinic's work"),
    "access-log": _l("Showing the access log"),
    "access-log-question": _l("Answering your question about the access log"),
    "quality-surveillance": _l("Quality surveillance"),
}


def role_label(role: Role) -> str:
    return _translated(current_language(), "role", role)


def basis_label(basis: Basis | None) -> str:
    return _translated(current_language(), "basis", basis)


def action_label(action: str) -> str:
    return _translated(current_language(), "action", action)


def resource_label(resource_type: str) -> str:
    return _translated(current_language(), "resource", resource_type)


def purpose_label(purpose: str) -> str:
    return _translated(current_language(), "purpose", purpose)


_TABLES = {"role": _ROLES, "basis": _BASES, "action": _ACTIONS, "resource": _RESOURCES,
           "purpose": _PURPOSES}


@functools.lru_cache(maxsize=1024)
def _translated(language: str, kind: str, code) -> str:
    """A code's label in ``language`` (the request's): translated once per process, as
    the catalogs do not change while it runs. An unknown code is shown as it is (or, for a
    kind of information or a basis, in a sentence that says what it is)."""
    label = _TABLES[kind].get(code)
    if label is not None:
        return str(label)
    if kind == "resource":
        return _("other information (%(type)s)", type=code)
    if kind == "basis":
        return _("Another person")
    return str(code)


def question_error(code: str) -> str:
    return {
        "too_long": _("Write at most 1000 characters."),
        "bad_characters": _("Remove the special characters from the text."),
        "already_open": _("You have already asked about this entry. The answer will come "
                          "here."),
        "no_organisation": _("This entry names no organisation you can ask. Ask the person "
                             "or service it names."),
    }.get(code, _("This could not be done."))


@functools.cache
def _months(language: str) -> dict[int, str]:
    return dict(get_month_names("wide", locale=language))


def moment_label(value: datetime) -> str:
    """``when(value)`` for a table of many moments: the same text (a test holds them
    together), without Babel parsing the pattern again for each (a tenth of the page)."""
    language = current_language()
    local = value.astimezone(NORWAY)
    month = _months(language)[local.month]
    if language == "en":
        return f"{local.day} {month} {local.year} at {local:%H:%M}"
    return f"{local.day}. {month} {local.year} kl. {local:%H.%M}"


