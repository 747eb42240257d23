"""The ultrasound JSON API: her scans and slots, cancel / rebook / change request, the
calendar file and the letter, the consent; another woman's id is 404, bad input a clear
4xx that changes nothing. Every answer is checked against the OpenAPI document."""

from __future__ import annotations

import io
from datetime import timedelta

import icalendar
import pypdf
import pytest
import sqlalchemy as sa

from services.db import db
from services.people.models import Area, Fullmakt
from services.ultrasound.consent import INFORMATION_VERSION
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    ChangeRequest,
    EarlyScanConsent,
    Service,
    Slot,
    SlotStatus,
)
from tests.plugins.api import log_in_as
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.ultrasound.factories import (
    make_appointment,
    make_schedule,
    make_slot,
    set_due_date,
    week,
)

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def woman(hospital):
    person = make_person(given_name="Ingrid")
    set_due_date(person)
    return person


@pytest.fixture
def client(api_client, woman):
    log_in_as(api_client, woman)
    return api_client


@pytest.fixture
def booking(woman, hospital):
    schedule = make_schedule(hospital, Service.ROUTINE)
    slot = make_slot(schedule, week(18, 2))
    return make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 2), slot=slot), \
        schedule, slot


def consent(client):
    answer = client.post("/api/v1/pregnancy/consent", headers=JSON,
                         json={"decision": "consented",
                               "information_version": INFORMATION_VERSION})
    assert answer.status_code == 200
    return answer


# -- reading ---------------------------------------------------------------------------

def test_list_and_read(client, woman, hospital, booking):
    appointment, _, _ = booking
    early = make_appointment(woman, hospital, start=week(12))
    answer = client.get("/api/v1/appointments")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert [i["id"] for i in items] == [early.id, appointment.id]
    assert answer.get_json()["next"] is None
    first = items[0]
    assert first["service"] == "early" and first["needs_consent"] is True
    assert first["window"] == {"first": "11+0", "last": "13+6", "first_day": "2026-03-09",
                               "last_day": "2026-03-29", "state": "not-yet"}
    assert first["gestational_age_today"] == "10+0"
    assert first["gestational_age_at_scan"] == "12+0"
    assert first["location"]["address_line"] == "Prinsesse Kristinas gate 6"
    one = client.get(f"/api/v1/appointments/{appointment.id}")
    assert one.status_code == 200 and one.headers["ETag"] == f'"{appointment.version_id}"'
    assert one.get_json()["window"]["first"] == "18+0"


def test_paging(client, woman, hospital):
    made = [make_appointment(woman, hospital, start=week(12, day)) for day in range(3)]
    page = client.get("/api/v1/appointments?limit=2").get_json()
    assert [i["id"] for i in page["items"]] == [made[0].id, made[1].id]
    rest = client.get(page["next"].split("127.0.0.1:5000", 1)[-1]).get_json()
    assert [i["id"] for i in rest["items"]] == [made[2].id] and rest["next"] is None


def test_another_womans_appointment_is_404(client, hospital):
    other = make_person(given_name="Ola")
    theirs = make_appointment(other, hospital, Service.ROUTINE, start=week(18, 2))
    for method, path, body in (
            ("get", f"/api/v1/appointments/{theirs.id}", None),
            ("get", f"/api/v1/appointments/{theirs.id}/calendar.ics", None),
            ("get", f"/api/v1/appointments/{theirs.id}/letter.pdf", None),
            ("get", f"/api/v1/slots?appointment={theirs.id}", None),
            ("post", f"/api/v1/appointments/{theirs.id}/cancel", {"reason": "x"}),
            ("post", f"/api/v1/appointments/{theirs.id}/rebook", {"slot": 1}),
            ("post", f"/api/v1/appointments/{theirs.id}/change-request", {"reason": "other"})):
        answer = getattr(client, method)(path, json=body, headers=JSON if body else {})
        assert answer.status_code == 404, path
        assert answer.mimetype == "application/problem+json"
    assert db.session.get(Appointment, theirs.id).status is AppointmentStatus.BOOKED


def test_without_a_session_401(api_client, booking):
    appointment, _, _ = booking
    assert api_client.get("/api/v1/appointments").status_code == 401
    assert api_client.get(f"/api/v1/appointments/{appointment.id}/letter.pdf").status_code \
        == 401


# -- files -----------------------------------------------------------------------------

def test_calendar_file(client, booking):
    appointment, _, _ = booking
    answer = client.get(f"/api/v1/appointments/{appointment.id}/calendar.ics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    [event] = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")
    assert event.decoded("DTSTART") == appointment.start
    assert "ultra" not in answer.data.decode().lower()


