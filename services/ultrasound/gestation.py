"""Gestational age and the scans' windows. Pure rules, no I/O.

Gestational age is counted back from the due date: term is 280 days (40+0), so on ``day``
she is ``280 - (due - day)`` days pregnant, written weeks+days (``12+3``). Each service
has a window of gestational ages, both ends inclusive: the early scan 11+0–13+6 and the
routine scan 17+0–19+6 nationally; a hospital may book narrower (St. Olavs: routine
18+0–19+6), which is data (``WindowRules.by_organisation``), not code. Without a due date
nothing is checked: the functions answer None or no warnings.

Dates here are Norwegian calendar dates; the caller turns an appointment's start into the
Oslo date it falls on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

#: Days from the first day of the last period to the due date (40+0).
TERM_DAYS = 280

_AGE = re.compile(r"(\d{1,2})\+([0-6])")


@dataclass(frozen=True, order=True)
class GestationalAge:
    """Days of pregnancy; shown as completed weeks + days (``13+6``)."""

    days: int

    @classmethod
    def of(cls, weeks: int, days: int = 0) -> GestationalAge:
        return cls(weeks * 7 + days)

    @property
    def weeks(self) -> int:
        return self.days // 7

    @property
    def day_of_week(self) -> int:
        return self.days % 7

    def __str__(self) -> str:
        return f"{self.weeks}+{self.day_of_week}"


def parse_age(text: str) -> GestationalAge:
    """``"18+0"`` → 18 weeks 0 days."""
    match = _AGE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"a gestational age is weeks+days (18+0), not {text!r}")
    return GestationalAge.of(int(match[1]), int(match[2]))


def gestational_age(*, due_date: date, on: date) -> GestationalAge:
    """How far along she is on ``on``, given her due date."""
    return GestationalAge(TERM_DAYS - (due_date - on).days)


def date_at(*, due_date: date, age: GestationalAge) -> date:
    """The day on which she is ``age`` along."""
    return due_date - timedelta(days=TERM_DAYS - age.days)


@dataclass(frozen=True)
class Window:
    """The gestational ages a scan belongs in, ``first`` and ``last`` both included."""

    first: GestationalAge
    last: GestationalAge

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a window cannot end ({self.last}) before it starts "
                             f"({self.first})")

    def contains(self, age: GestationalAge) -> bool:
        return self.first <= age <= self.last

    def __str__(self) -> str:
        return f"{self.first}–{self.last}"


def parse_window(text: str) -> Window:
    """``"18+0-19+6"`` (a hyphen or an en dash between) → that window."""
    parts = re.split(r"\s*[-–]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(f"a window is first-last (18+0-19+6), not {text!r}")
    return Window(parse_age(parts[0]), parse_age(parts[1]))


@dataclass(frozen=True)
class DatedWindow:
    """A window as calendar dates, for one due date."""

    first_day: date
    last_day: date

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def dated(window: Window, *, due_date: date) -> DatedWindow:
    return DatedWindow(date_at(due_date=due_date, age=window.first),
                       date_at(due_date=due_date, age=window.last))


#: The national windows (Helsedirektoratet): early 11+0–13+6, routine 17+0–19+6.
NATIONAL_WINDOWS: Mapping[str, Window] = {
    "early": Window(GestationalAge.of(11), GestationalAge.of(13, 6)),
    "routine": Window(GestationalAge.of(17), GestationalAge.of(19, 6)),
}
#: Days before a window's last day from which it counts as closing.
DEFAULT_CLOSING_DAYS = 7


@dataclass(frozen=True)
class WindowRules:
    """The windows in force: national ones, a hospital's own where it has them."""

    windows: Mapping[str, Window] = field(default_factory=lambda: dict(NATIONAL_WINDOWS))
    #: Organisation number → service → window, for hospitals that book differently.
    by_organisation: Mapping[str, Mapping[str, Window]] = field(default_factory=dict)
    #: From this many days before a window's last day, the window is closing.
    closing_days: int = DEFAULT_CLOSING_DAYS

    def __post_init__(self) -> None:
        if self.closing_days < 0:
            raise ValueError("closing days cannot be negative")

    def window_for(self, *, service: str, organisation_numbers: Iterable[str] = ()) -> Window:
        """The window of ``service`` at the hospital whose organisation numbers (the
        unit first, then each organisation above it) are given: the nearest with one of
        its own, else the national window."""
        for number in organisation_numbers:
            own = self.by_organisation.get(number, {})
            if service in own:
                return own[service]
        return self.windows[service]


class WindowState(StrEnum):
    NOT_YET = "not-yet"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


def window_state(window: DatedWindow, *, today: date, closing_days: int) -> WindowState:
    """Where ``today`` falls: before the window, in it, in its last ``closing_days``
    days (the last day included), or after it."""
    if today < window.first_day:
        return WindowState.NOT_YET
    if today > window.last_day:
        return WindowState.CLOSED
    if (window.last_day - today).days <= closing_days:
        return WindowState.CLOSING
    return WindowState.OPEN


class WindowWarning(StrEnum):
    #: The booking is before the window opens.
    TOO_EARLY = "too-early"
    #: The booking is after the window has closed.
    TOO_LATE = "too-late"
    #: The window closes soon and there is no booking inside it.
    WINDOW_CLOSING = "window-closing"
    #: The window has closed and there is no booking inside it.
    WINDOW_CLOSED = "window-closed"


@dataclass(frozen=True)
class Check:
    """One scan against its window, for one due date."""

    window: Window
    dates: DatedWindow
    state: WindowState
    warnings: tuple[WindowWarning, ...]
    #: Her gestational age today, and on the booked day (None without a booking).
    age_today: GestationalAge
    age_booked: GestationalAge | None


def check(*, rules: WindowRules, service: str, due_date: date | None, today: date,
          booked_on: date | None, organisation_numbers: Iterable[str] = ()) -> Check | None:
    """The window, where today stands in it, and what to warn about; None without a due
    date. ``booked_on`` is the day of a booking still to come, or None (none, cancelled)."""
    if due_date is None:
        return None
    window = rules.window_for(service=service, organisation_numbers=organisation_numbers)
    dates = dated(window, due_date=due_date)
    state = window_state(dates, today=today, closing_days=rules.closing_days)
    warnings: list[WindowWarning] = []
    if booked_on is not None and booked_on < dates.first_day:
        warnings.append(WindowWarning.TOO_EARLY)
    if booked_on is not None and booked_on > dates.last_day:
        warnings.append(WindowWarning.TOO_LATE)
    if booked_on is None or not dates.contains(booked_on):
        if state is WindowState.CLOSING:
            warnings.append(WindowWarning.WINDOW_CLOSING)
        if state is WindowState.CLOSED:
            warnings.append(WindowWarning.WINDOW_CLOSED)
    return Check(window=window, dates=dates, state=state, warnings=tuple(warnings),
                 age_today=gestational_age(due_date=due_date, on=today),
                 age_booked=(None if booked_on is None
                             else gestational_age(due_date=due_date, on=booked_on)))


def bookable(*, rules: WindowRules, service: str, due_date: date, day: date,
             organisation_numbers: Iterable[str] = ()) -> bool:
    """Whether a booking on ``day`` fits the window. Without a due date there is no
    window to fit: the caller decides (self-service then offers a change request)."""
    window = rules.window_for(service=service, organisation_numbers=organisation_numbers)
    return dated(window, due_date=due_date).contains(day)
