"""The hospital system's Appointments for the early and the routine scan, over FHIR: what
is stored, idempotent creates and updates by business identifier, what the woman is told
and what goes to helsenorge, searches, and every refusal a clear 4xx."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.outbox.models import OutboxMessage
from services.people.identity import FNR_SYSTEM
from services.people.service import add_organisation, national_id_of
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    SlotStatus,
)
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, system_bearer
from tests.plugins.ultrasound import make_schedule, make_slot

FHIR = "application/fhir+json"
ORG_NUMBER = "urn:oid:2.16.578.1.12.4.1.4.101"
RESH = "urn:oid:2.16.578.1.12.4.1.4.102"
SYSTEM = "urn:oid:2.16.578.1.12.4.1.7.3.1"  # a hospital's appointment numbers


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def woman(db):
    person = make_person(given_name="Kari")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


@pytest.fixture
def writer(db):
    return system_bearer("system/Appointment.crus system/Slot.crus")


@pytest.fixture
def reader(db):
    return system_bearer("system/*.rs", name="helsenorge.no")


def appointment(woman, *, identifier="A-1", start="2026-03-20T08:30:00+01:00", minutes=30,
                status="booked", code="routine-ultrasound", **extra) -> dict:
    resource = {
        "resourceType": "Appointment",
        "identifier": [{"system": SYSTEM, "value": identifier}],
        "status": status,
        "serviceType": [{"coding": [{"system": "urn:other:codes", "code": code}]}],
        "start": start,
        "minutesDuration": minutes,
        "contained": [{"resourceType": "Location", "id": "loc",
                       "name": "Kvinneklinikken, ultralyd",
                       "address": {"line": ["Prinsesse Kristinas gate 6"],
                                   "postalCode": "7030", "city": "Trondheim"},
                       "managingOrganization": {"identifier": {"system": ORG_NUMBER,
                                                               "value": "883974832"}}}],
        "participant": [
            {"actor": {"identifier": {"system": FNR_SYSTEM, "value": national_id_of(woman)},
                       "display": "Kari"}, "status": "accepted"},
            {"actor": {"reference": "#loc"}, "status": "accepted"},
        ],
    }
    return {**resource, **extra}


def post(client, body, headers, **extra):
    return client.post("/fhir/R4/Appointment", json=body, headers={**headers, **extra})


def put_by_identifier(client, body, headers, identifier="A-1"):
    return client.put(f"/fhir/R4/Appointment?identifier={SYSTEM}|{identifier}", json=body,
                      headers=headers)


def refused(response, status: int, expression: str | None = None) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == FHIR
    issue = OperationOutcome.model_validate(response.json).issue[0]
    if expression is not None:
        assert expression in (issue.expression or [""])[0], issue.expression
    return issue.diagnostics


def notices(woman) -> list[str]:
    return [n.event for n in db.session.scalars(
        sa.select(Notification).where(Notification.person_id == woman.id)
        .order_by(Notification.id))]


def helsenorge_messages() -> list[dict]:
    return [m.payload for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.channel == "helsenorge-appointment")
        .order_by(OutboxMessage.id))]


def test_a_booked_appointment_is_stored_told_and_sent_to_helsenorge(client, frozen_clock,
                                                                    hospital, woman, writer,
                                                                    notify_rules):
    created = post(client, appointment(woman), writer)
    assert created.status_code == 201, created.json
    body = FhirAppointment.model_validate(created.json)
    assert body.status == "booked" and created.headers["ETag"] == 'W/"1"'
    assert created.json["start"] == "2026-03-20T07:30:00Z"
    assert created.json["end"] == "2026-03-20T08:00:00Z"
    assert created.json["minutesDuration"] == 30
    assert created.json["serviceType"][0]["coding"][0]["code"] == "routine-ultrasound"
    assert created.json["participant"][0]["actor"] == {"reference": f"Patient/{woman.id}"}
    assert created.json["contained"][0]["address"]["city"] == "Trondheim"

    [stored] = table_rows(Appointment)
    assert (stored.person_id, stored.organisation_id) == (woman.id, hospital.id)
    assert stored.location_name == "Kvinneklinikken, ultralyd"
    assert stored.location_address_line == "Prinsesse Kristinas gate 6"
    assert (stored.location_postal_code, stored.location_city) == ("7030", "Trondheim")
    assert notices(woman) == ["ultrasound.appointment-new"]
    assert helsenorge_messages() == [{"appointment_id": stored.id, "change": "new",
                                      "version": 1}]
    audited = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "Appointment")).all()
    assert [(a.action, a.subject_person_id) for a in audited] == [("create", woman.id)]


def test_conditional_create_is_idempotent(client, frozen_clock, hospital, woman, writer,
                                          notify_rules):
    condition = {"If-None-Exist": f"identifier={SYSTEM}|A-1"}
    first = post(client, appointment(woman), writer, **condition)
    second = post(client, appointment(woman), writer, **condition)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    assert len(table_rows(Appointment)) == 1
    assert notices(woman) == ["ultrasound.appointment-new"]
    # Without the condition, the same identifier is a conflict: a create never updates.
    refused(post(client, appointment(woman), writer), 409)


def test_conditional_update_creates_updates_and_repeats_idempotently(client, frozen_clock,
                                                                     hospital, woman, writer,
                                                                     notify_rules):
    created = put_by_identifier(client, appointment(woman), writer)
    assert created.status_code == 201, created.json
    again = put_by_identifier(client, appointment(woman), writer)
    assert again.status_code == 200 and again.json["meta"]["versionId"] == "1"
    assert notices(woman) == ["ultrasound.appointment-new"]

    moved = put_by_identifier(client, appointment(woman, start="2026-03-21T10:00:00+01:00"),
                              writer)
    assert moved.status_code == 200 and moved.json["meta"]["versionId"] == "2"
    assert moved.json["id"] == created.json["id"]
    assert put_by_identifier(client, appointment(woman, start="2026-03-21T10:00:00+01:00"),
                             writer).json["meta"]["versionId"] == "2"
    assert notices(woman) == ["ultrasound.appointment-new", "ultrasound.appointment-changed"]

    cancelled = put_by_identifier(client, appointment(
        woman, status="cancelled", start="2026-03-21T10:00:00+01:00",
        cancelationReason={"text": "Sykdom i avdelingen"}), writer)
    assert cancelled.status_code == 200
    assert cancelled.json["cancelationReason"] == {"text": "Sykdom i avdelingen"}
    [stored] = table_rows(Appointment)
    assert stored.status is AppointmentStatus.CANCELLED
    assert stored.cancelled_by is CancelledBy.HOSPITAL and stored.cancelled_at is not None
    assert notices(woman) == ["ultrasound.appointment-new", "ultrasound.appointment-changed",
                              "ultrasound.appointment-cancelled"]
    assert [m["change"] for m in helsenorge_messages()] == ["new", "changed", "cancelled"]
    assert len(table_rows(Appointment)) == 1


def test_a_conditional_update_that_matches_two_is_412_and_one_without_create_scope_403(
        client, frozen_clock, hospital, woman, writer):
    assert post(client, appointment(woman, identifier="A-1"), writer).status_code == 201
    assert post(client, appointment(woman, identifier="A-2"), writer).status_code == 201
    both = client.put(f"/fhir/R4/Appointment?patient=Patient/{woman.id}",
                      json=appointment(woman), headers=writer)
    refused(both, 412)
    updater = system_bearer("system/Appointment.u", name="update only")
    refused(put_by_identifier(client, appointment(woman, identifier="A-3"), updater, "A-3"),
            403)
    assert len(table_rows(Appointment)) == 2


def test_conditional_update_in_a_transaction(client, frozen_clock, hospital, woman, writer):
    entry = {"resource": appointment(woman),
             "request": {"method": "PUT", "url": f"Appointment?identifier={SYSTEM}|A-1"}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry]}
    first = client.post("/fhir/R4", json=bundle, headers=writer)
    assert first.status_code == 200, first.json
    assert first.json["entry"][0]["response"]["status"] == "201 Created"
    second = client.post("/fhir/R4", json=bundle, headers=writer)
    assert second.json["entry"][0]["response"]["status"] == "200 OK"
    assert len(table_rows(Appointment)) == 1


def test_end_instead_of_minutes_and_the_place_as_a_display(client, frozen_clock, hospital,
                                                           woman, writer):
    add_organisation(name="St. Olavs hospital HF", org_number="883974832")
    hospital.resh_id = "4001031"
    db.session.commit()
    resource = appointment(woman, end="2026-03-20T09:15:00+01:00")
    del resource["minutesDuration"], resource["contained"]
    resource["participant"][1] = {"actor": {"type": "Location", "display": "Ultralyd, 2. etg",
                                            "identifier": {"system": RESH,
                                                           "value": "4001031"}},
                                  "status": "accepted"}
    created = post(client, resource, writer)
    assert created.status_code == 201, created.json
    assert created.json["minutesDuration"] == 45
    [stored] = table_rows(Appointment)
    assert stored.location_name == "Ultralyd, 2. etg" and stored.location_city is None
    assert stored.organisation_id == hospital.id


def test_any_coding_system_names_the_service_and_our_code_system_is_published(
        client, frozen_clock, hospital, woman, writer):
    created = post(client, appointment(woman, code="early-ultrasound"), writer)
    assert created.status_code == 201
    published = client.get("/fhir/R4/CodeSystem/ultrasound-service")
    assert published.status_code == 200 and published.mimetype == FHIR
    assert {c["code"] for c in published.json["concept"]} == {"early-ultrasound",
                                                             "routine-ultrasound"}
    assert created.json["serviceType"][0]["coding"][0]["system"] == published.json["url"]
    refused(client.get("/fhir/R4/CodeSystem/other"), 404)


def test_times_are_stored_utc_right_across_the_clock_changes(client, frozen_clock, hospital,
                                                             woman, writer):
    # 25 October 2026: 02:30 happens twice in Oslo (first +02:00, then +01:00).
    first = post(client, appointment(woman, identifier="A-1",
                                     start="2026-10-25T02:30:00+02:00"), writer)
    second = post(client, appointment(woman, identifier="A-2",
                                      start="2026-10-25T02:30:00+01:00"), writer)
    # 29 March 2026: the hour after 02:00 does not exist; 03:30 +02:00 is 01:30 UTC.
    spring = post(client, appointment(woman, identifier="A-3",
                                      start="2026-03-29T03:30:00+02:00"), writer)
    assert [r.json["start"] for r in (first, second, spring)] == [
        "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-03-29T01:30:00Z"]
    starts = sorted(a.start for a in table_rows(Appointment))
    assert starts == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
                      datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                      datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]


@pytest.mark.parametrize(("change", "status", "expression"), [
    ({"start": "2026-03-20T08:30:00"}, 400, "Appointment.start"),  # no offset: not an instant
    ({"status": "proposed"}, 422, "Appointment.status"),
    ({"status": "bogus"}, 400, "Appointment.status"),
    ({"serviceType": [{"coding": [{"code": "mri"}]}]}, 422, "Appointment.serviceType"),
    ({"serviceType": [{"coding": [{"code": "early-ultrasound"},
                                  {"code": "routine-ultrasound"}]}]}, 422,
     "Appointment.serviceType"),
    ({"minutesDuration": 0}, 400, "Appointment.minutesDuration"),
    ({"minutesDuration": 601}, 422, "Appointment.minutesDuration"),
    ({"end": "2026-03-20T08:30:00+01:00"}, 422, "Appointment.end"),  # ends as it starts
    ({"end": "2026-03-20T09:30:00+01:00"}, 422, "Appointment.end"),  # minutes disagree
    ({"start": "1800-01-01T10:00:00+01:00"}, 422, "Appointment.start"),
    ({"identifier": [{"value": "A-1"}]}, 422, "Appointment.identifier[0]"),
    ({"identifier": []}, 422, "Appointment.identifier"),
    ({"slot": [{"reference": "Slot/999999"}]}, 422, "Appointment.slot[0]"),
])
def test_bad_input_is_a_clear_4xx_and_stores_nothing(client, frozen_clock, hospital, woman,
                                                     writer, change, status, expression):
    resource = {**appointment(woman), **change}
    refused(post(client, resource, writer), status, expression)
    assert table_rows(Appointment) == []


def test_an_unknown_woman_or_hospital_is_422(client, frozen_clock, hospital, woman, writer):
    unknown = appointment(woman)
    unknown["participant"][0]["actor"]["identifier"]["value"] = "15068512345"  # not registered
    refused(post(client, unknown, writer), 422, "Appointment.participant[0].actor.identifier")
    by_reference = appointment(woman)
    by_reference["participant"][0]["actor"] = {"reference": "Patient/999999"}
    refused(post(client, by_reference, writer), 422, "Appointment.participant[0].actor")
    nobody = appointment(woman)
    nobody["participant"] = nobody["participant"][1:]
    refused(post(client, nobody, writer), 422, "Appointment.participant")
    other_hospital = appointment(woman)
    other_hospital["contained"][0]["managingOrganization"]["identifier"]["value"] = "974749025"
    refused(post(client, other_hospital, writer), 422, "managingOrganization")
    no_hospital = appointment(woman)
    del no_hospital["contained"][0]["managingOrganization"]
    refused(post(client, no_hospital, writer), 422, "Appointment.participant")
    assert table_rows(Appointment) == []


def test_the_woman_cannot_change_and_another_hospital_token_needs_the_scope(
        client, frozen_clock, hospital, woman, writer):
    created = post(client, appointment(woman), writer).json
    other = make_person(given_name="Ola")
    changed = appointment(other)
    refused(client.put(f"/fhir/R4/Appointment/{created['id']}",
                       json={**changed, "id": created["id"]}, headers=writer), 422,
            "Appointment.participant")
    patient_only = system_bearer("system/Patient.crus", name="patients only")
    refused(post(client, appointment(woman, identifier="A-9"), patient_only), 403)
    refused(client.get(f"/fhir/R4/Appointment/{created['id']}", headers=patient_only), 403)


def test_a_slot_is_taken_by_one_appointment_and_freed_by_its_cancellation(
        client, frozen_clock, hospital, woman, writer):
    schedule = make_schedule(hospital)
    slot = make_slot(schedule, datetime(2026, 3, 20, 7, 30, tzinfo=UTC))
    first = post(client, appointment(woman, slot=[{"reference": f"Slot/{slot.id}"}]), writer)
    assert first.status_code == 201, first.json
    db.session.refresh(slot)
    assert (slot.status, slot.appointment_id) == (SlotStatus.BUSY, int(first.json["id"]))
    other = make_person(given_name="Ola")
    taken = post(client, appointment(other, identifier="A-2",
                                     slot=[{"reference": f"Slot/{slot.id}"}]), writer)
    refused(taken, 422, "Appointment.slot[0]")
    assert len(table_rows(Appointment)) == 1

    cancel = appointment(woman, status="cancelled", slot=[{"reference": f"Slot/{slot.id}"}])
    assert put_by_identifier(client, cancel, writer).status_code == 200
    db.session.refresh(slot)
    assert (slot.status, slot.appointment_id) == (SlotStatus.FREE, None)
    assert post(client, appointment(other, identifier="A-2",
                                    slot=[{"reference": f"Slot/{slot.id}"}]),
                writer).status_code == 201


def test_a_busy_slot_holding_an_appointment_cannot_be_freed_by_the_hospital(
        client, frozen_clock, hospital, woman, writer):
    schedule = make_schedule(hospital)
    slot = make_slot(schedule, datetime(2026, 3, 20, 7, 30, tzinfo=UTC), identifier="S-1")
    assert post(client, appointment(woman, slot=[{"reference": f"Slot/{slot.id}"}]),
                writer).status_code == 201
    free = {"resourceType": "Slot", "id": str(slot.id), "identifier": [{"value": "S-1"}],
            "schedule": {"reference": f"Schedule/{schedule.id}"}, "status": "free",
            "start": "2026-03-20T07:30:00Z", "end": "2026-03-20T08:00:00Z"}
    refused(client.put(f"/fhir/R4/Slot/{slot.id}", json=free, headers=writer), 422,
            "Slot.status")


def test_past_appointments_and_errors_tell_her_nothing(client, frozen_clock, hospital, woman,
                                                       writer, notify_rules):
    past = post(client, appointment(woman, identifier="A-0",
                                    start="2026-02-01T09:00:00+01:00"), writer)
    assert past.status_code == 201
    assert post(client, appointment(woman), writer).status_code == 201
    assert put_by_identifier(client, appointment(woman, status="entered-in-error"),
                             writer).status_code == 200
    fulfilled = put_by_identifier(client, appointment(woman, identifier="A-0",
                                                      start="2026-02-01T09:00:00+01:00",
                                                      status="fulfilled"), writer, "A-0")
    assert fulfilled.status_code == 200
    assert notices(woman) == ["ultrasound.appointment-new"]
    assert [m["change"] for m in helsenorge_messages()] == ["new", "withdrawn"]


def test_search_by_patient_identifier_date_status_and_service(client, frozen_clock, hospital,
                                                              woman, writer, reader):
    other = make_person(given_name="Ola")
    for identifier, who, start, code, status in (
            ("A-1", woman, "2026-03-20T08:30:00+01:00", "early-ultrasound", "booked"),
            ("A-2", woman, "2026-05-20T08:30:00+02:00", "routine-ultrasound", "booked"),
            ("A-3", woman, "2026-04-01T08:30:00+02:00", "routine-ultrasound", "cancelled"),
            ("A-4", other, "2026-03-20T09:30:00+01:00", "early-ultrasound", "booked")):
        response = post(client, appointment(who, identifier=identifier, start=start, code=code,
                                            status=status), writer)
        assert response.status_code == 201, response.json

    def found(query: str) -> list[str]:
        response = client.get(f"/fhir/R4/Appointment?{query}", headers=reader)
        assert response.status_code == 200, response.json
        Bundle.model_validate(response.json)
        return sorted(e["resource"]["identifier"][0]["value"]
                      for e in response.json.get("entry", []))

    number = national_id_of(woman)
    assert found(f"patient.identifier={FNR_SYSTEM}|{number}") == ["A-1", "A-2", "A-3"]
    assert found(f"patient=Patient/{woman.id}") == ["A-1", "A-2", "A-3"]
    assert found(f"patient=Patient/{other.id}") == ["A-4"]
    assert found(f"patient.identifier={number}&status=booked") == ["A-1", "A-2"]
    assert found(f"patient.identifier={number}&service-type=routine-ultrasound") == [
        "A-2", "A-3"]
    assert found("date=ge2026-04-01T00:00:00Z&date=lt2026-06-01T00:00:00Z") == ["A-2", "A-3"]
    assert found(f"identifier={SYSTEM}|A-4") == ["A-4"]
    assert found("identifier=A-4") == ["A-4"]
    assert found("identifier=urn:other|A-4") == []
    assert found("status=waitlist") == []
    assert found("service-type=mri") == []
    refused(client.get("/fhir/R4/Appointment?practitioner=x", headers=reader), 400)


def test_reads_and_searches_are_audited_with_her_as_subject(client, frozen_clock, hospital,
                                                            woman, writer, reader):
    created = post(client, appointment(woman), writer).json
    client.get(f"/fhir/R4/Appointment/{created['id']}", headers=reader)
    client.get(f"/fhir/R4/Appointment?patient=Patient/{woman.id}", headers=reader)
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "Appointment")).all()
    assert [(r.action, r.subject_person_id, r.purpose) for r in rows] == [
        ("create", woman.id, "appointments"), ("read", woman.id, "appointments"),
        ("search", woman.id, "appointments")]


def test_the_interpreter_need_is_carried_onto_the_booking(client, frozen_clock, hospital,
                                                          woman, writer):
    woman.interpreter_language = "so"
    db.session.commit()
    created = post(client, appointment(woman), writer)
    [interpreter] = [p for p in created.json["participant"] if "type" in p]
    assert interpreter["type"][0]["coding"][0]["code"] == "INTP"
    assert interpreter["type"][0]["text"] == "so"
    assert table_rows(Appointment)[0].interpreter_language == "so"


def test_metadata_lists_the_ultrasound_types(client):
    statement = client.get("/fhir/R4/metadata").json["rest"][0]["resource"]
    by_type = {r["type"]: r for r in statement}
    assert {"Appointment", "Observation", "Schedule", "Slot"} <= set(by_type)
    assert {p["name"] for p in by_type["Appointment"]["searchParam"]} >= {
        "patient", "date", "status", "service-type", "identifier"}
    assert by_type["Appointment"]["conditionalUpdate"] is True
    assert "early-ultrasound" in by_type["Appointment"]["documentation"]


def test_a_confirmation_holds_for_the_time_she_confirmed(client, frozen_clock, hospital,
                                                         woman, writer):
    assert put_by_identifier(client, appointment(woman), writer).status_code == 201
    [stored] = table_rows(Appointment)
    db.session.get(Appointment, stored.id).confirmed_at = datetime(2026, 3, 2, 9, 0,
                                                                   tzinfo=UTC)
    db.session.commit()
    same = put_by_identifier(client, appointment(woman), writer)
    assert same.json["participant"][0]["status"] == "accepted"
    moved = put_by_identifier(client, appointment(woman, start="2026-03-20T09:30:00+01:00"),
                              writer)
    assert moved.json["participant"][0]["status"] == "needs-action"
    assert table_rows(Appointment)[0].confirmed_at is None
