"""The one source of "now", so tests can freeze it and nothing uses naive local time."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: Dates that rules are about (ages, fullmakt periods, gestational weeks) are Norwegian dates.
NORWAY = ZoneInfo("Europe/Oslo")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def today_in_norway() -> date:
    """Return today's date in Norway (a UTC date is wrong for an hour or two each night)."""
    return utcnow().astimezone(NORWAY).date()
