"""The one source of "now", so tests can freeze it and nothing uses naive local time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
