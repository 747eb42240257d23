"""The hospital system's DocumentReferences over FHIR: what is stored, creates, updates and
corrections by business identifier, the notice to the patient, searches, Binary, and the
CapabilityStatement. (Blocks and release controls per caller: test_records_visibility.py;
bad input: test_records_bad_input.py.)"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem

from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.people.service import national_id_of
from services.records.fhir import KIND_SYSTEM, RELEASE_AFTER_EXTENSION, WITHHELD_EXTENSION
from services.records.ingest import send_release_notices
from services.records.models import (
    Confidentiality,
    Document,
    DocumentKind,
    DocumentStatus,
)
from tests.citizen.fhir.records_support import (
    DOCUMENTS,
    HTML,
    document,
    outcome,
    pdf_bytes,
    valid_binary,
    valid_document_reference,
)
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, system_bearer

ORG_NUMBER = "urn:oid:2.16.578.1.12.4.1.4.101"


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
def writer(db, hospital):
    return system_bearer("system/DocumentReference.crus system/Binary.r",
                         name="St. Olavs DIPS", organisation=hospital)


def post(client, headers, resource, **extra_headers):
    return client.post("/fhir/R4/DocumentReference", json=resource,
                       headers={**headers, **extra_headers})


def notices(person) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.person_id == person.id, Notification.event == "records.document-new")))


def test_a_document_is_stored_as_sent_and_served_back(client, frozen_clock, hospital, woman,
                                                       writer):
    sent = document(woman, securityLabel=[{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]}])
    response = post(client, writer, sent)
    assert response.status_code == 201, response.json
    [stored] = table_rows(Document)
    assert (stored.person_id, stored.organisation_id) == (woman.id, hospital.id)
    assert (stored.identifier_system, stored.identifier_value) == (DOCUMENTS, "D-1")
    assert stored.kind is DocumentKind.DISCHARGE_SUMMARY
    assert stored.status is DocumentStatus.CURRENT
    assert stored.title == "Epikrise fra medisinsk avdeling"
    assert (stored.author_name, stored.author_hpr) == ("Lege Lise Hansen", "9144889")
    assert stored.document_date == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert stored.confidentiality is Confidentiality.RESTRICTED
    assert stored.withheld_from_patient is False and stored.release_after is None
    assert stored.content_type == "text/html" and stored.content.data == HTML
    assert stored.content_sha256 == hashlib.sha256(HTML).hexdigest()
    assert stored.content_size == len(HTML)

    served = valid_document_reference(response.json)
    assert response.headers["Location"].endswith(f"/DocumentReference/{stored.id}/_history/1")
    assert served["type"]["coding"][0] == {"system": "http://loinc.org", "code": "18842-5",
                                           "display": "Discharge summary"}
    assert served["custodian"]["identifier"] == {"system": ORG_NUMBER, "value": "883974832"}
    assert served["subject"] == {"reference": f"Patient/{woman.id}"}
    assert served["date"] == "2026-03-01T09:00:00Z"
    assert served["securityLabel"][0]["coding"][0]["code"] == "R"
    assert served["extension"] == [{"url": WITHHELD_EXTENSION, "valueBoolean": False}]
    assert served["content"][0]["attachment"]["url"] == f"Binary/{stored.id}"
    assert served["content"][0]["attachment"]["size"] == len(HTML)

    read = client.get(f"/fhir/R4/DocumentReference/{stored.id}", headers=writer)
    assert read.status_code == 200 and read.json == served
    binary = client.get(f"/fhir/R4/Binary/{stored.id}", headers=writer)
    assert binary.status_code == 200
    valid_binary(binary.json)
    assert base64.b64decode(binary.json["data"]) == HTML
    assert binary.json["contentType"] == "text/html"
    assert binary.json["securityContext"] == {"reference": f"DocumentReference/{stored.id}"}

    rows = table_rows(AuditEvent)
    assert [(r.action, r.resource_type) for r in rows if r.subject_person_id == woman.id][-3:] == [
        ("create", "DocumentReference"), ("read", "DocumentReference"), ("read", "Binary")]


def test_html_is_stored_sanitised(client, frozen_clock, hospital, woman, writer):
    dirty = (b'<p onclick="steal()">Svar<script>alert(1)</script> '
             b'<a href="javascript:x">her</a><img src="https://evil.example/x.png"></p>'
             b"<style>p{}</style>")
    response = post(client, writer, document(woman, data=dirty))
    assert response.status_code == 201, response.json
    [stored] = table_rows(Document)
    assert stored.content.data == b"<p>Svar her</p>"
    assert response.json["content"][0]["attachment"]["size"] == len(b"<p>Svar her</p>")


def test_a_pdf_and_plain_text_are_stored_as_they_are(client, frozen_clock, hospital, woman,
                                                      writer):
    pdf = pdf_bytes(pages=2)
    assert post(client, writer, document(woman, identifier="P", data=pdf,
                                         content_type="application/pdf")).status_code == 201
    text = "Prøvesvar: normalt.\r\n\tHb 13,5".encode()
    assert post(client, writer, document(woman, identifier="T", code="11502-2", data=text,
                                         content_type="text/plain; charset=utf-8")
                ).status_code == 201
    stored = {d.identifier_value: d for d in table_rows(Document)}
    assert stored["P"].content.data == pdf and stored["P"].content_type == "application/pdf"
    assert stored["T"].content.data == text and stored["T"].content_type == "text/plain"
    assert stored["T"].kind is DocumentKind.LAB_REPORT


@pytest.mark.parametrize(("system", "code", "kind"), [
    ("http://loinc.org", "34108-1", DocumentKind.OUTPATIENT_NOTE),
    ("urn:oid:2.16.578.1.12.4.1.1.9602", "18748-4", DocumentKind.IMAGING_REPORT),
    (KIND_SYSTEM, "letter", DocumentKind.LETTER),
])
def test_the_type_is_a_loinc_code_in_any_system_or_ours(client, frozen_clock, hospital, woman,
                                                         writer, system, code, kind):
    response = post(client, writer, document(woman, system=system, code=code))
    assert response.status_code == 201, response.json
    assert table_rows(Document)[0].kind is kind


def test_the_unit_is_an_author_organisation(client, frozen_clock, hospital, woman, writer):
    from services.people.service import add_organisation

    unit = add_organisation(name="Kvinneklinikken", org_number="974749025")
    unit.parent_id = hospital.id
    db.session.commit()
    sent = document(woman)
    sent["author"].append({"type": "Organization", "identifier": {"system": ORG_NUMBER,
                                                                  "value": "974749025"}})
    response = post(client, writer, sent)
    assert response.status_code == 201, response.json
    assert table_rows(Document)[0].unit_id == unit.id
    assert response.json["author"][1] == {"type": "Organization", "display": "Kvinneklinikken",
                                          "identifier": {"system": ORG_NUMBER,
                                                         "value": "974749025"}}


def test_a_new_readable_document_is_announced_once(client, frozen_clock, hospital, woman,
                                                    writer):
    sent = document(woman)
    assert post(client, writer, sent).status_code == 201
    [notice] = notices(woman)
    assert notice.organisation_id == hospital.id
    stored_id = table_rows(Document)[0].id
    changed = {**sent, "id": str(stored_id), "description": "Epikrise (rettet)"}
    assert client.put(f"/fhir/R4/DocumentReference/{stored_id}", json=changed,
                      headers=writer).status_code == 200
    assert len(notices(woman)) == 1
    # Content-neutral: the message names the sender at most.
    from services.outbox.models import OutboxMessage

    [message] = table_rows(OutboxMessage)
    assert "Epikrise" not in str(message.payload)


def test_withheld_and_entered_in_error_documents_are_not_announced(client, frozen_clock,
                                                                    hospital, woman, writer):
    assert post(client, writer, document(woman, identifier="W", withheld=True)).status_code == 201
    assert post(client, writer, document(woman, identifier="E", status="entered-in-error")
                ).status_code == 201
    assert notices(woman) == []


def test_a_document_released_later_is_announced_at_its_release_time(client, frozen_clock,
                                                                     hospital, woman, writer):
    release = "2026-03-09T12:00:00+01:00"
    assert post(client, writer, document(woman, release_after=release)).status_code == 201
    assert notices(woman) == []
    [stored] = table_rows(Document)
    assert stored.release_after == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)

    released = stored.release_after
    assert send_release_notices(now=released - timedelta(seconds=1)) == 0
    assert notices(woman) == []
    assert send_release_notices(now=released) == 1
    assert len(notices(woman)) == 1
    assert send_release_notices(now=released + timedelta(minutes=5)) == 0
    assert len(notices(woman)) == 1


def test_the_release_notices_are_a_due_job(frozen_clock, hospital, woman):
    from services.jobs.registry import registered_jobs

    job = registered_jobs()["records.release-notices"]
    assert job.every == timedelta(minutes=5)
    assert job.run(now=datetime(2026, 3, 2, tzinfo=UTC)) == 0


def test_an_update_that_releases_a_withheld_document_announces_it(client, frozen_clock,
                                                                   hospital, woman, writer):
    sent = document(woman, withheld=True)
    assert post(client, writer, sent).status_code == 201
    stored_id = table_rows(Document)[0].id
    released = {**sent, "id": str(stored_id), "extension": [
        {"url": WITHHELD_EXTENSION, "valueBoolean": False}]}
    response = client.put(f"/fhir/R4/DocumentReference/{stored_id}", json=released,
                          headers=writer)
    assert response.status_code == 200, response.json
    assert len(notices(woman)) == 1


def test_create_never_updates_and_a_conditional_create_finds_the_stored_one(
        client, frozen_clock, hospital, woman, writer):
    sent = document(woman)
    first = post(client, writer, sent)
    assert first.status_code == 201
    again = post(client, writer, sent)
    outcome(again, 409)
    match = post(client, writer, sent, **{"If-None-Exist": f"identifier={DOCUMENTS}|D-1"})
    assert match.status_code == 200 and match.json["id"] == first.json["id"]
    assert len(table_rows(Document)) == 1


def test_conditional_update_creates_then_updates_and_an_unchanged_one_is_no_new_version(
        client, frozen_clock, hospital, woman, writer):
    sent = document(woman)
    path = f"/fhir/R4/DocumentReference?identifier={DOCUMENTS}|D-1"
    created = client.put(path, json=sent, headers=writer)
    assert created.status_code == 201, created.json
    same = client.put(path, json=sent, headers=writer)
    assert same.status_code == 200 and same.json["meta"]["versionId"] == "1"
    changed = client.put(path, json={**sent, "description": "Ny tittel"}, headers=writer)
    assert changed.status_code == 200 and changed.json["meta"]["versionId"] == "2"
    assert table_rows(Document)[0].title == "Ny tittel"


def test_an_update_may_name_its_own_binary_and_keeps_the_content(client, frozen_clock,
                                                                   hospital, woman, writer):
    created = post(client, writer, document(woman)).json
    changed = {**created, "description": "Epikrise, rettet tittel"}
    changed.pop("meta")
    response = client.put(f"/fhir/R4/DocumentReference/{created['id']}", json=changed,
                          headers=writer)
    assert response.status_code == 200, response.json
    [stored] = table_rows(Document)
    assert stored.content.data == HTML and stored.title == "Epikrise, rettet tittel"


def test_an_update_with_new_content_replaces_the_content(client, frozen_clock, hospital, woman,
                                                          writer):
    sent = document(woman)
    stored_id = post(client, writer, sent).json["id"]
    new = b"<p>Rettet innhold.</p>"
    response = client.put(f"/fhir/R4/DocumentReference/{stored_id}", headers=writer,
                          json={**document(woman, data=new), "id": stored_id})
    assert response.status_code == 200
    [stored] = table_rows(Document)
    assert stored.content.data == new
    assert stored.content_sha256 == hashlib.sha256(new).hexdigest()
    assert stored.content_size == len(new)


def test_an_update_cannot_move_a_document_to_another_patient(client, frozen_clock, hospital,
                                                             woman, writer):
    stored_id = post(client, writer, document(woman)).json["id"]
    other = make_person(given_name="Siri")
    response = client.put(f"/fhir/R4/DocumentReference/{stored_id}", headers=writer,
                          json={**document(other), "id": stored_id})
    outcome(response, 422, "DocumentReference.subject")
    assert table_rows(Document)[0].person_id == woman.id


def test_a_correction_supersedes_what_it_replaces_and_keeps_it(client, frozen_clock, hospital,
                                                                woman, writer):
    first = post(client, writer, document(woman, identifier="D-1")).json
    correction = document(woman, identifier="D-1b", data=b"<p>Rettet.</p>", relatesTo=[
        {"code": "replaces", "target": {"reference": f"DocumentReference/{first['id']}"}}])
    response = post(client, writer, correction)
    assert response.status_code == 201, response.json
    assert response.json["relatesTo"] == [{"code": "replaces", "target": {
        "reference": f"DocumentReference/{first['id']}"}}]
    old = client.get(f"/fhir/R4/DocumentReference/{first['id']}", headers=writer).json
    assert old["status"] == "superseded" and old["meta"]["versionId"] == "2"
    assert {d.identifier_value: d.status for d in table_rows(Document)} == {
        "D-1": DocumentStatus.SUPERSEDED, "D-1b": DocumentStatus.CURRENT}
    actions = [(r.action, r.resource_id) for r in table_rows(AuditEvent)
               if r.resource_type == "DocumentReference"]
    assert ("update", str(first["id"])) in actions


def test_a_correction_may_name_what_it_replaces_by_identifier(client, frozen_clock, hospital,
                                                               woman, writer):
    first = post(client, writer, document(woman, identifier="D-1")).json
    response = post(client, writer, document(woman, identifier="D-2", relatesTo=[
        {"code": "replaces", "target": {"identifier": {"system": DOCUMENTS, "value": "D-1"}}}]))
    assert response.status_code == 201, response.json
    assert table_rows(Document)[0].status is DocumentStatus.SUPERSEDED
    assert response.json["relatesTo"][0]["target"]["reference"] == (
        f"DocumentReference/{first['id']}")


def test_a_correction_of_another_patients_document_is_refused(client, frozen_clock, hospital,
                                                              woman, writer):
    other = make_person(given_name="Siri")
    theirs = post(client, writer, document(other, identifier="X")).json
    response = post(client, writer, document(woman, identifier="Y", relatesTo=[
        {"code": "replaces", "target": {"reference": f"DocumentReference/{theirs['id']}"}}]))
    outcome(response, 422, "DocumentReference.relatesTo")
    assert {d.identifier_value: d.status for d in table_rows(Document)} == {
        "X": DocumentStatus.CURRENT}


def test_a_correction_can_reuse_the_replaced_documents_binary(client, frozen_clock, hospital,
                                                               woman, writer):
    first = post(client, writer, document(woman, identifier="D-1")).json
    correction = document(woman, identifier="D-2", relatesTo=[
        {"code": "replaces", "target": {"reference": f"DocumentReference/{first['id']}"}}])
    correction["content"] = [{"attachment": {"contentType": "text/html",
                                             "url": f"Binary/{first['id']}"}}]
    response = post(client, writer, correction)
    assert response.status_code == 201, response.json
    stored = {d.identifier_value: d for d in table_rows(Document)}
    assert stored["D-2"].content.data == HTML


def test_searches(client, frozen_clock, hospital, woman, writer):
    other = make_person(given_name="Siri")
    ids = {}
    for identifier, person, code, date in (
            ("A", woman, "18842-5", "2026-01-10T10:00:00+01:00"),
            ("B", woman, "11502-2", "2026-02-10T10:00:00+01:00"),
            ("C", other, "18842-5", "2026-02-11T10:00:00+01:00")):
        ids[identifier] = post(client, writer, document(person, identifier=identifier,
                                                        code=code, date=date)).json["id"]

    def found(query: str) -> list[str]:
        response = client.get(f"/fhir/R4/DocumentReference?{query}", headers=writer)
        assert response.status_code == 200, response.json
        Bundle.model_validate(response.json)
        for entry in response.json["entry"]:
            valid_document_reference(entry["resource"])
        by_id = {v: k for k, v in ids.items()}
        return sorted(by_id[e["resource"]["id"]] for e in response.json["entry"])

    assert found(f"patient=Patient/{woman.id}") == ["A", "B"]
    number = national_id_of(woman)
    assert found(f"patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|{number}") == ["A", "B"]
    assert found("type=http://loinc.org|18842-5") == ["A", "C"]
    assert found("type=18842-5") == ["A", "C"]
    assert found(f"type={KIND_SYSTEM}|lab-report") == ["B"]
    assert found("type=urn:other|18842-5") == []
    assert found("date=ge2026-02-01") == ["B", "C"]
    assert found("date=lt2026-02-01&patient=Patient/" + str(woman.id)) == ["A"]
    assert found(f"identifier={DOCUMENTS}|B") == ["B"]
    assert found("identifier=C") == ["C"]
    assert found("status=current") == ["A", "B", "C"]
    assert found("status=superseded") == []
    assert found("_lastUpdated=ge2026-03-01") == ["A", "B", "C"]
    assert found("_lastUpdated=lt2026-03-01") == []


def test_binary_is_read_only(client, frozen_clock, hospital, woman, writer):
    stored_id = post(client, writer, document(woman)).json["id"]
    headers = system_bearer("system/Binary.cruds", organisation=hospital)
    outcome(client.get("/fhir/R4/Binary?_id=1", headers=headers), 405)
    outcome(client.post("/fhir/R4/Binary", json={"resourceType": "Binary",
                                                 "contentType": "text/plain", "data": "aGVp"},
                        headers=headers), 405)
    outcome(client.put(f"/fhir/R4/Binary/{stored_id}", headers=headers,
                       json={"resourceType": "Binary", "id": stored_id,
                             "contentType": "text/plain", "data": "aGVp"}), 405)
    batch = client.post("/fhir/R4", headers=headers, json={
        "resourceType": "Bundle", "type": "batch", "entry": [{
            "request": {"method": "POST", "url": "Binary"},
            "resource": {"resourceType": "Binary", "contentType": "text/plain", "data": "aGVp"}}]})
    assert batch.status_code == 200
    assert batch.json["entry"][0]["response"]["status"] == "405"
    assert table_rows(Document)[0].content.data == HTML


def test_the_capability_statement_and_code_system(client, db):
    metadata = client.get("/fhir/R4/metadata").json
    CapabilityStatement.model_validate(metadata)
    resources = {r["type"]: r for r in metadata["rest"][0]["resource"]}
    documents = resources["DocumentReference"]
    assert [i["code"] for i in documents["interaction"]] == ["read", "search-type", "create",
                                                             "update"]
    assert {p["name"] for p in documents["searchParam"]} == {
        "_id", "_lastUpdated", "identifier", "patient", "type", "date", "status"}
    assert WITHHELD_EXTENSION in documents["documentation"]
    assert RELEASE_AFTER_EXTENSION in documents["documentation"]
    binary = resources["Binary"]
    assert [i["code"] for i in binary["interaction"]] == ["read"]
    assert "searchParam" not in binary
    assert binary["conditionalCreate"] is False and binary["conditionalUpdate"] is False
    kinds = client.get("/fhir/R4/CodeSystem/record-document-kind").json
    CodeSystem.model_validate(kinds)
    assert kinds["url"] == KIND_SYSTEM
    assert {c["code"] for c in kinds["concept"]} == {k.value for k in DocumentKind}


def test_to_document_reference_and_to_binary_take_a_document_too(client, frozen_clock,
                                                                 hospital, woman, writer):
    from services.records.fhir import to_binary, to_document_reference

    stored_id = post(client, writer, document(woman)).json["id"]
    served = client.get(f"/fhir/R4/DocumentReference/{stored_id}", headers=writer).json
    binary = client.get(f"/fhir/R4/Binary/{stored_id}", headers=writer).json
    stored = db.session.get(Document, int(stored_id))
    assert valid_document_reference(to_document_reference(stored)) == served
    assert valid_binary(to_binary(stored)) == binary


def test_a_transaction_stores_a_document_and_its_correction_or_nothing(client, frozen_clock,
                                                                       hospital, woman, writer):
    first = document(woman, identifier="T-1")
    correction = document(woman, identifier="T-2", data=b"<p>Rettet.</p>", relatesTo=[
        {"code": "replaces", "target": {"identifier": {"system": DOCUMENTS, "value": "T-1"}}}])
    entries = [{"request": {"method": "POST", "url": "DocumentReference"}, "resource": r}
               for r in (first, correction)]
    bad = document(woman, identifier="T-3", content_type="application/pdf")
    refused = client.post("/fhir/R4", headers=writer, json={
        "resourceType": "Bundle", "type": "transaction", "entry": [
            *entries, {"request": {"method": "POST", "url": "DocumentReference"},
                       "resource": bad}]})
    outcome(refused, 422, "Bundle.entry[2].DocumentReference.content[0].attachment.data")
    assert table_rows(Document) == []
    assert notices(woman) == []

    response = client.post("/fhir/R4", headers=writer, json={
        "resourceType": "Bundle", "type": "transaction", "entry": entries})
    assert response.status_code == 200, response.json
    Bundle.model_validate(response.json)
    assert [e["response"]["status"] for e in response.json["entry"]] == ["201 Created"] * 2
    assert {d.identifier_value: d.status for d in table_rows(Document)} == {
        "T-1": DocumentStatus.SUPERSEDED, "T-2": DocumentStatus.CURRENT}


def test_the_default_visible_hook_leaves_the_statement_as_it_is(db):
    from citizen.fhir.registry import handler_for
    from services.actors import Actor

    handler = handler_for("Patient")
    statement = handler.base_query()
    assert handler.visible(statement, actor=Actor.system("x")) is statement


def test_its_release_controls_are_published_as_structure_definitions(client):
    from fhir.resources.R4B.structuredefinition import StructureDefinition

    for extension, value in ((WITHHELD_EXTENSION, "boolean"),
                             (RELEASE_AFTER_EXTENSION, "dateTime")):
        found = client.get(f"/fhir/R4/StructureDefinition?url={extension}").json
        [entry] = found["entry"]
        StructureDefinition.model_validate(entry["resource"])
        assert entry["resource"]["context"] == [{"type": "element",
                                                 "expression": "DocumentReference"}]
        assert value in str(entry["resource"]["differential"])
