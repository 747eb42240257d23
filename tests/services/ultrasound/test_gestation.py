"""The gestation rules at their boundaries: gestational age from the due date, each
window's first and last day (the day before, of and after), a hospital's own window, the
closing period, and no checks without a due date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.ultrasound.gestation import (
    DEFAULT_CLOSING_DAYS,
    NATIONAL_WINDOWS,
    TERM_DAYS,
    DatedWindow,
    GestationalAge,
    Window,
    WindowRules,
    WindowState,
    WindowWarning,
    bookable,
    check,
    date_at,
    dated,
    gestational_age,
    parse_age,
    parse_window,
    window_state,
)

DUE = date(2027, 6, 1)
DAY = timedelta(days=1)
ST_OLAVS = "883974832"
UNIT = "999999999"
RULES = WindowRules(by_organisation={ST_OLAVS: {"routine": parse_window("18+0-19+6")}},
                    closing_days=7)


def ga(weeks: int, days: int = 0) -> GestationalAge:
    return GestationalAge.of(weeks, days)


def on(weeks: int, days: int = 0) -> date:
    """The day she is weeks+days along, for DUE."""
    return DUE - timedelta(days=TERM_DAYS - (weeks * 7 + days))


# -- gestational age -------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (DUE, ga(40)),
    (DUE - DAY, ga(39, 6)),
    (DUE + DAY, ga(40, 1)),
    (DUE - timedelta(days=TERM_DAYS), ga(0)),
    (date(2026, 11, 17), ga(12, 0)),     # 196 days before 1 June 2027
    (date(2026, 11, 16), ga(11, 6)),
])
def test_gestational_age_counts_back_from_term(day, expected):
    assert gestational_age(due_date=DUE, on=day) == expected


def test_gestational_age_across_a_leap_day():
    assert gestational_age(due_date=date(2028, 3, 1), on=date(2028, 2, 28)) == ga(39, 5)


@pytest.mark.parametrize(("age", "text", "weeks", "day_of_week"), [
    (ga(12, 3), "12+3", 12, 3), (ga(13, 6), "13+6", 13, 6), (ga(14), "14+0", 14, 0),
    (GestationalAge(6), "0+6", 0, 6), (GestationalAge(7), "1+0", 1, 0),
])
def test_gestational_age_as_weeks_and_days(age, text, weeks, day_of_week):
    assert (str(age), age.weeks, age.day_of_week) == (text, weeks, day_of_week)


def test_weeks_alone_mean_zero_days():
    assert GestationalAge.of(12) == GestationalAge(84)


def test_gestational_ages_order_by_days():
    assert ga(13, 6) < ga(14) and ga(14) > ga(13, 6) and ga(12) == GestationalAge(84)


@pytest.mark.parametrize(("age", "expected"), [
    (ga(40), DUE), (ga(39, 6), DUE - DAY), (ga(0), DUE - timedelta(days=280)),
    (ga(11), date(2026, 11, 10)),
])
def test_date_at_is_the_inverse(age, expected):
    assert date_at(due_date=DUE, age=age) == expected
    assert gestational_age(due_date=DUE, on=expected) == age


# -- parsing ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("18+0", ga(18)), (" 13+6 ", ga(13, 6)), ("9+1", ga(9, 1)), ("0+0", ga(0)),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["18", "18+7", "18+", "+3", "18+0x", "x18+0", "180+0",
                                  "18 + 0", "-1+0", ""])
def test_parse_age_refuses(text):
    with pytest.raises(ValueError, match="weeks\\+days") as refused:
        parse_age(text)
    assert repr(text.strip()) in str(refused.value) or repr(text) in str(refused.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("18+0-19+6", Window(ga(18), ga(19, 6))),
    ("11+0–13+6", Window(ga(11), ga(13, 6))),
    (" 17+0 - 19+6 ", Window(ga(17), ga(19, 6))),
    ("12+0-12+0", Window(ga(12), ga(12))),
])
def test_parse_window(text, expected):
    assert parse_window(text) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("18+0", "first-last"), ("18+0-19+6-20+0", "first-last"), ("", "first-last"),
    ("18+0-19+7", "weeks\\+days"), ("19+6-18+0", "cannot end \\(18\\+0\\) before it "
                                                 "starts \\(19\\+6\\)"),
])
def test_parse_window_refuses(text, why):
    with pytest.raises(ValueError, match=why):
        parse_window(text)


def test_a_window_prints_as_its_ends():
    assert str(NATIONAL_WINDOWS["early"]) == "11+0–13+6"
    assert str(NATIONAL_WINDOWS["routine"]) == "17+0–19+6"


# -- windows ---------------------------------------------------------------------------

@pytest.mark.parametrize(("service", "first", "last"), [
    ("early", ga(11), ga(13, 6)), ("routine", ga(17), ga(19, 6)),
])
def test_national_windows(service, first, last):
    window = WindowRules().window_for(service=service)
    assert (window.first, window.last) == (first, last)
    assert WindowRules().closing_days == DEFAULT_CLOSING_DAYS == 7


@pytest.mark.parametrize(("age", "inside"), [
    (ga(10, 6), False), (ga(11), True), (ga(11, 1), True),
    (ga(13, 5), True), (ga(13, 6), True), (ga(14), False),
])
def test_window_contains_both_ends(age, inside):
    assert NATIONAL_WINDOWS["early"].contains(age) is inside


def test_a_hospital_window_applies_to_it_and_its_units():
    assert RULES.window_for(service="routine", organisation_numbers=[ST_OLAVS]) == \
        Window(ga(18), ga(19, 6))
    # A unit without its own rule, under St. Olavs: the nearest organisation with one.
    assert RULES.window_for(service="routine", organisation_numbers=[UNIT, ST_OLAVS]) == \
        Window(ga(18), ga(19, 6))
    # Its early scan follows the national window.
    assert RULES.window_for(service="early", organisation_numbers=[ST_OLAVS]) == \
        NATIONAL_WINDOWS["early"]
    # Another hospital: national.
    assert RULES.window_for(service="routine", organisation_numbers=[UNIT]) == \
        NATIONAL_WINDOWS["routine"]


def test_the_nearest_organisation_with_a_window_wins():
    rules = WindowRules(by_organisation={UNIT: {"routine": parse_window("17+3-19+0")},
                                         ST_OLAVS: {"routine": parse_window("18+0-19+6")}})
    assert rules.window_for(service="routine", organisation_numbers=[UNIT, ST_OLAVS]) == \
        parse_window("17+3-19+0")


def test_closing_days_cannot_be_negative():
    with pytest.raises(ValueError, match=r"^closing days cannot be negative$"):
        WindowRules(closing_days=-1)
    assert WindowRules(closing_days=0).closing_days == 0


def test_dated_window():
    window = dated(NATIONAL_WINDOWS["early"], due_date=DUE)
    assert window == DatedWindow(on(11), on(13, 6))
    assert window.first_day == date(2026, 11, 10)
    assert window.last_day == date(2026, 11, 30)


@pytest.mark.parametrize(("day", "inside"), [
    (on(10, 6), False), (on(11), True), (on(11, 1), True),
    (on(13, 5), True), (on(13, 6), True), (on(14), False),
])
def test_dated_window_contains_both_ends(day, inside):
    assert dated(NATIONAL_WINDOWS["early"], due_date=DUE).contains(day) is inside


# -- where today stands ----------------------------------------------------------------

EARLY = dated(NATIONAL_WINDOWS["early"], due_date=DUE)  # 2026-11-10 .. 2026-11-30


@pytest.mark.parametrize(("today", "state"), [
    (on(10, 6), WindowState.NOT_YET),
    (on(11), WindowState.OPEN),
    (on(12, 5), WindowState.OPEN),       # 8 days before the last day
    (on(12, 6), WindowState.CLOSING),    # 7 days before
    (on(13), WindowState.CLOSING),
    (on(13, 6), WindowState.CLOSING),    # the last day
    (on(14), WindowState.CLOSED),
])
def test_window_state_at_each_edge(today, state):
    assert window_state(EARLY, today=today, closing_days=7) is state


@pytest.mark.parametrize(("today", "state"), [
    (on(13, 5), WindowState.OPEN), (on(13, 6), WindowState.CLOSING),
    (on(14), WindowState.CLOSED),
])
def test_closing_days_zero_means_only_the_last_day(today, state):
    assert window_state(EARLY, today=today, closing_days=0) is state


def test_closing_longer_than_the_window_starts_at_its_first_day():
    assert window_state(EARLY, today=on(10, 6), closing_days=30) is WindowState.NOT_YET
    assert window_state(EARLY, today=on(11), closing_days=30) is WindowState.CLOSING


# -- the check -------------------------------------------------------------------------

def early(*, today: date, booked_on: date | None, rules: WindowRules = RULES,
          organisation_numbers=()):
    return check(rules=rules, service="early", due_date=DUE, today=today,
                 booked_on=booked_on, organisation_numbers=organisation_numbers)


def test_no_due_date_no_check():
    assert check(rules=RULES, service="early", due_date=None, today=on(13, 6),
                 booked_on=on(20)) is None


def test_check_reports_window_ages_and_state():
    result = early(today=on(12, 2), booked_on=on(12, 4))
    assert result.window == NATIONAL_WINDOWS["early"]
    assert result.dates == EARLY
    assert result.state is WindowState.OPEN
    assert result.age_today == ga(12, 2)
    assert result.age_booked == ga(12, 4)
    assert result.warnings == ()


def test_check_without_booking_has_no_booked_age():
    assert early(today=on(12), booked_on=None).age_booked is None


@pytest.mark.parametrize(("booked", "warnings"), [
    (on(10, 6), (WindowWarning.TOO_EARLY,)),
    (on(11), ()),
    (on(11, 1), ()),
    (on(13, 5), ()),
    (on(13, 6), ()),
    (on(14), (WindowWarning.TOO_LATE,)),
])
def test_booking_at_each_edge_of_the_early_window(booked, warnings):
    assert early(today=on(9), booked_on=booked).warnings == warnings


@pytest.mark.parametrize(("booked", "warnings"), [
    (on(16, 6), (WindowWarning.TOO_EARLY,)), (on(17), ()), (on(19, 6), ()),
    (on(20), (WindowWarning.TOO_LATE,)),
])
def test_booking_at_each_edge_of_the_national_routine_window(booked, warnings):
    result = check(rules=RULES, service="routine", due_date=DUE, today=on(9),
                   booked_on=booked, organisation_numbers=[UNIT])
    assert result.warnings == warnings


@pytest.mark.parametrize(("booked", "warnings"), [
    (on(17), (WindowWarning.TOO_EARLY,)), (on(17, 6), (WindowWarning.TOO_EARLY,)),
    (on(18), ()), (on(19, 6), ()), (on(20), (WindowWarning.TOO_LATE,)),
])
def test_booking_at_each_edge_of_st_olavs_routine_window(booked, warnings):
    result = check(rules=RULES, service="routine", due_date=DUE, today=on(9),
                   booked_on=booked, organisation_numbers=[UNIT, ST_OLAVS])
    assert result.warnings == warnings
    assert result.window == Window(ga(18), ga(19, 6))


@pytest.mark.parametrize(("today", "warnings"), [
    (on(12, 5), ()),
    (on(12, 6), (WindowWarning.WINDOW_CLOSING,)),
    (on(13, 6), (WindowWarning.WINDOW_CLOSING,)),
    (on(14), (WindowWarning.WINDOW_CLOSED,)),
])
def test_closing_and_closed_without_a_booking(today, warnings):
    assert early(today=today, booked_on=None).warnings == warnings


def test_closing_with_a_booking_inside_the_window_is_no_warning():
    assert early(today=on(13), booked_on=on(13, 6)).warnings == ()
    assert early(today=on(13), booked_on=on(13, 6)).state is WindowState.CLOSING


def test_closing_with_a_booking_after_the_window_warns_of_both():
    assert early(today=on(13), booked_on=on(14)).warnings == (
        WindowWarning.TOO_LATE, WindowWarning.WINDOW_CLOSING)
    assert early(today=on(14), booked_on=on(14, 2)).warnings == (
        WindowWarning.TOO_LATE, WindowWarning.WINDOW_CLOSED)


def test_a_booking_before_the_window_while_it_is_closing():
    # Cannot happen in time (a booking before the window is in the past by then),
    # but the rule is the same: outside the window, so the closing matters.
    assert early(today=on(13), booked_on=on(10)).warnings == (
        WindowWarning.TOO_EARLY, WindowWarning.WINDOW_CLOSING)


def test_closing_days_come_from_the_rules():
    assert early(today=on(12, 6), booked_on=None,
                 rules=WindowRules(closing_days=6)).warnings == ()
    assert early(today=on(13), booked_on=None,
                 rules=WindowRules(closing_days=6)).warnings == (WindowWarning.WINDOW_CLOSING,)


def test_check_uses_the_hospitals_window():
    result = check(rules=RULES, service="routine", due_date=DUE, today=on(17, 5),
                   booked_on=None, organisation_numbers=[ST_OLAVS])
    assert result.state is WindowState.NOT_YET and result.warnings == ()
    national = check(rules=RULES, service="routine", due_date=DUE, today=on(17, 5),
                     booked_on=None, organisation_numbers=[UNIT])
    assert national.state is WindowState.OPEN


# -- bookable --------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "fits"), [
    (on(10, 6), False), (on(11), True), (on(13, 6), True), (on(14), False),
])
def test_bookable_early(day, fits):
    assert bookable(rules=RULES, service="early", due_date=DUE, day=day) is fits


@pytest.mark.parametrize(("day", "fits"), [
    (on(17, 6), False), (on(18), True), (on(19, 6), True), (on(20), False),
])
def test_bookable_at_st_olavs(day, fits):
    assert bookable(rules=RULES, service="routine", due_date=DUE, day=day,
                    organisation_numbers=[ST_OLAVS]) is fits


def test_bookable_elsewhere_uses_the_national_window():
    assert bookable(rules=RULES, service="routine", due_date=DUE, day=on(17)) is True
