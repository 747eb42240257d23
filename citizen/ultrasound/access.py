"""Whose scans the request may see and change: the person the citizen acts for, when the
representation covers appointments (services/people/representation.py)."""

from __future__ import annotations

from citizen.auth.current import acting_for
from services.people.models import Area, Person
from services.people.representation import Basis


def scans_subject() -> Person | None:
    """The woman whose scans these are, or None when the representation does not cover
    appointments."""
    representation = acting_for()
    if representation is None or Area.APPOINTMENTS not in representation.areas:
        return None
    return representation.subject


def is_herself() -> bool:
    """The citizen acts for herself (the consent is hers alone)."""
    representation = acting_for()
    return representation is not None and representation.basis is Basis.SELF
