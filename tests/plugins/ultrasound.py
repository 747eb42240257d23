"""Ultrasound test data (a hospital, its schedules, slots, appointments and due dates), and
the service's settings put back after every test."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


@pytest.fixture(autouse=True)
def _ultrasound_settings_restored():
    from services.ultrasound import config

    saved = config._rules, config.reminder_settings()
    yield
    config._rules, config._reminders = saved


def oslo(*args) -> datetime:
    """A wall-clock time in Norway (as the hospital books it)."""
    from services.clock import NORWAY

    return datetime(*args, tzinfo=NORWAY)


# The same factories as tests/services/ultrasound/factories.py, in the shape the FHIR,
# reminder and clinic tests were written in: wall-clock times, plain strings for enums.
_PLACE = {"location_name": "Ultralydlaboratoriet"}


def make_schedule(organisation, *, service="routine", identifier: str | None = None,
                  name: str = "Ultralydlaboratoriet", active: bool = True):
    from services.ultrasound.models import Service
    from tests.services.ultrasound import factories

    return factories.make_schedule(organisation, Service(service), active=active,
                                   identifier=identifier, location_name=name)


def make_slot(schedule, start: datetime, *, minutes: int = 30, status="free",
              identifier: str | None = None):
    from services.ultrasound.models import SlotStatus
    from tests.services.ultrasound import factories

    return factories.make_slot(schedule, start.astimezone(UTC), minutes=minutes,
                               status=SlotStatus(status), identifier=identifier)


def make_appointment(person, organisation, start: datetime, *, service="routine",
                     minutes: int = 30, status="booked", identifier: str | None = None,
                     slot=None):
    from services.ultrasound.models import AppointmentStatus, Service
    from tests.services.ultrasound import factories

    return factories.make_appointment(
        person, organisation, Service(service), start=start.astimezone(UTC), minutes=minutes,
        status=AppointmentStatus(status), slot=slot, identifier=identifier,
        identifier_system="urn:test:appointments", **_PLACE)


def make_due_date(person, due: date, *, effective_at: datetime | None = None,
                  status="final"):
    from services.ultrasound.models import DueDateStatus
    from tests.services.ultrasound import factories

    return factories.set_due_date(
        person, due, status=DueDateStatus(status),
        effective_at=effective_at or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
