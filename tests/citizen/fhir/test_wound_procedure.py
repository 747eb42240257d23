"""Procedure: operations under wound-infection surveillance, as the hospital registers them;
each becomes a follow-up case due on the operation's day plus its category's window."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.procedure import Procedure

from services.audit.models import AuditEvent
from services.db import db
from services.people.service import national_id_of
from services.wound.models import (
    CaseState,
    FollowUp,
    Operation,
    OperationStatus,
    ReportedEvent,
    ReportedEventKind,
)
from tests.citizen.fhir.wound_support import EXT, procedure
from tests.plugins.factories import make_organisation, make_person, system_bearer

FHIR = "application/fhir+json"


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    return make_person(date(1985, 6, 7), given_name="Ola", family_name="Hansen")


@pytest.fixture
def writer(db):
    return system_bearer("system/Procedure.cruds system/Patient.rs")


def post(client, resource, headers, **extra):
    return client.post("/fhir/R4/Procedure", json=resource,
                       headers={**headers, "Content-Type": FHIR, **extra})


def test_an_operation_is_registered_classified_scored_and_scheduled(client, patient, writer):
    created = post(client, procedure(national_id=national_id_of(patient), asa=3,
                                     wound_class=3, end="2026-03-02T10:05:00+01:00",
                                     discharge_date="2026-03-05"), writer)
    assert created.status_code == 201, created.json
    body = created.json
    Procedure.model_validate(body)
    extensions = {e["url"].removeprefix(EXT): e for e in body["extension"]}
    assert extensions["nnis-risk-index"]["valueInteger"] == 3  # ASA 3, class 3, 65 > 60 min
    assert body["code"]["coding"][0]["code"] == "CSEC"
    assert {"code": "MCA10", "display": "Keisersnitt"} in body["code"]["coding"]
    assert body["performedPeriod"] == {"start": "2026-03-02T08:00:00Z",
                                       "end": "2026-03-02T09:05:00Z"}
    [operation] = db.session.scalars(sa.select(Operation))
    assert (operation.duration_minutes, operation.discharged_on) == (65, date(2026, 3, 5))
    [case] = db.session.scalars(sa.select(FollowUp))
    assert (case.state, case.due_on, case.person_id) == (
        CaseState.SCHEDULED, date(2026, 4, 1), patient.id)
    assert case.questionnaire_version == "1.0"


def test_the_same_create_twice_is_a_conflict_and_a_conditional_one_finds_it(client, patient,
                                                                           writer):
    resource = procedure(national_id=national_id_of(patient))
    assert post(client, resource, writer).status_code == 201
    assert post(client, resource, writer).status_code == 409
    again = post(client, resource, writer,
                 **{"If-None-Exist": "identifier=urn:oid:2.16.578.1.12.4.1.4.1.4|OP-1"})
    assert again.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Operation)) == 1


def test_a_correction_moves_the_due_day_and_reported_events_mute_the_case(client, patient,
                                                                         writer):
    resource = procedure(national_id=national_id_of(patient))
    operation_id = post(client, resource, writer).json["id"]
    corrected = procedure(national_id=national_id_of(patient),
                          start="2026-03-04T09:00:00+01:00", end="2026-03-04T09:40:00+01:00",
                          readmission_date="2026-03-10")
    updated = client.put(f"/fhir/R4/Procedure/{operation_id}",
                         json={**corrected, "id": operation_id},
                         headers={**writer, "Content-Type": FHIR})
    assert updated.status_code == 200, updated.json
    case = db.session.scalar(sa.select(FollowUp))
    assert (case.due_on, case.muted_reason) == (date(2026, 4, 3), "readmitted")
    [event] = db.session.scalars(sa.select(ReportedEvent))
    assert (event.kind, event.occurred_on) == (ReportedEventKind.READMITTED, date(2026, 3, 10))
    shown = client.get(f"/fhir/R4/Procedure/{operation_id}", headers=writer).json
    assert {"url": EXT + "readmission-date", "valueDate": "2026-03-10"} in shown["extension"]


def test_withdrawing_an_operation_closes_a_case_not_yet_answered(client, patient, writer):
    resource = procedure(national_id=national_id_of(patient))
    operation_id = post(client, resource, writer).json["id"]
    client.put(f"/fhir/R4/Procedure/{operation_id}",
               json={**resource, "id": operation_id, "status": "entered-in-error"},
               headers={**writer, "Content-Type": FHIR})
    assert db.session.scalar(sa.select(Operation.status)) is OperationStatus.ENTERED_IN_ERROR
    assert db.session.scalar(sa.select(FollowUp.state)) is CaseState.CLOSED
    case_id = db.session.scalar(sa.select(FollowUp.id))
    moved = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp",
        AuditEvent.resource_id == f"{case_id}/closed"))
    assert moved is not None and moved.action == "update"  # the move is audited as any


def test_search_by_patient_category_and_date(client, patient, writer):
    number = national_id_of(patient)
    post(client, procedure(national_id=number, identifier="A"), writer)
    post(client, procedure(national_id=number, identifier="B", category="HPRO",
                           start="2026-05-02T09:00:00+02:00", end="2026-05-02T10:30:00+02:00"),
         writer)
    found = client.get(f"/fhir/R4/Procedure?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|"
                       f"{number}&code=HPRO", headers=writer).json
    assert [e["resource"]["identifier"][0]["value"] for e in found["entry"]] == ["B"]
    in_march = client.get("/fhir/R4/Procedure?date=lt2026-04-01", headers=writer).json
    assert [e["resource"]["identifier"][0]["value"] for e in in_march["entry"]] == ["A"]


@pytest.mark.parametrize(("change", "expression"), [
    ({"status": "in-progress"}, "Procedure.status"),
    ({"code": {"coding": [{"code": "MCA10"}]}}, "Procedure.code"),
    ({"performedPeriod": {"start": "2026-03-02T09:00:00+01:00"}}, "Procedure.performedPeriod.end"),
    ({"performedPeriod": {"start": "2026-03-02", "end": "2026-03-02T10:00:00+01:00"}},
     "Procedure.performedPeriod.start"),
    ({"performedPeriod": {"start": "2026-03-02T10:00:00+01:00",
                          "end": "2026-03-02T09:00:00+01:00"}}, "Procedure.performedPeriod.end"),
    ({"performedPeriod": {"start": "2026-03-02T10:00:00+01:00",
                          "end": "2026-03-03T10:01:00+01:00"}}, "Procedure.performedPeriod.end"),
    ({"performer": []}, "Procedure.performer"),
    ({"performer": [{"actor": {"display": "Kirurgen"}, "onBehalfOf": {"identifier": {
        "system": "urn:oid:2.16.578.1.12.4.1.4.101", "value": "999999999"}}}]},
     "Procedure.performer[0].onBehalfOf.identifier"),
    ({"identifier": []}, "Procedure.identifier"),
])
def test_what_cannot_be_followed_up_is_refused_naming_the_element(client, patient, writer,
                                                                  change, expression):
    refused = post(client, {**procedure(national_id=national_id_of(patient)), **change}, writer)
    assert refused.status_code == 422, refused.json
    assert refused.json["issue"][0]["expression"] == [expression]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Operation)) == 0


@pytest.mark.parametrize(("extensions", "said"), [
    ({"asa": 0}, "ASA class is 1 to 5"), ({"asa": 6}, "ASA class is 1 to 5"),
    ({"asa": "3"}, "ASA class is required"), ({"asa": True}, "ASA class is required"),
    ({"wound_class": 5}, "Wound contamination class is 1 to 4"),
    ({"emergency": None}, "Emergency operation is required"),
    ({"discharge_date": "2026-03-01"}, "cannot leave before the operation"),
])
def test_bad_extension_values_are_refused(client, patient, writer, extensions, said):
    values = {"asa": 2, "wound_class": 2, "emergency": False, **extensions}
    discharge = values.pop("discharge_date", None)
    extra = {"discharge_date": discharge} if discharge else {}
    refused = post(client, procedure(national_id=national_id_of(patient), **values, **extra),
                   writer)
    assert refused.status_code == 422 and said in refused.json["issue"][0]["diagnostics"]


def test_its_extensions_are_published_as_structure_definitions(client):
    from fhir.resources.R4B.structuredefinition import StructureDefinition

    asa = client.get("/fhir/R4/StructureDefinition/asa-class")
    assert asa.status_code == 200 and asa.mimetype == FHIR
    StructureDefinition.model_validate(asa.json)
    assert asa.json["url"] == EXT + "asa-class"
    assert asa.json["context"] == [{"type": "element", "expression": "Procedure"}]
    listed = client.get(f"/fhir/R4/StructureDefinition?url={EXT}wound-class").json
    assert [e["resource"]["id"] for e in listed["entry"]] == ["wound-class"]
    everything = client.get("/fhir/R4/StructureDefinition").json
    assert {"asa-class", "readmission-date", "nnis-risk-index"} <= {
        e["resource"]["id"] for e in everything["entry"]}
    assert client.get("/fhir/R4/StructureDefinition/nothing").status_code == 404


def test_the_questionnaire_is_served_by_id_and_by_url_and_version(client):
    url = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup"
    by_id = client.get("/fhir/R4/Questionnaire/wound-infection-followup-1.0")
    assert by_id.status_code == 200 and by_id.json["version"] == "1.0"
    for query in (f"url={url}&version=1.0", f"url={url}|1.0", f"url={url}"):
        found = client.get(f"/fhir/R4/Questionnaire?{query}").json
        assert [e["resource"]["version"] for e in found["entry"]] == ["1.0"], query
    assert client.get(f"/fhir/R4/Questionnaire?url={url}&version=9").json["total"] == 0
    assert client.get("/fhir/R4/Questionnaire/other").status_code == 404
