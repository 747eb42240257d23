"""The timing rules at their boundaries: quiet hours (first and last minute, midnight, DST
days), the daily cap, mute rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.clock import NORWAY
from services.notify.timing import (
    QuietHours,
    capped,
    day_bounds,
    mute_active,
    mute_covers,
    oslo_day,
    parse_quiet_hours,
    release_at,
    valid_mute_rule,
)

NIGHT = QuietHours(time(21, 0), time(8, 0))
LUNCH = QuietHours(time(12, 0), time(13, 0))


def oslo(*args) -> datetime:
    """An Oslo wall-clock time as the aware UTC instant the clock would give."""
    return datetime(*args, tzinfo=NORWAY).astimezone(UTC)


# -- parsing ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("21:00-08:00", NIGHT),
    (" 21:00-08:00 ", NIGHT),
    ("12:00-13:00", LUNCH),
    ("00:00-23:59", QuietHours(time(0, 0), time(23, 59))),
    ("23:59-00:00", QuietHours(time(23, 59), time(0, 0))),
    ("", None),
    ("   ", None),
])
def test_quiet_hours_parse(text, expected):
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("21-08", "must be HH:MM-HH:MM"), ("21:00", "must be HH:MM-HH:MM"),
    ("21:00-8:00", "must be HH:MM-HH:MM"), ("21:00 - 08:00", "must be HH:MM-HH:MM"),
    ("21:00-08:00x", "must be HH:MM-HH:MM"), ("x21:00-08:00", "must be HH:MM-HH:MM"),
    ("21:00–08:00", "must be HH:MM-HH:MM"),
    ("24:00-08:00", "no such time of day"), ("21:60-08:00", "no such time of day"),
    ("08:00-08:00", "start and end at the same time"),
])
def test_quiet_hours_refused(text, why):
    with pytest.raises(ValueError, match=why) as refused:
        parse_quiet_hours(text)
    assert repr(text) in str(refused.value)


def test_crossing_midnight_is_start_after_end():
    assert NIGHT.crosses_midnight and not LUNCH.crosses_midnight


# -- quiet hours across midnight ---------------------------------------------------------

@pytest.mark.parametrize(("local", "quiet"), [
    (time(20, 59), False), (time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
    (time(7, 59), True), (time(8, 0), False), (time(12, 0), False),
])
def test_night_window_boundaries(local, quiet):
    assert NIGHT.contains(local) is quiet


@pytest.mark.parametrize(("local", "quiet"), [
    (time(11, 59), False), (time(12, 0), True), (time(12, 59), True), (time(13, 0), False),
    (time(0, 0), False), (time(23, 59), False),
])
def test_same_day_window_boundaries(local, quiet):
    assert LUNCH.contains(local) is quiet


def test_outside_quiet_hours_a_message_leaves_now():
    now = oslo(2026, 3, 2, 20, 59)
    assert release_at(now, NIGHT) == now


def test_without_quiet_hours_a_message_leaves_now():
    now = oslo(2026, 3, 2, 23, 0)
    assert release_at(now, None) == now


def test_the_first_quiet_minute_waits_until_next_morning():
    assert release_at(oslo(2026, 3, 2, 21, 0), NIGHT) == oslo(2026, 3, 3, 8, 0)


def test_late_evening_waits_until_next_morning():
    assert release_at(oslo(2026, 3, 2, 23, 59, 59), NIGHT) == oslo(2026, 3, 3, 8, 0)


def test_after_midnight_waits_until_this_morning():
    assert release_at(oslo(2026, 3, 3, 0, 0), NIGHT) == oslo(2026, 3, 3, 8, 0)
    assert release_at(oslo(2026, 3, 3, 7, 59, 59), NIGHT) == oslo(2026, 3, 3, 8, 0)


def test_the_end_minute_is_no_longer_quiet():
    assert release_at(oslo(2026, 3, 3, 8, 0), NIGHT) == oslo(2026, 3, 3, 8, 0)


def test_a_same_day_window_ends_the_same_day():
    assert release_at(oslo(2026, 3, 2, 12, 0), LUNCH) == oslo(2026, 3, 2, 13, 0)
    assert release_at(oslo(2026, 3, 2, 12, 59), LUNCH) == oslo(2026, 3, 2, 13, 0)
    now = oslo(2026, 3, 2, 13, 0)
    assert release_at(now, LUNCH) == now


def test_the_result_is_utc_like_the_clock():
    released = release_at(oslo(2026, 3, 2, 22, 0), NIGHT)
    assert released.tzinfo is UTC
    assert released == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 CET


# -- DST ---------------------------------------------------------------------------------

def test_spring_forward_night_ends_at_eight_summer_time():
    # 29 March 2026: 02:00 CET becomes 03:00 CEST; the night is an hour shorter.
    released = release_at(oslo(2026, 3, 28, 22, 0), NIGHT)
    assert released == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert released.astimezone(NORWAY).time() == time(8, 0)


def test_fall_back_night_ends_at_eight_winter_time():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; the night is an hour longer.
    released = release_at(oslo(2026, 10, 24, 22, 0), NIGHT)
    assert released == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    assert released.astimezone(NORWAY).time() == time(8, 0)


def test_in_the_repeated_hour_the_window_still_holds():
    quiet = QuietHours(time(1, 0), time(2, 30))
    first = datetime(2026, 10, 25, 0, 15, tzinfo=UTC)   # 02:15 CEST
    second = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET, an hour later
    assert release_at(first, quiet) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert release_at(second, quiet) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET


def test_an_end_the_clocks_skip_is_read_before_the_change():
    quiet = QuietHours(time(1, 0), time(2, 30))
    released = release_at(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), quiet)  # 01:30 CET
    assert released == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert released > datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


# -- the Oslo day ------------------------------------------------------------------------

def test_the_oslo_day_turns_at_local_midnight():
    assert oslo_day(datetime(2026, 3, 2, 22, 59, tzinfo=UTC)) == date(2026, 3, 2)
    assert oslo_day(datetime(2026, 3, 2, 23, 0, tzinfo=UTC)) == date(2026, 3, 3)
    assert oslo_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert oslo_day(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 3, 2), 24), (date(2026, 3, 29), 23), (date(2026, 10, 25), 25),
])
def test_day_bounds_follow_dst(day, hours):
    start, end = day_bounds(day)
    assert start.tzinfo is UTC and end.tzinfo is UTC
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(NORWAY).time() == time(0, 0) == end.astimezone(NORWAY).time()
    assert oslo_day(start) == day and oslo_day(end) == day + timedelta(days=1)
    assert oslo_day(end - timedelta(microseconds=1)) == day


# -- the daily cap -----------------------------------------------------------------------

@pytest.mark.parametrize(("already", "over"), [(0, False), (4, False), (5, True), (6, True)])
def test_the_cap_at_n_minus_one_n_and_n_plus_one(already, over):
    assert capped(already=already, cap=5, urgent=False) is over


@pytest.mark.parametrize("already", [0, 5, 6, 100])
def test_urgent_is_never_capped(already):
    assert capped(already=already, cap=5, urgent=True) is False


@pytest.mark.parametrize("already", [0, 5, 6, 100])
def test_essential_is_never_capped(already):
    assert capped(already=already, cap=5, urgent=False, essential=True) is False


def test_a_cap_of_one_allows_one():
    assert capped(already=0, cap=1, urgent=False) is False
    assert capped(already=1, cap=1, urgent=False) is True


# -- mute rules --------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "event", "covered"), [
    ("wound.reminder", "wound.reminder", True),
    ("wound.reminder", "wound.reminder-2", False),
    ("wound.reminder", "wound", False),
    ("wound.*", "wound.reminder", True),
    ("wound.*", "wound.reminder.second", True),
    ("wound.*", "wound.", False),
    ("wound.*", "wound", False),
    ("wound.*", "woundcare.reminder", False),
    ("wound.*", "ultrasound.reminder", False),
    ("wound.*", "x.wound.reminder", False),
    ("wound.*", "wound.*", True),
    ("w.*", "w.x", True),
])
def test_mute_rules_cover_an_event_or_a_prefix(rule, event, covered):
    assert mute_covers(rule, event) is covered


def test_a_mute_holds_until_its_end():
    until = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert mute_active(until, until - timedelta(microseconds=1)) is True
    assert mute_active(until, until) is False
    assert mute_active(until, until + timedelta(seconds=1)) is False


def test_a_mute_without_end_holds():
    assert mute_active(None, datetime(2099, 1, 1, tzinfo=UTC)) is True


@pytest.mark.parametrize(("rule", "valid"), [
    ("wound.reminder", True), ("wound.*", True), ("a.*", True), ("a", True),
    ("*", False), (".*", False), ("", False), ("wound*", False), ("wo*und.*", False),
    (" wound.*", False), ("wound .x", False), ("wound.x ", False),
])
def test_valid_mute_rules(rule, valid):
    assert valid_mute_rule(rule) is valid
