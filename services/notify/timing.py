"""When a notice may leave: quiet hours, the daily cap, mute rules. Pure rules, no I/O.

Every local time is Europe/Oslo; every datetime in and out is aware (UTC from the clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.clock import NORWAY

_WINDOW = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` (quiet) to ``end`` (no longer quiet), local time; ``start > end``
    runs across midnight (21:00-08:00), ``start < end`` is one day's window (12:00-13:00)."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, local: time) -> bool:
        if self.crosses_midnight:
            return local >= self.start or local < self.end
        return self.start <= local < self.end


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"21:00-08:00"`` → quiet hours; ``""`` → None (no quiet hours)."""
    text = text.strip()
    if not text:
        return None
    match = _WINDOW.fullmatch(text)
    if match is None:
        raise ValueError(f"quiet hours must be HH:MM-HH:MM, not {text!r}")
    hours_minutes = [int(part) for part in match.groups()]
    try:
        start, end = time(*hours_minutes[:2]), time(*hours_minutes[2:])
    except ValueError:
        raise ValueError(f"no such time of day in {text!r}") from None
    if start == end:
        # Neither "never" nor "always" is what someone writing this would mean.
        raise ValueError(f"quiet hours start and end at the same time: {text!r}")
    return QuietHours(start, end)


def release_at(now: datetime, quiet_hours: QuietHours | None) -> datetime:
    """When a message decided at ``now`` may leave: ``now``, or the end of the quiet period
    it falls in, at that wall-clock time in Oslo whatever the offset is that day.

    An end the clocks skip (02:30 on the spring day) is read in the offset before the
    change, so it comes an hour later by the new clock; an end the clocks show twice (02:30
    on the autumn day) is the first showing still ahead.
    """
    local = now.astimezone(NORWAY)
    if quiet_hours is None or not quiet_hours.contains(local.time()):
        return now
    day = local.date()
    if quiet_hours.crosses_midnight and local.time() >= quiet_hours.start:
        day += timedelta(days=1)
    end = datetime.combine(day, quiet_hours.end, tzinfo=NORWAY)
    if end <= now:  # in the repeated hour, the end's first showing has passed
        end = end.replace(fold=1)
    return end.astimezone(now.tzinfo)


def oslo_day(at: datetime) -> date:
    return at.astimezone(NORWAY).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants an Oslo day starts and ends (23 or 25 hours apart on DST days)."""
    start = datetime.combine(day, time(), tzinfo=NORWAY)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=NORWAY)
    return start.astimezone(UTC), end.astimezone(UTC)


def capped(*, already: int, cap: int, urgent: bool, essential: bool = False) -> bool:
    """Over the daily cap: ``already`` messages leave that day on this channel. Urgent and
    essential messages are never capped: the cap keeps the many "you have a new document"
    notices of a busy day from drowning the one she must get (a questionnaire to answer,
    a changed appointment)."""
    return not (urgent or essential) and already >= cap


def mute_covers(rule: str, event: str) -> bool:
    """``rule`` names ``event`` itself, or ends in ``.*`` and ``event`` is under it
    (``wound.*`` covers ``wound.reminder``, not ``wound`` nor ``woundcare.x``)."""
    if rule.endswith(".*"):
        return event.startswith(rule[:-1]) and len(event) > len(rule) - 1
    return rule == event


def mute_active(until: datetime | None, now: datetime) -> bool:
    """A mute holds until ``until`` (the first instant it no longer does), or for good."""
    return until is None or now < until


def valid_mute_rule(rule: str) -> bool:
    """An event name, or a non-empty prefix followed by ``.*``."""
    stem = rule.removesuffix(".*")
    return bool(stem) and "*" not in stem and stem == stem.strip() and " " not in stem
