"""FHIR Consent: her blocks as machine-readable consent, read and searched by patient;
every resource valid R4 (fhir.resources); read only; audited with her as the subject."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.models import Role
from services.people.service import national_id_of
from services.records import blocks, fhir_consent
from tests.plugins.factories import make_organisation, make_person, make_staff, system_bearer
from tests.services.records.factories import make_document

BASE = "/fhir/R4/Consent"


@pytest.fixture
def world(db, frozen_clock):
    kari = make_person(date(1980, 5, 5), given_name="Kari")
    hospital = make_organisation()
    staff = make_staff(hospital, Role.ADMIN, name="Lege Lund", hpr_number="7654321")
    document = make_document(kari, hospital, title="Epikrise")
    me = Actor.person(kari.id)
    made = {}
    for kind, targets in (("everything", {}), ("document", {"document_id": document.id}),
                          ("organisation", {"organisation_id": hospital.id}),
                          ("staff", {"staff_id": staff.id})):
        made[kind], _ = blocks.add_block(person_id=kari.id, kind=kind, actor=me, **targets)
    frozen_clock.shift(timedelta(hours=2))
    blocks.lift_block(person_id=kari.id, block_id=made["everything"].id, actor=me)
    other = make_person(date(1970, 1, 1), given_name="Ola")
    made["other"], _ = blocks.add_block(person_id=other.id, kind="everything",
                                        actor=Actor.person(other.id))
    db.session.commit()
    return {"kari": kari, "other": other, "hospital": hospital, "staff": staff,
            "document": document, "blocks": made}


@pytest.fixture
def reader(db):
    return system_bearer("system/Consent.rs", name="helsenorge")


def test_each_kind_of_block_reads_as_a_valid_consent(client, world, reader):
    made, kari = world["blocks"], world["kari"]
    resources = {}
    for kind in ("everything", "document", "organisation", "staff"):
        answer = client.get(f"{BASE}/{made[kind].id}", headers=reader)
        assert answer.status_code == 200, answer.json
        Consent.model_validate(answer.json)
        resources[kind] = answer.json
    for resource in resources.values():
        assert resource["patient"] == {"reference": f"Patient/{kari.id}"}
        assert resource["scope"]["coding"][0]["code"] == "patient-privacy"
        assert resource["provision"]["type"] == "deny"
    lifted = resources["everything"]
    assert lifted["status"] == "inactive" and lifted["meta"]["versionId"] == "2"
    assert lifted["provision"]["period"] == {"start": "2026-03-02T08:00:00Z",
                                             "end": "2026-03-02T10:00:00Z"}
    assert resources["document"]["status"] == "active"
    assert resources["document"]["provision"]["data"] == [{
        "meaning": "instance",
        "reference": {"reference": f"DocumentReference/{world['document'].id}"}}]
    assert resources["organisation"]["provision"]["extension"] == [{
        "url": fhir_consent.BLOCKED_ORGANISATION, "valueReference": {
            "type": "Organization",
            "identifier": {"system": fhir_consent.ORG_NUMBER_SYSTEM, "value": "883974832"},
            "display": "St. Olavs hospital HF"}}]
    [actor] = resources["staff"]["provision"]["actor"]
    assert actor["role"]["coding"][0]["code"] == "PRCP"
    assert actor["reference"]["identifier"] == {"system": fhir_consent.HPR_SYSTEM,
                                                "value": "7654321"}
    assert {r["extension"][0]["valueCode"] for r in resources.values()} == {
        "everything", "document", "organisation", "staff"}


def test_search_by_patient_and_status(client, world, reader):
    kari, made = world["kari"], world["blocks"]
    bundle = client.get(f"{BASE}?patient=Patient/{kari.id}", headers=reader).json
    Bundle.model_validate(bundle)
    ids = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert ids == {str(made[k].id) for k in ("everything", "document", "organisation", "staff")}
    number = national_id_of(kari)
    chained = client.get(f"{BASE}?patient.identifier={FNR_SYSTEM}|{number}", headers=reader).json
    assert {e["resource"]["id"] for e in chained["entry"]} == ids
    active = client.get(f"{BASE}?patient=Patient/{kari.id}&status=active", headers=reader).json
    assert {e["resource"]["id"] for e in active["entry"]} == ids - {str(made["everything"].id)}
    inactive = client.get(f"{BASE}?patient={kari.id}&status=inactive", headers=reader).json
    assert [e["resource"]["id"] for e in inactive["entry"]] == [str(made["everything"].id)]
    both = client.get(f"{BASE}?patient={kari.id}&status=active,inactive", headers=reader).json
    assert len(both["entry"]) == 4
    nothing = client.get(f"{BASE}?patient={kari.id}&status=draft", headers=reader).json
    assert nothing.get("entry", []) == []


def test_last_updated_is_when_it_was_set_or_lifted(client, world, reader):
    kari, made = world["kari"], world["blocks"]
    later = client.get(f"{BASE}?patient={kari.id}&_lastUpdated=gt2026-03-02T09:00:00Z",
                       headers=reader).json
    assert [e["resource"]["id"] for e in later["entry"]] == [str(made["everything"].id)]


def test_another_patients_blocks_are_not_in_her_search(client, world, reader):
    other = world["other"]
    bundle = client.get(f"{BASE}?patient=Patient/{other.id}", headers=reader).json
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(world["blocks"]["other"].id)]


def test_reads_and_searches_are_audited_with_her_as_the_subject(client, world, reader):
    kari, made = world["kari"], world["blocks"]
    client.get(f"{BASE}/{made['staff'].id}", headers=reader)
    client.get(f"{BASE}?patient={kari.id}", headers=reader)
    rows = db.session.execute(sa.select(AuditEvent.action, AuditEvent.resource_id,
                                        AuditEvent.purpose)
                              .where(AuditEvent.resource_type == "Consent",
                                     AuditEvent.actor_kind == "system",
                                     AuditEvent.subject_person_id == kari.id)
                              .order_by(AuditEvent.id)).all()
    assert rows[0] == ("read", str(made["staff"].id), "records")
    assert {action for action, _, _ in rows[1:]} == {"search"}


@pytest.mark.parametrize("path", ["0", "abc", "99999999999999999999", "2147483647"])
def test_an_unknown_id_is_not_found(client, world, reader, path):
    answer = client.get(f"{BASE}/{path}", headers=reader)
    assert answer.status_code == 404
    assert answer.json["resourceType"] == "OperationOutcome"


def test_consent_is_read_only(client, world, reader):
    writer = system_bearer("system/Consent.cruds", name="writer")
    resource = {"resourceType": "Consent", "status": "active",
                "scope": {"coding": [{"code": "patient-privacy"}]},
                "category": [{"coding": [{"code": "59284-0"}]}],
                "patient": {"reference": f"Patient/{world['kari'].id}"},
                "policy": [{"uri": "https://example.org"}]}
    created = client.post(BASE, json=resource, headers=writer)
    assert created.status_code == 405 and created.json["resourceType"] == "OperationOutcome"
    block_id = world["blocks"]["document"].id
    updated = client.put(f"{BASE}/{block_id}", json={**resource, "id": str(block_id)},
                         headers=writer)
    assert updated.status_code == 405
    assert client.get(f"{BASE}/{block_id}", headers=reader).json["status"] == "active"


def test_without_the_scope_it_is_refused(client, world):
    other_scope = system_bearer("system/Patient.rs", name="patients only")
    assert client.get(f"{BASE}/{world['blocks']['staff'].id}", headers=other_scope
                      ).status_code == 403


def test_the_capability_statement_lists_consent_read_and_search(client, world):
    statement = client.get("/fhir/R4/metadata",
                           headers={"Accept": "application/fhir+json"}).json
    [consent] = [r for r in statement["rest"][0]["resource"] if r["type"] == "Consent"]
    assert {i["code"] for i in consent["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in consent["searchParam"]} >= {"patient", "status"}
