"""Shared test data for the notification tests."""

from __future__ import annotations

from datetime import UTC, datetime

from services.clock import NORWAY
from services.db import db
from tests.plugins.factories import make_organisation, make_person


def oslo(*args) -> datetime:
    """An Oslo wall-clock time as the aware UTC instant the clock gives."""
    return datetime(*args, tzinfo=NORWAY).astimezone(UTC)


def person_with(*, mobile: str | None = "+4791234567", email: str | None = None,
                language: str = "nb"):
    person = make_person()
    person.mobile, person.email, person.language = mobile, email, language
    db.session.commit()
    return person


def trust_and_unit():
    """St. Olavs hospital HF and its Kvinneklinikken."""
    from services.people.service import add_organisation

    trust = make_organisation()
    unit = add_organisation(name="Kvinneklinikken", org_number="910000012", parent=trust)
    db.session.commit()
    return trust, unit
