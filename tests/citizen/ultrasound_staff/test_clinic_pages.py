"""The clinic's pages: what a clinic staff member sees and does, in nb, for her own
hospital only; forms work without JavaScript and refuse bad input with a form error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.ultrasound.models import (
    AppointmentStatus,
    ChangeReason,
    ChangeRequest,
    ChangeRequestStatus,
    Slot,
    SlotStatus,
)
from tests.citizen.pages import csrf, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.plugins.ultrasound import make_appointment, make_schedule, make_slot

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def trust(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def woman(db):
    person = make_person(given_name="Kari", family_name="Nordmann")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


@pytest.fixture
def clinic_browser(client, trust):
    sign_in_staff(client, make_staff(trust, Role.ULTRASOUND_CLINIC, name="Jordmor Jenny"), trust)
    return client


def test_the_staff_home_offers_the_clinic_pages(clinic_browser):
    page = text(clinic_browser.get("/staff"))
    for path in ("/staff/ultrasound/requests", "/staff/ultrasound/cancellations",
                 "/staff/ultrasound/consents", "/staff/ultrasound/slots"):
        assert f'href="{path}"' in page


def test_a_request_is_listed_with_her_number_and_handled(clinic_browser, trust, woman):
    appointment = make_appointment(woman, trust, NOW + timedelta(days=8), service="early")
    request = ChangeRequest(appointment_id=appointment.id, person_id=woman.id,
                            reason=ChangeReason.SMS_CALL_ME, wants_call=True)
    db.session.add(request)
    db.session.commit()
    page = text(clinic_browser.get("/staff/ultrasound/requests"))
    assert "Kari Nordmann" in page and "+4791234567" in page
    assert "Hun svarte på påminnelsen: ring meg" in page
    answer = clinic_browser.post(f"/staff/ultrasound/requests/{request.id}/handled",
                                 data={"csrf_token": csrf(page)})
    assert answer.status_code == 303
    assert db.session.get(ChangeRequest, request.id).status is ChangeRequestStatus.HANDLED
    assert "Det er ingen åpne forespørsler." in text(clinic_browser.get(
        "/staff/ultrasound/requests"))
    reads = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "ChangeRequest", AuditEvent.actor_kind == "staff")).all()
    assert {r.action for r in reads} == {"read", "update"}


def test_another_hospitals_request_is_not_there(clinic_browser, woman):
    other = make_organisation(name="Helse Nord", org_number="974749025")
    appointment = make_appointment(woman, other, NOW + timedelta(days=8))
    request = ChangeRequest(appointment_id=appointment.id, person_id=woman.id,
                            reason=ChangeReason.TRAVEL)
    db.session.add(request)
    db.session.commit()
    page = text(clinic_browser.get("/staff/ultrasound/requests"))
    assert "Kari Nordmann" not in page
    refused = clinic_browser.post(f"/staff/ultrasound/requests/{request.id}/handled",
                                  data={"csrf_token": csrf(page)})
    assert refused.status_code == 404
    assert clinic_browser.get(
        f"/staff/ultrasound/appointments/{appointment.id}/cancel").status_code == 404


def test_cancelling_needs_a_reason_and_tells_her(clinic_browser, trust, woman, notify_rules):
    appointment = make_appointment(woman, trust, NOW + timedelta(days=8))
    page = text(clinic_browser.get(f"/staff/ultrasound/appointments/{appointment.id}/cancel"))
    empty = clinic_browser.post(f"/staff/ultrasound/appointments/{appointment.id}/cancel",
                                data={"csrf_token": csrf(page), "reason": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in text(empty)
    assert appointment.status is AppointmentStatus.BOOKED
    done = clinic_browser.post(f"/staff/ultrasound/appointments/{appointment.id}/cancel",
                               data={"csrf_token": csrf(page), "reason": "Sykdom"})
    assert done.status_code == 303
    db.session.refresh(appointment)
    assert appointment.status is AppointmentStatus.CANCELLED
    listed = text(clinic_browser.get("/staff/ultrasound/cancellations"))
    assert "Kari Nordmann" in listed and "Sykehuset" in listed and "Sykdom" in listed
    again = clinic_browser.post(f"/staff/ultrasound/appointments/{appointment.id}/cancel",
                                data={"csrf_token": csrf(page), "reason": "Igjen"})
    assert again.status_code == 409 and "allerede avlyst" in text(again)


def test_consents_show_who_has_not_decided(clinic_browser, trust, woman):
    make_appointment(woman, trust, NOW + timedelta(days=8), service="early")
    page = text(clinic_browser.get("/staff/ultrasound/consents"))
    assert "Kari Nordmann" in page and "Ikke bestemt ennå" in page


def test_adding_and_closing_times(clinic_browser, trust):
    schedule = make_schedule(trust, service="routine")
    page = text(clinic_browser.get("/staff/ultrasound/slots"))
    token = csrf(page)

    def add(**fields):
        return clinic_browser.post("/staff/ultrasound/slots", data={
            "csrf_token": token, "schedule": str(schedule.id), **fields})

    # 29 March 2026: 02:30 does not exist in Norway.
    gap = add(day="2026-03-29", time="02:30", minutes="30")
    assert gap.status_code == 422 and "klokken stilles fram" in text(gap)
    for fields in ({"day": "29.03.2026", "time": "10:00", "minutes": "30"},
                   {"day": "2026-03-29", "time": "10", "minutes": "30"},
                   {"day": "2026-03-29", "time": "10:00", "minutes": "tretti"},
                   {"day": "2026-03-29", "time": "10:00", "minutes": "4"},
                   {"day": "2026-03-01", "time": "10:00", "minutes": "30"}):
        refused = add(**fields)
        assert refused.status_code == 422, fields
        assert "error-summary" in text(refused)
    assert add(day="2026-03-30", time="08:30", minutes="30").status_code == 303
    [slot] = db.session.scalars(sa.select(Slot)).all()
    assert slot.start == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # summer time
    listed = text(clinic_browser.get("/staff/ultrasound/slots"))
    assert "30. mars 2026 kl. 08.30" in listed
    closed = clinic_browser.post(f"/staff/ultrasound/slots/{slot.id}/close",
                                 data={"csrf_token": token})
    assert closed.status_code == 303
    db.session.refresh(slot)
    assert slot.status is SlotStatus.BUSY_UNAVAILABLE
    other = make_schedule(make_organisation(name="Helse Nord", org_number="974749025"))
    assert add(day="2026-03-30", time="10:00", minutes="30", schedule=str(other.id)
               ).status_code == 404
    for schedule_id in ("99999999999", "x", "0"):
        assert add(day="2026-03-30", time="10:00", minutes="30", schedule=schedule_id
                   ).status_code == 400


def test_a_booked_time_cannot_be_closed(clinic_browser, trust, woman):
    schedule = make_schedule(trust)
    slot = make_slot(schedule, NOW + timedelta(days=5))
    make_appointment(woman, trust, slot.start, slot=slot)
    page = text(clinic_browser.get("/staff/ultrasound/slots"))
    answer = clinic_browser.post(f"/staff/ultrasound/slots/{slot.id}/close",
                                 data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert "Denne tiden er booket" in text(answer)
    db.session.refresh(slot)
    assert slot.status is SlotStatus.BUSY


def test_staff_without_the_clinic_role_are_refused(client, trust):
    sign_in_staff(client, make_staff(trust, Role.INFECTION_CONTROL), trust)
    assert client.get("/staff/ultrasound/requests").status_code == 403


@pytest.mark.parametrize("path", ["/staff/ultrasound/appointments/2147483648/cancel",
                                  "/staff/ultrasound/appointments/99999999999999/cancel"])
def test_ids_past_what_a_column_holds_are_404(clinic_browser, path):
    assert clinic_browser.get(path).status_code == 404
    page = text(clinic_browser.get("/staff/ultrasound/slots"))
    for post in ("/staff/ultrasound/requests/2147483648/handled",
                 "/staff/ultrasound/slots/99999999999999/close"):
        assert clinic_browser.post(post, data={"csrf_token": csrf(page)}).status_code == 404
