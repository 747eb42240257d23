"""Min side's appointments tile: the next scan, and what waits for her (the early scan's
consent, a window closing, a booking outside its window)."""

from __future__ import annotations

from flask import g

from citizen.babel_cache import gettext as _
from citizen.home.tiles import connect_tile
from citizen.i18n import when
from citizen.ultrasound.labels import service_name
from services.people.representation import Representation
from services.ultrasound import selfservice


def _scans(representation: Representation) -> list[selfservice.Scan]:
    """Her scans, read (and audited) once per request however many times the tile asks."""
    cache = g.setdefault("ultrasound_tile_scans", {})
    subject_id = representation.subject.id
    if subject_id not in cache:
        cache[subject_id] = selfservice.scans_of(person_id=subject_id, actor=g.actor)
    return cache[subject_id]


def attention(representation: Representation) -> int:
    """Each coming scan that waits for her decision, and each with a window warning."""
    upcoming = [scan for scan in _scans(representation) if scan.is_upcoming]
    return (sum(1 for scan in upcoming if scan.needs_consent)
            + sum(1 for scan in upcoming if scan.check is not None and scan.check.warnings))


def status(representation: Representation) -> str | None:
    upcoming = [scan for scan in _scans(representation) if scan.is_upcoming]
    if not upcoming:
        return None
    first = upcoming[0].appointment
    return _("Next: %(service)s, %(when)s", service=service_name(first.service),
             when=when(first.start))


connect_tile("appointments", endpoint="ultrasound.overview", attention=attention, status=status)
