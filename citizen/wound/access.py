"""Whose questionnaires the request may see and answer: the person the citizen acts for,
when the representation covers questionnaires (services/people/representation.py:
herself; a parent of a child under 16, unless a 12–15-year-old withholds them; a
fullmakt naming ``questionnaires``)."""

from __future__ import annotations

from citizen.auth.current import acting_for
from services.people.models import Area, Person


def questionnaires_subject() -> Person | None:
    """The patient whose questionnaires these are, or None when the representation does
    not cover questionnaires."""
    representation = acting_for()
    if representation is None or Area.QUESTIONNAIRES not in representation.areas:
        return None
    return representation.subject
