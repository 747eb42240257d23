"""A create never updates, in every form; batches answer per entry; the audit row and the
response tell the same story."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from services.audit.models import AuditEvent, SecurityEvent
from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.db import table_rows
from tests.plugins.factories import national_id_for, system_bearer


def _patient(number: str, family: str = "Original") -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"use": "official", "family": family, "given": ["Kari"]}]}


def _entry(resource: dict, method: str = "POST", url: str = "Patient") -> dict:
    return {"resource": resource, "request": {"method": method, "url": url}}


def _stored(db, person_id) -> Person:
    db.session.expire_all()
    return db.session.get(Person, int(person_id))


def _actions(db, person_id) -> list[str]:
    return [r.action for r in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.resource_type == "Patient",
                                    AuditEvent.resource_id == str(person_id))
        .order_by(AuditEvent.id))]


def test_a_plain_create_of_an_existing_identifier_is_a_conflict_and_changes_nothing(client, db):
    creator = system_bearer("system/Patient.c", name="create only")
    number = national_id_for(date(1980, 1, 2), 1)
    pid = client.post("/fhir/R4/Patient", json=_patient(number), headers=creator).json["id"]

    again = client.post("/fhir/R4/Patient", json=_patient(number, "Overskrevet"), headers=creator)
    assert again.status_code == 409
    assert again.json["issue"][0]["code"] == "duplicate"
    assert again.json["issue"][0]["expression"] == ["Patient.identifier"]
    stored = _stored(db, pid)
    assert (stored.family_name, stored.version_id) == ("Original", 1)
    assert _actions(db, pid) == ["create"]


def test_a_create_with_the_update_scope_still_does_not_update(client, db):
    writer = system_bearer("system/Patient.cu", name="create and update")
    number = national_id_for(date(1980, 1, 2), 2)
    pid = client.post("/fhir/R4/Patient", json=_patient(number), headers=writer).json["id"]
    assert client.post("/fhir/R4/Patient", json=_patient(number, "Ny"),
                       headers=writer).status_code == 409
    assert _stored(db, pid).family_name == "Original"


def test_a_transaction_that_would_overwrite_is_a_conflict_and_stores_nothing(client, db):
    creator = system_bearer("system/Patient.c", name="create only")
    known = national_id_for(date(1980, 1, 2), 3)
    pid = client.post("/fhir/R4/Patient", json=_patient(known), headers=creator).json["id"]
    fresh = national_id_for(date(1980, 1, 2), 4)
    response = client.post("/fhir/R4", headers=creator, json={
        "resourceType": "Bundle", "type": "transaction",
        "entry": [_entry(_patient(fresh)), _entry(_patient(known, "Overskrevet"))]})
    assert response.status_code == 409
    assert response.json["issue"][0]["expression"] == ["Bundle.entry[1].Patient.identifier"]
    assert len(table_rows(Person)) == 1
    stored = _stored(db, pid)
    assert (stored.family_name, stored.version_id) == ("Original", 1)
    assert _actions(db, pid) == ["create"]


def test_the_same_new_identifier_twice_in_a_transaction_is_a_conflict(client, db):
    writer = system_bearer("system/Patient.c", name="create only")
    number = national_id_for(date(1980, 1, 2), 5)
    response = client.post("/fhir/R4", headers=writer, json={
        "resourceType": "Bundle", "type": "transaction",
        "entry": [_entry(_patient(number)), _entry(_patient(number, "Igjen"))]})
    assert response.status_code == 409
    assert table_rows(Person) == []


def test_a_batch_authorises_and_answers_each_entry(client, db):
    creator = system_bearer("system/Patient.c", name="create only")
    known = national_id_for(date(1980, 1, 2), 6)
    pid = client.post("/fhir/R4/Patient", json=_patient(known), headers=creator).json["id"]
    good = national_id_for(date(1980, 1, 2), 7)
    response = client.post("/fhir/R4", headers=creator, json={
        "resourceType": "Bundle", "type": "batch", "entry": [
            _entry(_patient(good)),
            _entry({**_patient(known, "Endret"), "id": pid}, "PUT", f"Patient/{pid}"),
            _entry(_patient(known, "Overskrevet")),
            _entry(_patient("12345678901")),
        ]})
    assert response.status_code == 200
    entries = response.json["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created", "403", "409", "422"]
    assert entries[1]["response"]["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[1].request"]
    assert {p.family_name for p in table_rows(Person)} == {"Original"}
    assert len(table_rows(Person)) == 2
    assert _actions(db, pid) == ["create"]
    # The refused entry is in the security log, though its request succeeded.
    assert [(e.kind, e.target) for e in table_rows(SecurityEvent)] == [
        ("insufficient_scope", "system/Patient.u")]


def test_a_transaction_with_a_refused_entry_is_refused_whole(client, db):
    creator = system_bearer("system/Patient.c", name="create only")
    known = national_id_for(date(1980, 1, 2), 8)
    pid = client.post("/fhir/R4/Patient", json=_patient(known), headers=creator).json["id"]
    response = client.post("/fhir/R4", headers=creator, json={
        "resourceType": "Bundle", "type": "transaction", "entry": [
            _entry(_patient(national_id_for(date(1980, 1, 2), 9))),
            _entry({**_patient(known, "Endret"), "id": pid}, "PUT", f"Patient/{pid}"),
        ]})
    assert response.status_code == 403
    assert response.json["issue"][0]["expression"] == ["Bundle.entry[1].request"]
    assert len(table_rows(Person)) == 1


def test_an_update_is_audited_as_an_update_and_answered_200(client, db):
    writer = system_bearer("system/Patient.cru", name="writer")
    number = national_id_for(date(1980, 1, 2), 10)
    pid = client.post("/fhir/R4/Patient", json=_patient(number), headers=writer).json["id"]
    response = client.put(f"/fhir/R4/Patient/{pid}", headers=writer,
                          json={**_patient(number, "Endret"), "id": pid})
    assert response.status_code == 200 and response.json["meta"]["versionId"] == "2"
    assert response.json["name"][0]["family"] == "Endret"
    assert _actions(db, pid) == ["create", "update"]
