"""Norwegian days as bounds of a period: the instants they begin and end, DST included, and
the calendar's ends as no bound at all (their instants do not fit a UTC datetime)."""

from datetime import UTC, date, datetime, timedelta

from services.clock import day_ends, day_starts


def test_a_winter_day_begins_at_23_utc_the_day_before():
    assert day_starts(date(2026, 1, 15)) == datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert day_ends(date(2026, 1, 15)) == datetime(2026, 1, 15, 23, tzinfo=UTC)


def test_the_spring_day_is_23_hours_and_the_autumn_day_25():
    def hours(day):
        return day_ends(day).astimezone(UTC) - day_starts(day).astimezone(UTC)
    assert hours(date(2026, 3, 29)) == timedelta(hours=23)
    assert hours(date(2026, 10, 25)) == timedelta(hours=25)


def test_the_calendars_ends_are_no_bound():
    assert day_starts(date.min) is None and day_ends(date.max) is None
    # Oslo kept local mean time then (+00:43): 2 January began on 1 January in UTC.
    assert day_starts(date(1, 1, 2)).astimezone(UTC).date() == date(1, 1, 1)
    assert day_ends(date(9999, 12, 30)) == day_starts(date.max)
