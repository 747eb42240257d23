"""Whose settings the request may see and change: the person the citizen acts for, when
the representation rule allows it (``services.notify.access``)."""

from __future__ import annotations

from citizen.auth.current import acting_for
from services.notify.access import may_manage_settings
from services.people.models import Person


def settings_subject() -> Person | None:
    """The person whose settings these are, or None when the citizen may not manage them."""
    representation = acting_for()
    return representation.subject if may_manage_settings(representation) else None
