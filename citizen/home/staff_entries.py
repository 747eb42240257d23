"""What a staff member can start from the staff home, per role; each staff service
registers its entry points here from its own package (``register_entry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from services.actors import Actor
from services.people.models import Role


@dataclass(frozen=True)
class Entry:
    key: str
    role: Role
    title: str
    #: What the staff member will do there; said while the page does not exist yet.
    description: str
    endpoint: str | None = None
    #: What waits there, shown on the entry: (label, number, link or None) for the staff
    #: member (``g.actor``), such as a worklist's flagged answers.
    counts: Callable[[Actor], list[tuple[str, int, str | None]]] | None = None


_entries: dict[str, Entry] = {}


def register_entry(entry: Entry) -> Entry:
    """Add an entry point, or replace the one with the same key."""
    _entries[entry.key] = entry
    return entry


def entries_for(roles: frozenset[Role]) -> list[Entry]:
    """The entries of these roles; a page several roles reach is listed once."""
    found: list[Entry] = []
    for entry in _entries.values():
        if entry.role in roles and (entry.endpoint is None
                                    or entry.endpoint not in {e.endpoint for e in found}):
            found.append(entry)
    return found


register_entry(Entry(
    "ultrasound-requests", Role.ULTRASOUND_CLINIC, _l("Ultrasound appointments"),
    _l("Requests from pregnant women to change or cancel an ultrasound appointment.")))
register_entry(Entry(
    "records-documents", Role.RECORDS_OFFICER, _l("Health record documents"),
    _l("Documents shared with patients, and requests about who has read a record.")))
register_entry(Entry(
    "admin-staff", Role.ADMIN, _l("Staff and access"),
    _l("Who works here and which roles they have.")))
