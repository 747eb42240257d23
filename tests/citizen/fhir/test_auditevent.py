"""FHIR AuditEvent: the access log for systems, read-only, each resource valid R4
(fhir.resources); a citizen's own actions are not there, a hospital's own system sees its
organisation's entries only, writes are 405 whatever the scopes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle

from citizen.oauth import keys
from services import audit
from services.actors import Actor
from services.audit.models import AuditEvent
from services.clients import tokens
from services.clients.service import create_client
from services.clock import utcnow
from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.models import Role
from services.people.service import national_id_of
from tests.plugins.factories import make_organisation, make_person, make_staff, system_bearer

SCOPES = "system/AuditEvent.rs system/Patient.rs"


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def other_hospital(hospital):
    return make_organisation(name="Helse Bergen HF", org_number="983974910")


@pytest.fixture
def her(hospital):
    return make_person(date(1980, 5, 5), given_name="Kari", family_name="Nordmann")


@pytest.fixture
def doctor(hospital):
    return make_staff(hospital, Role.ULTRASOUND_CLINIC, Role.RECORDS_OFFICER, name="Lege Lise",
                      hpr_number="1234567")


def _bearer_of(organisation, scopes: str = SCOPES) -> dict[str, str]:
    """A hospital's own system: a client of ``organisation``."""
    client, _ = create_client(name="DIPS", scopes=scopes, auth_method="client_secret_basic")
    client.organisation_id = organisation.id
    issued = tokens.issue_access_token(key=keys.signing_key(), issuer=keys.issuer(),
                                       audience=keys.api_audience(),
                                       client_id=client.client_id, scope=scopes, now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {issued.token}", "Accept": "application/fhir+json"}


def _read(subject, actor, **fields):
    event = audit.record(actor=actor, action=fields.pop("action", "read"),
                         resource_type=fields.pop("resource_type", "DocumentReference"),
                         resource_id=5, subject_person_id=subject.id,
                         purpose=fields.pop("purpose", "treatment"), **fields)
    db.session.commit()
    return event


def _ids(bundle: dict) -> list[int]:
    Bundle.model_validate(bundle)
    return [int(e["resource"]["id"]) for e in bundle.get("entry", [])]


def test_an_entry_reads_as_a_valid_audit_event(client, her, hospital, doctor):
    event = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id),
                  reason="Tilsyn fra annen avdeling")
    answer = client.get(f"/fhir/R4/AuditEvent/{event.id}", headers=system_bearer(SCOPES))
    assert answer.status_code == 200, answer.json
    resource = answer.json
    FhirAuditEvent.model_validate(resource)
    assert (resource["action"], resource["subtype"][0]["code"]) == ("R", "read")
    user, organisation = resource["agent"]
    assert user["requestor"] is True and user["who"]["display"] == "Lege Lise"
    assert user["who"]["identifier"] == {"system": "urn:oid:2.16.578.1.12.4.1.4.4",
                                         "value": "1234567"}
    assert {c["coding"][0]["code"] for c in user["role"]} == {"records_officer",
                                                              "ultrasound_clinic"}
    assert user["purposeOfUse"][0] == {"coding": [{
        "system": "https://minhelse.no/fhir/CodeSystem/audit-purpose", "code": "treatment"}],
        "text": "Tilsyn fra annen avdeling"}
    assert organisation["who"]["identifier"]["value"] == "883974832"
    patient, document = resource["entity"]
    assert patient["what"] == {"reference": f"Patient/{her.id}"}
    assert document["what"] == {"reference": "DocumentReference/5"}
    # The read is audited, with her as the subject, and so is in her log.
    looked = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "AuditEvent", AuditEvent.resource_id == str(event.id))).one()
    assert (looked.actor_kind, looked.subject_person_id) == ("system", her.id)


def test_representatives_systems_and_other_resources_are_valid_too(client, her):
    holder = make_person(given_name="Fullmektig")
    events = [_read(her, Actor.person(holder.id, on_behalf_of=her.id), purpose="self-service"),
              _read(her, Actor.system("helsenorge"), action="search", resource_type="Consent"),
              _read(her, Actor.system("operator:cli"), action="export",
                    resource_type="RecordExport")]
    headers = system_bearer(SCOPES)
    for event in events:
        answer = client.get(f"/fhir/R4/AuditEvent/{event.id}", headers=headers)
        assert answer.status_code == 200
        FhirAuditEvent.model_validate(answer.json)
    export = client.get(f"/fhir/R4/AuditEvent/{events[2].id}", headers=headers).json
    assert export["action"] == "E" and export["entity"][1]["what"] == {"identifier": {
        "system": "https://minhelse.no/fhir/NamingSystem/audited-resource",
        "value": "RecordExport/5"}}


