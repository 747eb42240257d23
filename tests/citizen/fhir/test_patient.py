"""The FHIR API's Patient, as the hospital record system and helsenorge.no use it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from services.audit.models import AuditEvent
from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.db import table_rows
from tests.plugins.factories import national_id_for, system_bearer

FHIR = "application/fhir+json"


def patient(number: str, *, family="Nordmann", given=("Kari",), birth=None) -> dict:
    resource = {"resourceType": "Patient",
                "identifier": [{"system": FNR_SYSTEM, "value": number}],
                "name": [{"use": "official", "family": family, "given": list(given)}]}
    if birth:
        resource["birthDate"] = birth
    return resource


@pytest.fixture
def writer(db):
    return system_bearer("system/Patient.crus")


@pytest.fixture
def reader(db):
    return system_bearer("system/*.rs", name="helsenorge.no")


def post(client, path, body, headers, **extra):
    return client.post(f"/fhir/R4{path}", json=body, headers={**headers, **extra})


def outcome(response) -> OperationOutcome:
    assert response.mimetype == FHIR
    return OperationOutcome.model_validate(response.json)


def test_metadata_lists_exactly_what_is_implemented(client):
    response = client.get("/fhir/R4/metadata")
    assert response.status_code == 200 and response.mimetype == FHIR
    statement = CapabilityStatement.model_validate(response.json)
    assert statement.fhirVersion == "4.0.1"
    [patient_entry] = [r for r in response.json["rest"][0]["resource"] if r["type"] == "Patient"]
    assert {i["code"] for i in patient_entry["interaction"]} == {
        "read", "search-type", "create", "update"}
    assert {p["name"] for p in patient_entry["searchParam"]} == {
        "_id", "_lastUpdated", "identifier", "birthdate"}


def test_create_read_update_with_versions(client, writer):
    number = national_id_for(date(1985, 6, 15), 20)
    created = post(client, "/Patient", patient(number), writer)
    assert created.status_code == 201, created.json
    body = Patient.model_validate(created.json)
    assert created.headers["ETag"] == 'W/"1"'
    assert created.headers["Location"].endswith(f"/fhir/R4/Patient/{body.id}/_history/1")
    assert body.identifier[0].value == number and str(body.birthDate) == "1985-06-15"

    read = client.get(f"/fhir/R4/Patient/{body.id}", headers=writer)
    assert read.status_code == 200 and read.json["name"][0]["family"] == "Nordmann"

    change = {**read.json, "name": [{"use": "official", "family": "Berg", "given": ["Kari"]}]}
    updated = client.put(f"/fhir/R4/Patient/{body.id}", json=change,
                         headers={**writer, "If-Match": 'W/"1"'})
    assert updated.status_code == 200, updated.json
    assert updated.json["meta"]["versionId"] == "2" and updated.headers["ETag"] == 'W/"2"'

    stale = client.put(f"/fhir/R4/Patient/{body.id}", json=change,
                       headers={**writer, "If-Match": 'W/"1"'})
    assert stale.status_code == 412 and outcome(stale).issue[0].code == "conflict"


def test_conditional_create_is_idempotent(client, writer):
    number = national_id_for(date(1985, 6, 15), 21)
    condition = {"If-None-Exist": f"identifier={FNR_SYSTEM}|{number}"}
    first = post(client, "/Patient", patient(number), writer, **condition)
    second = post(client, "/Patient", patient(number), writer, **condition)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    assert len(table_rows(Person)) == 1


def test_search_by_identifier_pages_with_next_links(client, writer, reader):
    numbers = [national_id_for(date(1990, 1, 1), i) for i in range(5)]
    for number in numbers:
        assert post(client, "/Patient", patient(number), writer).status_code == 201

    found = client.get(f"/fhir/R4/Patient?identifier={FNR_SYSTEM}|{numbers[2]}", headers=reader)
    bundle = Bundle.model_validate(found.json)
    assert bundle.type == "searchset" and len(bundle.entry) == 1
    assert found.json["entry"][0]["resource"]["identifier"][0]["value"] == numbers[2]

    seen, url = [], "/fhir/R4/Patient?birthdate=1990-01-01&_count=2"
    while url:
        page = client.get(url, headers=reader).json
        seen += [e["resource"]["identifier"][0]["value"] for e in page["entry"]]
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        url = nxt[0].split("minhelse.test", 1)[1] if nxt else None
    assert sorted(seen) == sorted(numbers)

    posted = client.post("/fhir/R4/Patient/_search", data={"identifier": numbers[0]},
                         headers=reader)
    assert len(posted.json["entry"]) == 1


def test_searches_of_one_shape_each_bind_their_own_values(client, writer, reader):
    """Searches naming the same parameters share one statement (built once); each request
    binds its own values, paging position and page size."""
    numbers = [national_id_for(date(1991, 2, 3), i) for i in range(3)]
    for number in numbers:
        assert post(client, "/Patient", patient(number), writer).status_code == 201

    def found(query: str) -> list[str]:
        page = client.get(f"/fhir/R4/Patient?{query}", headers=reader)
        assert page.status_code == 200, page.json
        return [e["resource"]["identifier"][0]["value"] for e in page.json.get("entry", [])]

    for number in [*numbers, numbers[0]]:
        assert found(f"identifier={FNR_SYSTEM}|{number}") == [number]
    assert sorted(found(f"identifier={numbers[0]},{numbers[2]}")) == sorted(
        [numbers[0], numbers[2]])
    assert found("identifier=12345678901") == []  # no valid number: nothing to bind
    assert found(f"identifier={numbers[1]}&birthdate=1991-02-03") == [numbers[1]]
    assert found(f"identifier={numbers[1]}&birthdate=1991-02-04") == []
    both = f"identifier={numbers[0]},{numbers[1]}&_count=1"
    first = client.get(f"/fhir/R4/Patient?{both}", headers=reader).json
    [nxt] = [link["url"] for link in first["link"] if link["relation"] == "next"]
    second = client.get(nxt.split("minhelse.test", 1)[1], headers=reader).json
    assert [p["resource"]["identifier"][0]["value"] for p in first["entry"] + second["entry"]
            ] == numbers[:2]


def test_every_read_and_search_hit_is_audited_with_the_client_as_actor(client, writer, reader,
                                                                       db):
    number = national_id_for(date(1985, 6, 15), 22)
    pid = post(client, "/Patient", patient(number), writer).json["id"]
    client.get(f"/fhir/R4/Patient/{pid}", headers=reader)
    client.get(f"/fhir/R4/Patient?identifier={number}", headers=reader)
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.resource_type == "Patient",
                                                          AuditEvent.actor_kind == "system"))
    actions = [(r.action, r.subject_person_id) for r in rows]
    assert ("read", int(pid)) in actions and ("search", int(pid)) in actions
    assert ("create", int(pid)) in actions


@pytest.mark.parametrize(("headers_for", "status"), [("none", 401), ("reader", 403)])
def test_writing_needs_a_token_with_the_create_scope(client, reader, headers_for, status):
    headers = {"none": {}, "reader": reader}[headers_for]
    response = post(client, "/Patient", patient(national_id_for(date(1985, 6, 15), 23)), headers)
    assert response.status_code == status
    assert outcome(response).issue
    assert "WWW-Authenticate" in response.headers
    assert table_rows(Person) == []


def test_unknown_patient_is_404_and_unknown_type_is_404(client, reader):
    assert client.get("/fhir/R4/Patient/999999", headers=reader).status_code == 404
    assert client.get("/fhir/R4/Patient/not-a-number", headers=reader).status_code == 404
    unknown = client.get("/fhir/R4/Spaceship/1", headers=reader)
    assert unknown.status_code == 404 and outcome(unknown).issue[0].code == "not-supported"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "expression"),
    [
        ("{not json", FHIR, 400, None),
        ('{"resourceType": "Patient", "gender": 12}', FHIR, 400, "Patient.gender"),
        ('{"resourceType": "Patient", "unknownField": 1}', FHIR, 400, None),
        ('{"resourceType": "Observation", "status": "final"}', FHIR, 400, "resourceType"),
        ('[1, 2]', FHIR, 400, None),
        ('{"resourceType": "Patient"}', "text/plain", 415, None),
        ('{"resourceType": "Patient", "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1",'
         ' "value": "12345678901"}], "name": [{"family": "X", "given": ["Y"]}]}', FHIR, 422,
         "Patient.identifier[0].value"),
        ('{"resourceType": "Patient", "name": [{"family": "X", "given": ["Y"]}]}', FHIR, 422,
         "Patient.identifier"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(client, writer, body, content_type,
                                                     status, expression):
    response = client.post("/fhir/R4/Patient", data=body,
                           headers={**writer, "Content-Type": content_type})
    assert response.status_code == status, response.json
    issue = outcome(response).issue[0]
    if expression:
        assert expression in (issue.expression or [])[0]
    assert table_rows(Person) == []


def test_search_refuses_unknown_parameters_and_bad_values(client, reader):
    assert client.get("/fhir/R4/Patient?nmae=Kari", headers=reader).status_code == 400
    assert client.get("/fhir/R4/Patient?_count=abc", headers=reader).status_code == 400
    assert client.get("/fhir/R4/Patient?_count=100000", headers=reader).status_code == 400
    assert client.get("/fhir/R4/Patient?_lastUpdated=yesterday", headers=reader).status_code == 400
    assert client.get("/fhir/R4/Patient?_format=xml", headers=reader).status_code == 406


def test_last_updated_filters(client, writer, reader, frozen_clock):
    from datetime import timedelta

    post(client, "/Patient", patient(national_id_for(date(1985, 6, 15), 24)), writer)
    frozen_clock.shift(timedelta(days=2))
    post(client, "/Patient", patient(national_id_for(date(1985, 6, 15), 25)), writer)
    recent = client.get("/fhir/R4/Patient?_lastUpdated=ge2026-03-03", headers=reader)
    assert len(recent.json["entry"]) == 1


def test_transaction_is_all_or_nothing(client, writer):
    good = national_id_for(date(1985, 6, 15), 26)
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": patient(good), "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient("12345678901"), "request": {"method": "POST", "url": "Patient"}},
    ]}
    failed = post(client, "", bundle, writer)
    assert failed.status_code == 422
    assert outcome(failed).issue[0].expression[0].startswith("Bundle.entry[1]")
    assert table_rows(Person) == []

    bundle["entry"] = bundle["entry"][:1]
    done = post(client, "", bundle, writer)
    assert done.status_code == 200, done.json
    result = Bundle.model_validate(done.json)
    assert result.type == "transaction-response"
    assert result.entry[0].response.status == "201 Created"
    assert len(table_rows(Person)) == 1


def test_transaction_with_conditional_creates_is_idempotent(client, writer):
    number = national_id_for(date(1985, 6, 15), 27)
    entry = {"resource": patient(number),
             "request": {"method": "POST", "url": "Patient",
                         "ifNoneExist": f"identifier={FNR_SYSTEM}|{number}"}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry]}
    first = post(client, "", bundle, writer).json
    second = post(client, "", bundle, writer).json
    assert first["entry"][0]["response"]["status"] == "201 Created"
    assert second["entry"][0]["response"]["status"] == "200 OK"
    assert len(table_rows(Person)) == 1


def test_batch_entries_fail_independently(client, writer):
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": patient(national_id_for(date(1985, 6, 15), 28)),
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient("12345678901"), "request": {"method": "POST", "url": "Patient"}},
    ]}
    response = post(client, "", bundle, writer)
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses == ["201 Created", "422"]
    assert len(table_rows(Person)) == 1


def test_bundle_of_the_wrong_type_is_400(client, writer):
    response = post(client, "", {"resourceType": "Bundle", "type": "collection"}, writer)
    assert response.status_code == 400


def test_structural_errors_inside_a_bundle_name_the_entry(client, writer):
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {**patient(national_id_for(date(1985, 6, 15), 29)), "shoeSize": 44},
         "request": {"method": "POST", "url": "Patient"}}]}
    response = post(client, "", bundle, writer)
    assert response.status_code == 400
    assert outcome(response).issue[0].expression == ["Bundle.entry[0].resource.shoeSize"]
    assert table_rows(Person) == []


def test_bulk_transaction_handles_repeats_and_audits_every_entry(client, writer, db):
    known = national_id_for(date(1985, 6, 15), 30)
    fresh = national_id_for(date(1985, 6, 15), 31)
    existing_id = post(client, "/Patient", patient(known), writer).json["id"]

    def entry(number):
        return {"resource": patient(number),
                "request": {"method": "POST", "url": "Patient",
                            "ifNoneExist": f"identifier={FNR_SYSTEM}|{number}"}}

    response = post(client, "", {"resourceType": "Bundle", "type": "transaction",
                                 "entry": [entry(known), entry(fresh), entry(fresh)]}, writer)
    assert response.status_code == 200, response.json
    results = response.json["entry"]
    assert [e["response"]["status"] for e in results] == ["200 OK", "201 Created", "200 OK"]
    assert results[0]["fullUrl"].endswith(f"/Patient/{existing_id}")
    assert results[1]["fullUrl"] == results[2]["fullUrl"]
    assert len(table_rows(Person)) == 2

    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.resource_type == "Patient"))
    actions = sorted((r.action, r.subject_person_id) for r in rows)
    new_id = int(results[1]["fullUrl"].rsplit("/", 1)[1])
    # Entries answer with a location only: the existing Patient was matched, not read.
    assert ("create", new_id) in actions and ("match", int(existing_id)) in actions
    assert ("read", int(existing_id)) not in actions


def test_reregistration_keeps_a_confidential_address(client, writer, db):
    from services.people.models import AddressProtection
    from services.people.service import set_address_protection

    number = national_id_for(date(1985, 6, 15), 32)
    pid = post(client, "/Patient", patient(number), writer).json["id"]
    person = db.session.get(Person, int(pid))
    set_address_protection(person=person, code=AddressProtection.STRICT,
                           actor=writer_actor())
    db.session.commit()
    changed = post(client, "", {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {**patient(number, family="Endret"), "id": pid},
         "request": {"method": "PUT", "url": f"Patient/{pid}"}}]}, writer)
    assert changed.status_code == 200, changed.json
    db.session.expire_all()
    stored = db.session.get(Person, int(pid))
    assert stored.family_name == "Endret"
    assert stored.address_protection is AddressProtection.STRICT


def writer_actor():
    from services.actors import Actor

    return Actor.system("population-register")


@pytest.mark.parametrize(("family", "given"), [("   ", ["Kari"]), ("Nordmann", [" ", "  "]),
                                               ("\t", [" "])])
def test_a_name_of_only_spaces_is_no_name(client, writer, family, given):
    response = post(client, "/Patient", patient(national_id_for(date(1985, 6, 15), 40),
                                                family=family, given=given), writer)
    assert response.status_code == 422
    assert outcome(response).issue[0].expression == ["Patient.name"]
    assert table_rows(Person) == []


def test_names_are_stored_without_surrounding_spaces(client, writer):
    number = national_id_for(date(1985, 6, 15), 41)
    created = post(client, "/Patient", patient(number, family=" Berg ", given=(" Kari ", "Anne")),
                   writer)
    assert created.status_code == 201
    assert created.json["name"][0] == {"use": "official", "family": "Berg",
                                       "given": ["Kari", "Anne"]}
