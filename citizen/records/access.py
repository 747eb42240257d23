"""Whose record the request may see: the person the citizen acts for, when the
representation covers records (services/people/representation.py: a parent of a child
under 12, a fullmakt with records; never a parent of a 12–15-year-old)."""

from __future__ import annotations

from citizen.auth.current import acting_for
from services.people.models import Area, Person


def records_subject() -> Person | None:
    representation = acting_for()
    if representation is None or Area.RECORDS not in representation.areas:
        return None
    return representation.subject