def test_search_by_patient_date_and_action(client, frozen_clock, her, hospital, doctor):
    staff = Actor.staff(doctor.id, organisation_id=hospital.id)
    stranger = make_person()
    frozen_clock.move_to(datetime(2026, 2, 1, 12, tzinfo=UTC))
    early = _read(her, staff)
    frozen_clock.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC))
    late = _read(her, staff, action="update")
    _read(stranger, staff)
    own = _read(her, Actor.person(her.id), purpose="self-service")
    headers = system_bearer(SCOPES)
    found = _ids(client.get(f"/fhir/R4/AuditEvent?patient=Patient/{her.id}",
                            headers=headers).json)
    assert early.id in found and late.id in found and own.id not in found
    number = national_id_of(her)
    chained = _ids(client.get(f"/fhir/R4/AuditEvent?patient.identifier={FNR_SYSTEM}|{number}"
                              "&date=ge2026-02-15", headers=headers).json)
    # (Her registration, and this system's search just now, are in her log too.)
    assert late.id in chained and early.id not in chained
    assert _ids(client.get(f"/fhir/R4/AuditEvent?patient={her.id}&action=U",
                           headers=headers).json) == [late.id]
    updated = client.get(f"/fhir/R4/AuditEvent?patient={her.id}&_lastUpdated=lt2026-02-15",
                         headers=headers)
    assert updated.status_code == 200 and early.id in _ids(updated.json)
    assert client.get(f"/fhir/R4/AuditEvent/{own.id}", headers=headers).status_code == 404


def test_a_hospitals_system_sees_its_own_organisations_entries_only(client, her, hospital,
                                                                    other_hospital, doctor):
    ours = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    elsewhere = make_staff(other_hospital, Role.ULTRASOUND_CLINIC)
    theirs = _read(her, Actor.staff(elsewhere.id, organisation_id=other_hospital.id))
    helsenorge = _read(her, Actor.system("helsenorge"))
    headers = _bearer_of(hospital)
    assert client.get(f"/fhir/R4/AuditEvent/{ours.id}", headers=headers).status_code == 200
    for hidden in (theirs, helsenorge):
        assert client.get(f"/fhir/R4/AuditEvent/{hidden.id}", headers=headers).status_code == 404
    found = _ids(client.get(f"/fhir/R4/AuditEvent?patient={her.id}", headers=headers).json)
    assert ours.id in found and theirs.id not in found and helsenorge.id not in found
    # Its own system's writes are its organisation's entries too.
    own_system = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.actor_kind == "system")).all()
    assert own_system  # the reads just now were audited as that system's
    found = _ids(client.get(f"/fhir/R4/AuditEvent?patient={her.id}&_count=500",
                            headers=headers).json)
    assert {e.id for e in own_system if e.resource_type == "AuditEvent"} <= set(found)
    # A system acting for citizens sees the whole log.
    everyone = _ids(client.get(f"/fhir/R4/AuditEvent?patient={her.id}&_count=500",
                               headers=system_bearer(SCOPES)).json)
    assert {ours.id, theirs.id, helsenorge.id} <= set(everyone)


def test_writes_are_405_whatever_the_scopes(client, her, hospital, doctor):
    event = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    headers = system_bearer("system/*.cruds")
    resource = client.get(f"/fhir/R4/AuditEvent/{event.id}", headers=headers).json
    assert client.post("/fhir/R4/AuditEvent", json=resource, headers=headers).status_code == 405
    assert client.put(f"/fhir/R4/AuditEvent/{event.id}", json=resource,
                      headers=headers).status_code == 405
    assert client.put(f"/fhir/R4/AuditEvent?_id={event.id}", json=resource,
                      headers=headers).status_code == 405
    batch = client.post("/fhir/R4", headers=headers, json={
        "resourceType": "Bundle", "type": "batch",
        "entry": [{"resource": resource, "request": {"method": "POST", "url": "AuditEvent"}}]})
    assert batch.json["entry"][0]["response"]["status"] == "405"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.resource_type == "AuditEvent")) == 0


def test_the_capability_statement_says_read_and_search_only(client):
    statement = client.get("/fhir/R4/metadata", headers={"Accept": "application/fhir+json"}).json
    [audit_event] = [r for r in statement["rest"][0]["resource"] if r["type"] == "AuditEvent"]
    assert [i["code"] for i in audit_event["interaction"]] == ["read", "search-type"]
    assert audit_event["conditionalCreate"] is False and audit_event["conditionalUpdate"] is False
    assert {p["name"] for p in audit_event["searchParam"]} >= {"patient", "date", "action"}
