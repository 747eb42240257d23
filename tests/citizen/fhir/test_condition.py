"""Condition: classified SSIs, read-only; "no SSI" is no Condition."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.condition import Condition

from services.db import db
from services.wound.models import CaseState, Classification, SSILevel
from tests.plugins.factories import make_organisation, make_person, system_bearer
from tests.services.wound.factories import make_case

FHIR = "application/fhir+json"


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def reader(db):
    return {**system_bearer("system/Condition.rs"), "Accept": FHIR}


def _classified(person, hospital, level, **fields):
    case = make_case(person, hospital, state=CaseState.CLASSIFIED)
    row = Classification(follow_up_id=case.id, level=level, classified_by="staff 1", **fields)
    db.session.add(row)
    db.session.commit()
    return case, row


def test_an_ssi_reads_as_a_condition(client, hospital, reader):
    case, row = _classified(make_person(), hospital, SSILevel.ORGAN_SPACE,
                            criterion="organ-space-abscess", organ_site="IAB",
                            onset_on=date(2026, 3, 20))

    response = client.get(f"/fhir/R4/Condition/{row.id}", headers=reader)

    assert response.status_code == 200, response.json
    body = response.json
    Condition.model_validate(body)
    assert body["code"]["coding"][0]["code"] == "433202001"
    assert body["stage"][0]["summary"]["coding"][0]["code"] == "organ_space"
    assert body["evidence"][0]["detail"] == [{"reference": f"Procedure/{case.operation_id}"}]
    assert body["evidence"][0]["code"][0]["coding"][0]["code"] == "organ-space-abscess"
    assert body["onsetDateTime"] == "2026-03-20"
    assert body["subject"] == {"reference": f"Patient/{case.person_id}"}


def test_every_coding_of_a_condition_is_in_a_code_system_served_here(client, hospital,
                                                                    reader):
    from fhir.resources.R4B.codesystem import CodeSystem

    _case, row = _classified(make_person(), hospital, SSILevel.ORGAN_SPACE,
                             criterion="organ-space-abscess", organ_site="IAB")
    body = client.get(f"/fhir/R4/Condition/{row.id}", headers=reader).json
    codings = [body["stage"][0]["summary"]["coding"][0],
               body["evidence"][0]["code"][0]["coding"][0], body["bodySite"][0]["coding"][0]]

    for coding in codings:
        served = client.get("/fhir/R4/CodeSystem/" + coding["system"].rsplit("/", 1)[1])
        assert served.status_code == 200, coding
        CodeSystem.model_validate(served.json)
        assert served.json["url"] == coding["system"]
        assert coding["code"] in {c["code"] for c in served.json["concept"]}
    levels = client.get("/fhir/R4/CodeSystem/ssi-level").json
    assert [c["code"] for c in levels["concept"]] == ["superficial", "deep", "organ_space"]
    criteria = client.get("/fhir/R4/CodeSystem/ssi-classification-criterion").json
    assert criteria["count"] == 12
    assert criteria["concept"][0] == {
        "code": "organ-space-purulent-drain",
        "display": "Pus from a drain placed into the organ/space",
        "definition": "Organ/space SSI: Pus from a drain placed into the organ/space"}


def test_no_ssi_is_no_condition(client, hospital, reader):
    _case, row = _classified(make_person(), hospital, SSILevel.NONE)

    assert client.get(f"/fhir/R4/Condition/{row.id}", headers=reader).status_code == 404


def test_search_by_patient_and_by_procedure(client, hospital, reader):
    kari, ola = make_person(), make_person(given_name="Ola")
    case, _ = _classified(kari, hospital, SSILevel.SUPERFICIAL,
                          criterion="superficial-purulent")
    _classified(ola, hospital, SSILevel.DEEP, criterion="deep-purulent")

    by_patient = client.get(f"/fhir/R4/Condition?patient=Patient/{kari.id}", headers=reader)
    by_procedure = client.get(
        f"/fhir/R4/Condition?evidence-detail=Procedure/{case.operation_id}", headers=reader)

    assert by_patient.status_code == 200 and len(by_patient.json["entry"]) == 1
    assert by_procedure.status_code == 200 and len(by_procedure.json["entry"]) == 1


def test_without_the_scope_refused(client, hospital):
    _case, row = _classified(make_person(), hospital, SSILevel.DEEP)
    headers = {**system_bearer("system/Procedure.rs"), "Accept": FHIR}

    assert client.get(f"/fhir/R4/Condition/{row.id}", headers=headers).status_code == 403
