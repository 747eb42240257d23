"""What every domain's ingest of hospital data (``services/<domain>/ingest.py``) shares:
its refusals, which the FHIR face answers alike (409 for an existing business identifier,
422 naming the element otherwise), and the rule that an update changing nothing makes no
new version."""

from __future__ import annotations

from typing import Any


class IngestError(ValueError):
    """The hospital's data breaks a rule; the message is safe to show. ``expression``
    names the FHIR element where there is one."""

    def __init__(self, message: str, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


class AlreadyExists(IngestError):
    """A create for a business identifier that is stored already (a create never updates)."""


class NotFound(LookupError):
    """What the data points at is not stored (the message names what)."""


def assign_changed(row: Any, **values: Any) -> None:
    """Assign only what differs, so an update that changes nothing makes no new version."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
