"""Codes outside their required value sets are refused at the FHIR API, naming the element."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.db import table_rows
from tests.plugins.factories import national_id_for, system_bearer

FHIR = "application/fhir+json"


def patient(number: str, **extra) -> dict:
    return {"resourceType": "Patient",
            "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"use": "official", "family": "Nordmann", "given": ["Kari"]}], **extra}


@pytest.fixture
def writer(db):
    return system_bearer("system/Patient.crus")


def issue_of(response):
    assert response.mimetype == FHIR
    [issue] = OperationOutcome.model_validate(response.json).issue
    return issue


def test_a_bogus_gender_is_400_naming_patient_gender(client, writer):
    body = patient(national_id_for(date(1985, 6, 15), 40), gender="bogus")
    response = client.post("/fhir/R4/Patient", json=body, headers=writer)
    assert response.status_code == 400, response.json
    issue = issue_of(response)
    assert issue.code == "code-invalid" and issue.severity == "error"
    assert issue.expression == ["Patient.gender"]
    assert "'bogus'" in issue.diagnostics and "administrative-gender" in issue.diagnostics
    assert table_rows(Person) == []


def test_a_bogus_name_use_is_400_with_its_index(client, writer):
    body = patient(national_id_for(date(1985, 6, 15), 41))
    body["name"].append({"use": "nick", "given": ["Kaja"]})
    response = client.post("/fhir/R4/Patient", json=body, headers=writer)
    assert response.status_code == 400
    assert issue_of(response).expression == ["Patient.name[1].use"]


def test_an_unknown_request_method_in_a_transaction_is_400_naming_the_entry(client, writer):
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": patient(national_id_for(date(1985, 6, 15), 42)),
         "request": {"method": "FETCH", "url": "Patient"}},
    ]}
    response = client.post("/fhir/R4", json=bundle, headers=writer)
    assert response.status_code == 400, response.json
    issue = issue_of(response)
    assert issue.code == "code-invalid"
    assert issue.expression == ["Bundle.entry[0].request.method"]
    assert table_rows(Person) == []


def test_a_bad_code_in_a_bundle_entry_resource_refuses_the_bundle(client, writer):
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": patient(national_id_for(date(1985, 6, 15), 43)),
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient(national_id_for(date(1985, 6, 15), 44), gender="kvinne"),
         "request": {"method": "POST", "url": "Patient"}},
    ]}
    response = client.post("/fhir/R4", json=bundle, headers=writer)
    # As with a structural error: the Bundle as a whole is not valid FHIR.
    assert response.status_code == 400, response.json
    assert issue_of(response).expression == ["Bundle.entry[1].resource.gender"]
    assert table_rows(Person) == []


def test_valid_codes_still_pass(client, writer):
    body = patient(national_id_for(date(1985, 6, 15), 45), gender="female",
                   telecom=[{"system": "sms", "value": "+4791234567", "use": "mobile"}])
    response = client.post("/fhir/R4/Patient", json=body, headers=writer)
    assert response.status_code == 201, response.json