def test_letter_says_what_the_page_says(client, woman, booking):
    appointment, _, _ = booking
    answer = client.get(f"/api/v1/appointments/{appointment.id}/letter.pdf?lang=en")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.data))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata.title == "Appointment: Routine ultrasound"
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for said in ("When and where", "27 April 2026", "at 10:00", "About 30 minutes",
                 "Prinsesse Kristinas gate 6, 7030 Trondheim", "between week 18+0 and week "
                 "19+6", "where the placenta is", "boy or a girl", "empty",
                 "We ask you not to bring children", "up to 24 hours before"):
        assert said in text, said


# -- cancelling ------------------------------------------------------------------------

def test_cancel(client, woman, booking):
    appointment, _, slot = booking
    answer = client.post(f"/api/v1/appointments/{appointment.id}/cancel", headers=JSON,
                         json={"reason": "Reiser bort"})
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "cancelled"
    assert answer.get_json()["cancel_reason"] == "Reiser bort"
    assert db.session.get(Slot, slot.id).status is SlotStatus.FREE
    again = client.post(f"/api/v1/appointments/{appointment.id}/cancel", headers=JSON,
                        json={"reason": "Reiser bort"})
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"code": ["already_cancelled"]}


def test_cancel_bad_input(client, woman, hospital, booking):
    appointment, _, _ = booking
    for body, status in (({}, 422), ({"reason": ""}, 422), ({"reason": "x" * 201}, 422),
                         ({"reason": "x", "extra": 1}, 422), ({"reason": 5}, 422)):
        answer = client.post(f"/api/v1/appointments/{appointment.id}/cancel", headers=JSON,
                             json=body)
        assert answer.status_code == status, body
    assert client.post(f"/api/v1/appointments/{appointment.id}/cancel", data="{",
                       headers=JSON).status_code == 400
    assert client.post(f"/api/v1/appointments/{appointment.id}/cancel",
                       data="reason=x").status_code == 415
    past = make_appointment(woman, hospital, start=T0 - timedelta(days=1),
                            status=AppointmentStatus.FULFILLED)
    assert client.post(f"/api/v1/appointments/{past.id}/cancel", headers=JSON,
                       json={"reason": "x"}).get_json()["errors"] == {"code": ["not_changeable"]}
    soon = make_appointment(woman, hospital, start=T0 + timedelta(hours=2))
    assert client.post(f"/api/v1/appointments/{soon.id}/cancel", headers=JSON,
                       json={"reason": "x"}).get_json()["errors"] == {"code": ["too_late"]}
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.BOOKED


# -- slots and rebooking ---------------------------------------------------------------

def test_slots_and_rebook(client, woman, booking):
    appointment, schedule, old = booking
    inside = make_slot(schedule, week(19, 1))
    make_slot(schedule, week(17, 5))  # outside St. Olavs' window
    slots = client.get(f"/api/v1/slots?appointment={appointment.id}")
    assert slots.status_code == 200
    assert [s["id"] for s in slots.get_json()["items"]] == [inside.id]
    answer = client.post(f"/api/v1/appointments/{appointment.id}/rebook", headers=JSON,
                         json={"slot": inside.id})
    assert answer.status_code == 200
    assert answer.get_json()["start"].startswith(inside.start.isoformat()[:16])
    assert db.session.get(Slot, old.id).status is SlotStatus.FREE


def test_rebook_refusals(client, woman, hospital, booking):
    appointment, schedule, old = booking
    outside = make_slot(schedule, week(17, 5))
    taken = make_slot(schedule, week(19, 2))
    make_appointment(make_person(given_name="Ola"), hospital, Service.ROUTINE,
                     start=week(19, 2), slot=taken)
    early = make_slot(make_schedule(hospital), week(12))
    for slot_id, status, code in ((outside.id, 422, "outside_window"),
                                  (taken.id, 409, "slot_taken"),
                                  (early.id, 422, "slot_not_suitable"),
                                  (99999999, 422, "unknown_slot")):
        answer = client.post(f"/api/v1/appointments/{appointment.id}/rebook", headers=JSON,
                             json={"slot": slot_id})
        assert (answer.status_code, answer.get_json()["errors"]) == (
            status, {"slot": [code]}), slot_id
    for body in ({}, {"slot": "3"}, {"slot": 0}, {"slot": None}):
        assert client.post(f"/api/v1/appointments/{appointment.id}/rebook", headers=JSON,
                           json=body).status_code == 422
    assert db.session.get(Slot, old.id).appointment_id == appointment.id


