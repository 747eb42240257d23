"""Reporting periods: NOIS-POSI's tertials (January–April, May–August, September–December)
and any period given by its first and last day. Days are Norwegian calendar days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

TERTIAL = re.compile(r"^(\d{4})-([123])$")


class BadPeriod(ValueError):
    """Not a period: unparseable, or its last day before its first."""


@dataclass(frozen=True, order=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise BadPeriod("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (a tertial's: the tertial
        before)."""
        tertial = tertial_of(self)
        if tertial is not None:
            year, number = tertial
            return tertial_period(year - 1, 3) if number == 1 else tertial_period(year,
                                                                                  number - 1)
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def tertial_period(year: int, number: int) -> Period:
    if not (1 <= year <= 9999 and number in (1, 2, 3)):
        raise BadPeriod("a tertial is YYYY-1, YYYY-2 or YYYY-3")
    first = date(year, 4 * number - 3, 1)
    last = date(year, 12, 31) if number == 3 else date(year, 4 * number + 1, 1) - timedelta(1)
    return Period(first, last)


def parse_tertial(text: str) -> Period:
    """``2026-3`` → 1 September – 31 December 2026."""
    found = TERTIAL.match(text.strip()) if text.isascii() else None
    if found is None:
        raise BadPeriod("a tertial is YYYY-1, YYYY-2 or YYYY-3")
    return tertial_period(int(found[1]), int(found[2]))


def tertial_containing(day: date) -> Period:
    return tertial_period(day.year, (day.month - 1) // 4 + 1)


def tertial_of(period: Period) -> tuple[int, int] | None:
    """(year, number) when the period is exactly a tertial."""
    found = tertial_containing(period.first)
    if found == period:
        return period.first.year, (period.first.month - 1) // 4 + 1
    return None


def tertial_name(period: Period) -> str | None:
    found = tertial_of(period)
    return f"{found[0]}-{found[1]}" if found else None
