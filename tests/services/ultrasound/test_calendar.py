"""The calendar file: valid RFC 5545 that icalendar reads back, time and place only, a
stable UID, and the booked wall-clock time on both sides of the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from services.clock import NORWAY
from services.people.models import Organisation
from services.ultrasound.calendar import appointment_calendar, place, uid_of
from services.ultrasound.models import Appointment, AppointmentStatus, Service

TRUST = Organisation(id=1, name="St. Olavs hospital HF", org_number="883974832")
UNIT = Organisation(id=2, name="Kvinneklinikken, fostermedisin", org_number="974749025",
                    parent=TRUST)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def appointment(start: datetime, *, minutes: int = 30, organisation=UNIT, version: int = 1,
                status=AppointmentStatus.BOOKED, **location) -> Appointment:
    fields = {"location_name": "Kvinneklinikken, ultralydlaboratoriet",
              "location_address_line": "Prinsesse Kristinas gate 6",
              "location_postal_code": "7030", "location_city": "Trondheim"} | location
    return Appointment(id=42, identifier_system="urn:test", identifier_value="A-1",
                       person_id=7, organisation=organisation, service=Service.EARLY,
                       start=start, end=start + timedelta(minutes=minutes), status=status,
                       version_id=version, **fields)


def parsed(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=NORWAY)


def test_a_valid_calendar_with_one_event():
    data = appointment_calendar(appointment(oslo(2026, 11, 17, 9, 30)), language="nb",
                                host="minhelse.example", now=NOW)
    calendar, event = parsed(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert calendar["METHOD"] == "PUBLISH"
    assert event["UID"] == "appointment-42@minhelse.example"
    assert event.decoded("DTSTAMP") == NOW
    assert event["STATUS"] == "CONFIRMED"
    assert event["CLASS"] == "PRIVATE"
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    # Lines are folded at 75 octets (RFC 5545 §3.1).
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_time_and_place_only():
    data = appointment_calendar(appointment(oslo(2026, 11, 17, 9, 30)), language="nb",
                                host="minhelse.example", now=NOW)
    _, event = parsed(data)
    assert str(event["SUMMARY"]) == "Time hos St. Olavs hospital"
    assert str(event["LOCATION"]) == "Prinsesse Kristinas gate 6, 7030 Trondheim"
    assert set(event.keys()) == {"UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND",
                                 "SUMMARY", "LOCATION", "STATUS", "CLASS"}
    text = data.decode().lower()
    for word in ("kvinneklinikken", "fostermedisin", "ultralyd", "ultrasound", "gravid",
                 "svangerskap", "early", "tidlig", "rutine", "routine", "person"):
        assert word not in text


@pytest.mark.parametrize(("language", "summary"), [
    ("nb", "Time hos St. Olavs hospital"), ("nn", "Time hos St. Olavs hospital"),
    ("en", "Appointment at St. Olavs hospital"), ("se", "Time hos St. Olavs hospital"),
])
def test_summary_in_her_language(language, summary):
    _, event = parsed(appointment_calendar(appointment(oslo(2026, 11, 17, 9, 30)),
                                           language=language, host="h", now=NOW))
    assert str(event["SUMMARY"]) == summary


@pytest.mark.parametrize(("language", "summary"), [
    ("nb", "Time på sykehuset"), ("nn", "Time på sjukehuset"), ("en", "Hospital appointment"),
])
def test_a_sensitive_organisation_is_not_named(language, summary):
    secret = Organisation(id=3, name="Klinikk for rus", org_number="999999999",
                          name_is_sensitive=True)
    _, event = parsed(appointment_calendar(appointment(oslo(2026, 11, 17, 9, 30),
                                                       organisation=secret),
                                           language=language, host="h", now=NOW))
    assert str(event["SUMMARY"]) == summary


def test_without_an_address_there_is_no_location():
    stored = appointment(oslo(2026, 11, 17, 9, 30), location_address_line=None,
                         location_postal_code=None, location_city=None)
    _, event = parsed(appointment_calendar(stored, language="nb", host="h", now=NOW))
    assert "LOCATION" not in event
    assert place(stored) is None


@pytest.mark.parametrize(("fields", "expected"), [
    ({"location_postal_code": None}, "Prinsesse Kristinas gate 6, Trondheim"),
    ({"location_address_line": None}, "7030 Trondheim"),
    ({"location_city": None, "location_postal_code": None}, "Prinsesse Kristinas gate 6"),
])
def test_place_from_what_is_known(fields, expected):
    assert place(appointment(oslo(2026, 11, 17, 9, 30), **fields)) == expected


def test_the_uid_is_stable_and_the_sequence_counts_changes():
    first = appointment(oslo(2026, 11, 17, 9, 30))
    moved = appointment(oslo(2026, 11, 18, 10, 0), version=3)
    _, before = parsed(appointment_calendar(first, language="nb", host="h", now=NOW))
    _, after = parsed(appointment_calendar(moved, language="nb", host="h",
                                           now=NOW + timedelta(days=1)))
    assert before["UID"] == after["UID"] == uid_of(first, host="h")
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 2)


def test_a_cancelled_appointment_is_a_cancelled_event():
    stored = appointment(oslo(2026, 11, 17, 9, 30), status=AppointmentStatus.CANCELLED)
    _, event = parsed(appointment_calendar(stored, language="nb", host="h", now=NOW))
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.parametrize(("start_utc", "wall_clock", "offset_hours"), [
    # The Saturday before the October change: summer time (UTC+2).
    (datetime(2026, 10, 24, 7, 30, tzinfo=UTC), (2026, 10, 24, 9, 30), 2),
    # The Monday after it: winter time (UTC+1).
    (datetime(2026, 10, 26, 8, 30, tzinfo=UTC), (2026, 10, 26, 9, 30), 1),
    # The Friday before the March change, and the Monday after.
    (datetime(2027, 3, 26, 8, 30, tzinfo=UTC), (2027, 3, 26, 9, 30), 1),
    (datetime(2027, 3, 29, 7, 30, tzinfo=UTC), (2027, 3, 29, 9, 30), 2),
])
def test_the_booked_time_across_the_clock_changes(start_utc, wall_clock, offset_hours):
    data = appointment_calendar(appointment(start_utc), language="nb", host="h", now=NOW)
    calendar, event = parsed(data)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == start_utc and end == start_utc + timedelta(minutes=30)
    assert start.utcoffset() == timedelta(0) and "TZID" not in event["DTSTART"].params
    local = start.astimezone(NORWAY)
    assert local.timetuple()[:5] == wall_clock
    assert local.utcoffset() == timedelta(hours=offset_hours)
    assert b"DTSTART:" + start_utc.strftime("%Y%m%dT%H%M%SZ").encode() in data
    assert calendar.walk("VTIMEZONE") == []


def test_an_end_in_the_repeated_autumn_hour_is_the_right_one():
    # 01:30 summer time to 02:30 winter time (the second 02:30 that night): 120 minutes.
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    _, event = parsed(appointment_calendar(appointment(start, minutes=120), language="nb",
                                           host="h", now=NOW))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=120)
    end = event.decoded("DTEND").astimezone(NORWAY)
    assert (end.hour, end.minute, end.utcoffset()) == (2, 30, timedelta(hours=1))