def test_the_early_scan_needs_consent_first(client, woman, hospital):
    schedule = make_schedule(hospital)
    appointment = make_appointment(woman, hospital, start=week(12))
    slot = make_slot(schedule, week(12, 2))
    refused = client.post(f"/api/v1/appointments/{appointment.id}/rebook", headers=JSON,
                          json={"slot": slot.id})
    assert (refused.status_code, refused.get_json()["errors"]) == (
        409, {"code": ["consent_missing"]})
    assert client.get(f"/api/v1/slots?appointment={appointment.id}").status_code == 409
    consent(client)
    assert client.post(f"/api/v1/appointments/{appointment.id}/rebook", headers=JSON,
                       json={"slot": slot.id}).status_code == 200


@pytest.mark.parametrize("query", ["", "?appointment=", "?appointment=abc",
                                   "?appointment=0", "?appointment=1.5", "?other=1"])
def test_slots_bad_query(client, query):
    assert client.get(f"/api/v1/slots{query}").status_code == 422


# -- change requests -------------------------------------------------------------------

def test_change_request(client, booking):
    appointment, _, _ = booking
    answer = client.post(f"/api/v1/appointments/{appointment.id}/change-request",
                         headers=JSON, json={"reason": "no_fitting_slot",
                                             "reason_text": "Etter kl. 15", "wants_call": True})
    assert answer.status_code == 201
    assert answer.get_json()["appointment"] == appointment.id
    assert answer.get_json()["status"] == "open"
    again = client.post(f"/api/v1/appointments/{appointment.id}/change-request",
                        headers=JSON, json={"reason": "other"})
    assert again.status_code == 409
    for body in ({"reason": "sms_call_me"}, {"reason": "other", "wants_call": "yes"},
                 {"reason_text": "x"}):
        assert client.post(f"/api/v1/appointments/{appointment.id}/change-request",
                           headers=JSON, json=body).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 1


# -- consent ---------------------------------------------------------------------------

def test_consent_read_decide_revoke(client, woman):
    assert client.get("/api/v1/pregnancy/consent").get_json() == {
        "decision": None, "decided_at": None, "information_version": None,
        "current_information_version": INFORMATION_VERSION}
    assert consent(client).get_json()["decision"] == "consented"
    revoked = client.post("/api/v1/pregnancy/consent", headers=JSON,
                          json={"decision": "revoked"})
    assert revoked.status_code == 200 and revoked.get_json()["decision"] is None
    again = client.post("/api/v1/pregnancy/consent", headers=JSON, json={"decision": "revoked"})
    assert again.status_code == 409
    outdated = client.post("/api/v1/pregnancy/consent", headers=JSON,
                           json={"decision": "consented", "information_version": "2001"})
    assert outdated.status_code == 422
    assert list(outdated.get_json()["errors"]) == ["information_version"]
    assert client.post("/api/v1/pregnancy/consent", headers=JSON,
                       json={"decision": "maybe"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EarlyScanConsent)) == 1


def test_a_fullmakt_holder_sees_but_does_not_decide(api_client, woman, hospital, booking):
    from datetime import date

    holder = make_person(date(1980, 1, 1), given_name="Mor")
    db.session.add(Fullmakt(giver_id=woman.id, recipient_id=holder.id,
                            areas=[Area.APPOINTMENTS.value], starts_on=date(2026, 1, 1),
                            ends_on=date(2027, 1, 1)))
    db.session.commit()
    log_in_as(api_client, holder, acting_for=woman)
    appointment, _, _ = booking
    assert api_client.get(f"/api/v1/appointments/{appointment.id}").status_code == 200
    assert api_client.get("/api/v1/pregnancy/consent").status_code == 200
    refused = api_client.post("/api/v1/pregnancy/consent", headers=JSON,
                              json={"decision": "consented"})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EarlyScanConsent)) == 0


def test_a_fullmakt_without_appointments_is_refused(api_client, woman, booking):
    from datetime import date

    holder = make_person(date(1980, 1, 1), given_name="Mor")
    db.session.add(Fullmakt(giver_id=woman.id, recipient_id=holder.id,
                            areas=[Area.RECORDS.value], starts_on=date(2026, 1, 1),
                            ends_on=date(2027, 1, 1)))
    db.session.commit()
    log_in_as(api_client, holder, acting_for=woman)
    appointment, _, _ = booking
    assert api_client.get("/api/v1/appointments").status_code == 403
    assert api_client.get(f"/api/v1/appointments/{appointment.id}").status_code == 403
    assert api_client.post(f"/api/v1/appointments/{appointment.id}/cancel", headers=JSON,
                           json={"reason": "x"}).status_code == 403
