"""The due date (Observation, LOINC 11778-8) and free capacity (Schedule + Slot) over FHIR."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.service import national_id_of
from services.ultrasound.models import DueDate, DueDateStatus, Schedule, Service, Slot
from services.ultrasound.selfservice import current_due_date
from tests.citizen.fhir.test_ultrasound_appointment import ORG_NUMBER, refused
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, system_bearer

LOINC = "http://loinc.org"


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def woman(db):
    return make_person()


@pytest.fixture
def writer(db):
    return system_bearer("system/Observation.crus system/Schedule.crus system/Slot.crus")


def due_date(woman, *, value="2026-09-10", effective="2026-02-20T10:00:00+01:00",
             identifier="D-1", code=("http://loinc.org", "11778-8"), status="final", **extra):
    resource = {"resourceType": "Observation", "status": status,
                "identifier": [{"system": "urn:test:dating", "value": identifier}],
                "code": {"coding": [{"system": code[0], "code": code[1]}]},
                "subject": {"identifier": {"system": FNR_SYSTEM,
                                           "value": national_id_of(woman)}},
                "effectiveDateTime": effective, "valueDateTime": value}
    return {**resource, **extra}


def test_a_due_date_is_stored_and_read_back(client, frozen_clock, woman, writer):
    created = client.post("/fhir/R4/Observation", json=due_date(woman), headers=writer)
    assert created.status_code == 201, created.json
    body = Observation.model_validate(created.json)
    assert str(body.valueDateTime) == "2026-09-10"
    assert created.json["subject"] == {"reference": f"Patient/{woman.id}"}
    [stored] = table_rows(DueDate)
    assert (stored.person_id, stored.due_date) == (woman.id, date(2026, 9, 10))
    assert stored.effective_at == datetime(2026, 2, 20, 9, 0, tzinfo=UTC)


def test_a_newer_dating_replaces_the_older_and_an_error_does_not_count(client, frozen_clock,
                                                                       woman, writer):
    for identifier, value, effective in (("D-1", "2026-09-10", "2026-01-10T10:00:00+01:00"),
                                         ("D-2", "2026-09-03", "2026-02-25T10:00:00+01:00")):
        assert client.post("/fhir/R4/Observation", json=due_date(
            woman, identifier=identifier, value=value, effective=effective),
            headers=writer).status_code == 201
    assert current_due_date(person_id=woman.id) == date(2026, 9, 3)
    wrong = client.put("/fhir/R4/Observation?identifier=urn:test:dating|D-2", json=due_date(
        woman, identifier="D-2", value="2026-09-03", effective="2026-02-25T10:00:00+01:00",
        status="entered-in-error"), headers=writer)
    assert wrong.status_code == 200, wrong.json
    assert current_due_date(person_id=woman.id) == date(2026, 9, 10)
    assert current_due_date(person_id=make_person().id) is None


def test_a_date_with_time_is_her_day_in_norway_and_no_effective_time_is_now(
        client, frozen_clock, woman, writer):
    late = due_date(woman, value="2026-09-09T23:30:00Z")  # 01:30 on the 10th in Oslo
    del late["effectiveDateTime"]
    assert client.post("/fhir/R4/Observation", json=late, headers=writer).status_code == 201
    [stored] = table_rows(DueDate)
    assert stored.due_date == date(2026, 9, 10)
    assert stored.effective_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the frozen clock


@pytest.mark.parametrize(("change", "status", "expression"), [
    ({"code": {"coding": [{"system": LOINC, "code": "8302-2"}]}}, 422, "Observation.code"),
    ({"code": {"coding": [{"system": "urn:other", "code": "11778-8"}]}}, 422,
     "Observation.code"),
    ({"status": "preliminary"}, 422, "Observation.status"),
    ({"valueDateTime": "2026-09"}, 422, "Observation.valueDateTime"),
    ({"valueDateTime": "2026"}, 422, "Observation.valueDateTime"),
    ({"valueDateTime": "2027-01-01"}, 422, "Observation.valueDateTime"),  # 305 days ahead
    ({"valueDateTime": "2026-09-10T10:00:00"}, 400, None),  # a time without its offset
    ({"subject": {"reference": "Patient/999999"}}, 422, "Observation.subject"),
    ({"subject": {"identifier": {"system": FNR_SYSTEM, "value": "15068512345"}}}, 422,
     "Observation.subject"),
])
def test_bad_observations_are_a_clear_4xx(client, frozen_clock, woman, writer, change, status,
                                          expression):
    refused(client.post("/fhir/R4/Observation", json={**due_date(woman), **change},
                        headers=writer), status, expression)
    assert table_rows(DueDate) == []


def test_a_value_other_than_a_date_time_is_refused(client, frozen_clock, woman, writer):
    resource = due_date(woman)
    del resource["valueDateTime"]
    resource["valueString"] = "2026-09-10"
    refused(client.post("/fhir/R4/Observation", json=resource, headers=writer), 422,
            "Observation.value")


def test_the_day_before_the_limit_is_taken(client, frozen_clock, woman, writer):
    # Today is 2 March 2026 in Oslo: 300 days ahead is 27 December 2026.
    assert client.post("/fhir/R4/Observation", json=due_date(woman, value="2026-12-27"),
                       headers=writer).status_code == 201
    refused(client.post("/fhir/R4/Observation", json=due_date(
        woman, identifier="D-2", value="2026-12-28"), headers=writer), 422)


def test_observations_searched_by_patient_identifier_and_code(client, frozen_clock, woman,
                                                              writer):
    assert client.post("/fhir/R4/Observation", json=due_date(woman),
                       headers=writer).status_code == 201
    reader = system_bearer("system/Observation.rs", name="reader")

    def found(query):
        response = client.get(f"/fhir/R4/Observation?{query}", headers=reader)
        assert response.status_code == 200, response.json
        return len(response.json.get("entry", []))

    assert found(f"patient.identifier={FNR_SYSTEM}|{national_id_of(woman)}") == 1
    assert found(f"patient.identifier={FNR_SYSTEM}|{national_id_of(make_person())}") == 0
    assert found(f"code={LOINC}|11778-8") == 1
    assert found("code=8302-2") == 0
    assert found("status=final") == 1 and found("status=amended") == 0
    assert found("date=ge2026-02-20T00:00:00Z") == 1 and found("date=lt2026-02-20") == 0


def schedule(*, identifier="S-1", code="routine-ultrasound", **extra) -> dict:
    return {"resourceType": "Schedule", "identifier": [{"value": identifier}], "active": True,
            "serviceType": [{"coding": [{"code": code}]}],
            "contained": [{"resourceType": "Location", "id": "lab", "name": "Ultralyd",
                           "address": {"line": ["Olav Kyrres gate 11"], "postalCode": "7030",
                                       "city": "Trondheim"},
                           "managingOrganization": {"identifier": {"system": ORG_NUMBER,
                                                                   "value": "883974832"}}}],
            "actor": [{"reference": "#lab"}], **extra}


def slot(schedule_id, *, identifier="T-1", status="free", start="2026-10-25T02:30:00+01:00",
         end="2026-10-25T03:00:00+01:00") -> dict:
    return {"resourceType": "Slot", "identifier": [{"value": identifier}],
            "schedule": {"reference": f"Schedule/{schedule_id}"}, "status": status,
            "start": start, "end": end}


def test_schedules_and_slots_per_service_and_place(client, frozen_clock, hospital, writer):
    created = client.post("/fhir/R4/Schedule", json=schedule(), headers=writer)
    assert created.status_code == 201, created.json
    FhirSchedule.model_validate(created.json)
    [stored] = table_rows(Schedule)
    assert (stored.organisation_id, stored.service) == (hospital.id, Service.ROUTINE)
    assert (stored.location_address_line, stored.location_city) == ("Olav Kyrres gate 11",
                                                                    "Trondheim")
    early = client.post("/fhir/R4/Schedule", json=schedule(identifier="S-2",
                                                           code="early-ultrasound"),
                        headers=writer).json
    for identifier, schedule_id, status in (("T-1", created.json["id"], "free"),
                                            ("T-2", created.json["id"], "busy"),
                                            ("T-3", early["id"], "free")):
        response = client.post("/fhir/R4/Slot", json=slot(schedule_id, identifier=identifier,
                                                           status=status), headers=writer)
        assert response.status_code == 201, response.json
        FhirSlot.model_validate(response.json)
    by_identifier = client.post("/fhir/R4/Slot", json={
        **slot(None, identifier="T-4"), "schedule": {"identifier": {"value": "S-2"}}},
        headers=writer)
    assert by_identifier.status_code == 201
    assert by_identifier.json["schedule"] == {"reference": f"Schedule/{early['id']}"}
    assert by_identifier.json["serviceType"][0]["coding"][0]["code"] == "early-ultrasound"

    def found(query):
        response = client.get(f"/fhir/R4/Slot?{query}", headers=writer)
        assert response.status_code == 200, response.json
        return sorted(e["resource"]["identifier"][0]["value"] for e in response.json["entry"])

    assert found("status=free&service-type=routine-ultrasound") == ["T-1"]
    assert found("status=free&service-type=early-ultrasound") == ["T-3", "T-4"]
    assert found(f"schedule=Schedule/{created.json['id']}") == ["T-1", "T-2"]
    assert found("schedule.identifier=S-2") == ["T-3", "T-4"]
    assert found("start=ge2026-10-25T01:30:00Z&identifier=T-1") == ["T-1"]
    assert found("start=gt2026-10-25T01:30:00Z") == []
    schedules = client.get("/fhir/R4/Schedule?service-type=early-ultrasound&active=true",
                           headers=writer).json
    assert [e["resource"]["id"] for e in schedules["entry"]] == [early["id"]]


def test_a_slot_in_the_repeated_autumn_hour_is_its_own_time(client, frozen_clock, hospital,
                                                            writer):
    schedule_id = client.post("/fhir/R4/Schedule", json=schedule(), headers=writer).json["id"]
    for identifier, offset in (("T-1", "+02:00"), ("T-2", "+01:00")):
        assert client.post("/fhir/R4/Slot", json=slot(
            schedule_id, identifier=identifier, start=f"2026-10-25T02:30:00{offset}",
            end=f"2026-10-25T02:59:00{offset}"), headers=writer).status_code == 201
    starts = [s.start for s in db.session.scalars(sa.select(Slot).order_by(Slot.start))]
    assert starts == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                      datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]


@pytest.mark.parametrize(("resource_type", "make", "status", "expression"), [
    ("Schedule", lambda s: schedule(serviceType=[{"coding": [{"code": "ct"}]}]), 422,
     "Schedule.serviceType"),
    ("Schedule", lambda s: {**schedule(), "contained": [], "actor": [{"display": "x"}]}, 422,
     "Schedule.actor"),
    ("Schedule", lambda s: {**schedule(), "identifier": []}, 422, "Schedule.identifier"),
    ("Slot", lambda s: slot(999999), 422, "Slot.schedule"),
    ("Slot", lambda s: slot(s, status="busy-tentative"), 422, "Slot.status"),
    ("Slot", lambda s: slot(s, end="2026-10-25T02:30:00+01:00"), 422, "Slot.end"),
    ("Slot", lambda s: slot(s, start="2026-10-25T02:30:00"), 400, "Slot.start"),
])
def test_bad_capacity_is_a_clear_4xx(client, frozen_clock, hospital, writer, resource_type,
                                     make, status, expression):
    schedule_id = client.post("/fhir/R4/Schedule", json=schedule(identifier="S-0"),
                              headers=writer).json["id"]
    before = len(table_rows(Schedule)), len(table_rows(Slot))
    refused(client.post(f"/fhir/R4/{resource_type}", json=make(schedule_id), headers=writer),
            status, expression)
    assert (len(table_rows(Schedule)), len(table_rows(Slot))) == before


def test_due_date_statuses_are_kept(client, frozen_clock, woman, writer):
    amended = due_date(woman, status="corrected")
    assert client.post("/fhir/R4/Observation", json=amended, headers=writer).status_code == 201
    assert table_rows(DueDate)[0].status is DueDateStatus.AMENDED
