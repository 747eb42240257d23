"""QuestionnaireResponse: her answer sent by an authorised client (an app, helsenorge),
one per operation's follow-up; repeats recognised, a different final refused, every bad
input a clear OperationOutcome that stores nothing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from services.audit.models import AuditEvent
from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.service import national_id_of
from services.wound.models import Answer, AnswerChannel, AnswerStatus, CaseState, FollowUp
from tests.citizen.fhir.wound_support import EXT, questionnaire_response
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, system_bearer
from tests.services.wound.answering import CANONICAL
from tests.services.wound.factories import make_case

FHIR = "application/fhir+json"
URL = "/fhir/R4/QuestionnaireResponse"


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    return make_person(date(1985, 6, 7), given_name="Ola", family_name="Hansen")


@pytest.fixture
def case(patient, hospital):
    return make_case(patient, hospital, state=CaseState.INVITED)


@pytest.fixture
def app_client(db):
    return system_bearer("system/QuestionnaireResponse.crs system/Patient.r",
                         name="Pasientapp")


def answer_for(case, **answers):
    operation = case.operation
    return questionnaire_response(
        national_id=national_id_of(_person(case)),
        operation=(operation.identifier_system, operation.identifier_value), **answers)


def _person(case):
    from services.people.models import Person

    return db.session.get(Person, case.person_id)


def post(client, resource, headers, **extra):
    return client.post(URL, json=resource, headers={**headers, "Content-Type": FHIR, **extra})


def stored_answer() -> Answer:
    [answer] = table_rows(Answer)
    return answer


def test_a_final_answer_is_created_answers_the_case_and_reads_back(client, case, app_client,
                                                                  notify_rules):
    created = post(client, answer_for(case, signs={"pus": "a-little"}), app_client)

    assert created.status_code == 201, created.json
    body = created.json
    QuestionnaireResponse.model_validate(body)
    assert body["status"] == "completed" and body["questionnaire"] == CANONICAL
    assert body["subject"] == {"reference": f"Patient/{case.person_id}"}
    assert body["partOf"][0]["reference"] == f"Procedure/{case.operation_id}"
    assert body["partOf"][0]["identifier"]["value"] == case.operation.identifier_value
    assert {"url": EXT + "answer-channel", "valueCode": "fhir"} in body["extension"]
    assert body["item"][0]["item"][6]["answer"][0]["valueCoding"]["code"] == "a-little"
    assert created.headers["Location"].endswith(f"{URL}/{body['id']}/_history/1")

    answer = stored_answer()
    assert (answer.status, answer.channel) == (AnswerStatus.FINAL, AnswerChannel.FHIR)
    assert answer.answered_by.startswith("system:")
    refreshed = db.session.get(FollowUp, case.id)
    assert (refreshed.state, refreshed.answered_via) == (CaseState.ANSWERED, AnswerChannel.FHIR)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "QuestionnaireResponse", AuditEvent.action == "create",
        AuditEvent.subject_person_id == case.person_id)) == 1

    read = client.get(f"{URL}/{body['id']}", headers=app_client)
    assert read.status_code == 200 and read.json == body


def test_the_case_can_be_named_by_procedure_id_and_the_patient_by_reference(client, case,
                                                                            app_client):
    resource = questionnaire_response(patient_id=case.person_id,
                                      procedure_id=case.operation_id)
    created = post(client, resource, app_client)
    assert created.status_code == 201, created.json
    assert stored_answer().follow_up_id == case.id


def test_the_same_final_answer_again_is_200_with_the_stored_one(client, case, app_client):
    first = post(client, answer_for(case), app_client)
    again = post(client, answer_for(case), app_client)

    assert again.status_code == 200, again.json
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert len(table_rows(Answer)) == 1
    assert stored_answer().version_id == 1


def test_a_different_final_answer_after_it_is_409_and_the_first_stays(client, case,
                                                                     app_client):
    first = post(client, answer_for(case), app_client)
    other = post(client, answer_for(case, fever=True), app_client)

    assert other.status_code == 409
    assert other.mimetype == FHIR and other.json["issue"][0]["code"] == "conflict"
    assert "answered already" in other.json["issue"][0]["diagnostics"]
    assert stored_answer().final_sha256 is not None
    read = client.get(f"{URL}/{first.json['id']}", headers=app_client)
    assert read.json == first.json


def test_a_draft_is_created_replaced_by_the_next_and_finished(client, case, app_client):
    draft = post(client, answer_for(case, complete=False), app_client)
    assert draft.status_code == 201, draft.json
    assert draft.json["status"] == "in-progress"
    assert db.session.get(FollowUp, case.id).state is CaseState.INVITED

    second = post(client, answer_for(case, signs={"pain": "a-lot"}, complete=False), app_client)
    assert second.status_code == 200 and second.json["id"] == draft.json["id"]
    assert second.json["meta"]["versionId"] == "2"

    final = post(client, answer_for(case), app_client)
    assert final.status_code == 200 and final.json["status"] == "completed"
    assert len(table_rows(Answer)) == 1


def test_a_repeat_without_read_scope_is_200_without_a_body(client, case):
    create_only = system_bearer("system/QuestionnaireResponse.c", name="helsenorge")
    assert post(client, answer_for(case), create_only).status_code == 201
    again = post(client, answer_for(case), create_only)
    assert again.status_code == 200 and again.get_data() == b""
    assert again.headers["ETag"] == 'W/"1"'


def _refused(response, status, expression=None, words=None):
    assert response.status_code == status, response.json
    assert response.mimetype == FHIR
    issue = response.json["issue"][0]
    if expression:
        assert expression in issue["expression"], issue
    if words:
        assert words in issue["diagnostics"], issue
    assert table_rows(Answer) == []
    return issue


def test_an_unknown_operation_and_another_patients_are_refused_alike(client, case, hospital,
                                                                    app_client):
    unknown = answer_for(case)
    unknown["partOf"][0]["identifier"]["value"] = "no-such-operation"
    first = _refused(post(client, unknown, app_client), 422,
                     "QuestionnaireResponse.partOf")

    someone_else = make_person(date(1990, 1, 2), given_name="Kari")
    theirs = make_case(someone_else, hospital, state=CaseState.INVITED)
    mine = questionnaire_response(
        national_id=national_id_of(_person(case)),
        operation=(theirs.operation.identifier_system, theirs.operation.identifier_value))
    second = _refused(post(client, mine, app_client), 422, "QuestionnaireResponse.partOf")
    assert second["diagnostics"] == first["diagnostics"]
    assert db.session.get(FollowUp, theirs.id).state is CaseState.INVITED


@pytest.mark.parametrize(("change", "expression", "words"), [
    (lambda r: r.pop("partOf"), "QuestionnaireResponse.partOf", "name the operation"),
    (lambda r: r.update(partOf=[{"reference": "Observation/1"}]),
     "QuestionnaireResponse.partOf", "name the operation"),
    (lambda r: r.update(partOf=[{"reference": "Procedure/99999"}]),
     "QuestionnaireResponse.partOf", "no follow-up"),
    (lambda r: r.update(partOf=[{"identifier": {"value": "x"}}]),
     "QuestionnaireResponse.partOf[0].identifier", "system and a value"),
    (lambda r: r.pop("subject"), "QuestionnaireResponse.subject", "not known"),
    (lambda r: r.update(subject={"identifier": {"system": FNR_SYSTEM,
                                                "value": "15068512345"}}),
     "QuestionnaireResponse.subject.identifier", None),
    (lambda r: r.update(status="amended"), "QuestionnaireResponse.status", "completed"),
    (lambda r: r.update(questionnaire=CANONICAL.replace("|1.0", "|0.9")),
     "QuestionnaireResponse.questionnaire", "1.0"),
    (lambda r: r["item"][0]["item"].append({"linkId": "mood", "answer": [
        {"valueBoolean": True}]}), "QuestionnaireResponse.item[0].item[9]", "mood"),
    (lambda r: r["item"][0]["item"][0].update(answer=[{"valueBoolean": True}]),
     "QuestionnaireResponse.item[0].item[0].answer[0]", "valueCoding"),
    (lambda r: r["item"].pop(1), "QuestionnaireResponse", "'care' is required"),
])
def test_what_cannot_be_taken_is_refused_naming_the_element(client, case, app_client, change,
                                                            expression, words):
    resource = answer_for(case)
    change(resource)
    _refused(post(client, resource, app_client), 422, expression, words)
    assert db.session.get(FollowUp, case.id).state is CaseState.INVITED


@pytest.mark.parametrize("state", [CaseState.SCHEDULED, CaseState.CLOSED,
                                   CaseState.LOST])
def test_a_case_that_takes_no_answer_is_409(client, patient, hospital, app_client, state):
    case = make_case(patient, hospital, state=state)
    issue = _refused(post(client, answer_for(case), app_client), 409)
    assert issue["code"] == "conflict"


def test_a_late_answer_of_a_non_responder_is_taken(client, patient, hospital, app_client):
    case = make_case(patient, hospital, state=CaseState.NON_RESPONDER)
    assert post(client, answer_for(case), app_client).status_code == 201
    assert db.session.get(FollowUp, case.id).state is CaseState.ANSWERED


def test_without_the_create_scope_it_is_403_and_nothing_is_stored(client, case):
    reader = system_bearer("system/QuestionnaireResponse.rs", name="reader")
    _refused(post(client, answer_for(case), reader), 403)


def test_an_update_is_not_offered(client, case, app_client):
    created = post(client, answer_for(case), app_client).json
    everything = system_bearer("system/*.cruds", name="everything")
    changed = client.put(f"{URL}/{created['id']}", json={**created, "status": "in-progress"},
                         headers={**everything, "Content-Type": FHIR})
    assert changed.status_code == 405
    assert stored_answer().status is AnswerStatus.FINAL


def test_search_by_patient_questionnaire_status_dates_and_operation(client, patient, hospital,
                                                                    app_client, frozen_clock):
    answered = make_case(patient, hospital, state=CaseState.INVITED)
    drafted = make_case(patient, hospital, state=CaseState.INVITED)
    other = make_person(date(1970, 1, 1), given_name="Per")
    theirs = make_case(other, hospital, state=CaseState.INVITED)
    for one, complete in ((answered, True), (drafted, False), (theirs, True)):
        assert post(client, answer_for(one, complete=complete), app_client).status_code == 201
    ids = {one.id: db.session.scalar(sa.select(Answer.id).where(Answer.follow_up_id == one.id))
           for one in (answered, drafted, theirs)}

    def found(query):
        response = client.get(f"{URL}?{query}", headers=app_client)
        assert response.status_code == 200, response.json
        return {int(e["resource"]["id"]) for e in response.json["entry"]}

    mine = {ids[answered.id], ids[drafted.id]}
    assert found(f"patient=Patient/{patient.id}") == mine
    assert found(f"patient.identifier={FNR_SYSTEM}|{national_id_of(patient)}") == mine
    assert found(f"patient=Patient/{patient.id}&status=completed") == {ids[answered.id]}
    assert found("status=in-progress") == {ids[drafted.id]}
    url = CANONICAL.split("|")[0]
    assert found(f"questionnaire={url}") == set(ids.values())
    assert found(f"questionnaire={url}|1.0") == set(ids.values())
    assert found(f"questionnaire={url}|2.0") == set()
    assert found("authored=ge2026-03-02") == set(ids.values())
    assert found("authored=lt2026-03-02") == set()
    assert found("_lastUpdated=ge2026-03-02T08:00:00Z") == set(ids.values())
    operation = theirs.operation
    assert found(f"part-of.identifier={operation.identifier_system}|"
                 f"{operation.identifier_value}") == {ids[theirs.id]}
    assert found(f"part-of=Procedure/{answered.operation_id}") == {ids[answered.id]}
    assert client.get(f"{URL}?subject=x", headers=app_client).status_code == 400


def test_a_bundle_creates_and_recognises_a_repeat(client, case, app_client):
    entry = {"resource": answer_for(case),
             "request": {"method": "POST", "url": "QuestionnaireResponse"}}
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [entry, entry]}
    response = client.post("/fhir/R4", json=bundle, headers={**app_client,
                                                              "Content-Type": FHIR})
    assert response.status_code == 200, response.json
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses == ["201 Created", "200 OK"]
    assert len(table_rows(Answer)) == 1


def test_the_capability_statement_lists_it_and_its_extension_is_published(client):
    statement = client.get("/fhir/R4/metadata").json
    [described] = [r for r in statement["rest"][0]["resource"]
                   if r["type"] == "QuestionnaireResponse"]
    assert [i["code"] for i in described["interaction"]] == ["read", "search-type", "create"]
    assert {p["name"] for p in described["searchParam"]} >= {
        "patient", "questionnaire", "status", "authored", "part-of", "_lastUpdated"}
    assert "partOf" in described["documentation"]
    definition = client.get("/fhir/R4/StructureDefinition/answer-channel")
    assert definition.status_code == 200 and definition.json["url"] == EXT + "answer-channel"
