"""The one source of "now", so tests can freeze it and nothing uses naive local time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Dates that rules are about (ages, fullmakt periods, gestational weeks) are Norwegian dates.
NORWAY = ZoneInfo("Europe/Oslo")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def today_in_norway() -> date:
    """Return today's date in Norway (a UTC date is wrong for an hour or two each night)."""
    return utcnow().astimezone(NORWAY).date()


def day_starts(day: date) -> datetime | None:
    """The instant a Norwegian day begins; None for the calendar's first day, which begins
    before the first instant a UTC datetime holds (as a lower bound: none)."""
    if day == date.min:
        return None
    return datetime.combine(day, time(), tzinfo=NORWAY)


def day_ends(day: date) -> datetime | None:
    """The instant after a Norwegian day (the next one's start); None for the calendar's
    last day (as an upper bound: none)."""
    return None if day == date.max else day_starts(day + timedelta(days=1))
