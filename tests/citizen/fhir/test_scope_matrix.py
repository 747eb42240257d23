"""Every FHIR resource type × interaction × scope: what a system client's token lets it do.

The expectations are written out here by hand (which permission letter each interaction
needs, which letters each scope grants), not computed by the code under test. A resource
type registered without an example here, or an interaction without a row, fails the suite:
a mis-scoped resource type added later cannot slip through.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from citizen.fhir.registry import handlers
from services.audit.models import AuditEvent
from services.people.identity import FNR_SYSTEM
from tests.plugins.factories import make_person, national_id_for, system_bearer

_numbers = itertools.count(100)


@dataclass(frozen=True)
class Example:
    """How to make valid instances of one resource type for the matrix."""

    #: A new valid resource, never the same business identifier twice.
    new: Callable[[], dict]
    #: Store one as the hospital system would; its id and a valid update of it.
    stored: Callable[[], tuple[int, dict]]
    #: An If-None-Exist query that matches ``resource`` once it is stored.
    condition: Callable[[dict], str]
    #: The organisation whose own system the clients are (None: nobody's). Record documents
    #: are written by their hospital's own system only.
    organisation: Callable[[], object] | None = None


def _patient(number: str) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"use": "official", "family": "Matrise", "given": ["Kari"]}]}


def _stored_patient() -> tuple[int, dict]:
    from services.people.service import national_id_of

    person = make_person(date(1971, 2, 3))
    return person.id, {**_patient(national_id_of(person)), "id": str(person.id)}


ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
WOMAN = national_id_for(date(1990, 4, 5), 3)


def _hospital():
    from services.people.service import add_organisation

    return add_organisation(name="St. Olavs hospital HF", org_number="883974832")


def _woman():
    from services.actors import Actor
    from services.people.identity import parse_national_id
    from services.people.service import register_person

    return register_person(national_id=parse_national_id(WOMAN), given_name="Kari",
                           family_name="Matrise", actor=Actor.operator("test"))


def _appointment() -> dict:
    _hospital(), _woman()
    return {
        "resourceType": "Appointment", "status": "booked",
        "identifier": [{"system": "urn:test:matrix", "value": f"A-{next(_numbers)}"}],
        "serviceType": [{"coding": [{"code": "routine-ultrasound"}]}],
        "start": "2030-03-04T09:00:00+01:00", "minutesDuration": 30,
        "contained": [{"resourceType": "Location", "id": "loc", "name": "Ultralyd",
                       "managingOrganization": {"identifier": {
                           "system": ORG_NUMBER_SYSTEM, "value": "883974832"}}}],
        "participant": [{"actor": {"identifier": {"system": FNR_SYSTEM, "value": WOMAN}},
                         "status": "accepted"},
                        {"actor": {"reference": "#loc"}, "status": "accepted"}],
    }


def _observation() -> dict:
    _woman()
    return {"resourceType": "Observation", "status": "final",
            "identifier": [{"system": "urn:test:matrix", "value": f"O-{next(_numbers)}"}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "11778-8"}]},
            "subject": {"identifier": {"system": FNR_SYSTEM, "value": WOMAN}},
            "valueDateTime": "2026-08-01"}


def _schedule() -> dict:
    _hospital()
    return {"resourceType": "Schedule", "identifier": [{"value": f"S-{next(_numbers)}"}],
            "serviceType": [{"coding": [{"code": "early-ultrasound"}]}],
            "actor": [{"display": "Ultralyd", "identifier": {"system": ORG_NUMBER_SYSTEM,
                                                             "value": "883974832"}}]}


def _slot() -> dict:
    from services.ultrasound import lookups

    schedule = lookups.schedule_by_identifier("matrix-schedule")
    if schedule is None:
        schedule = _store("Schedule", {**_schedule(), "identifier": [{"value": "matrix-schedule"}]})
    return {"resourceType": "Slot", "identifier": [{"value": f"T-{next(_numbers)}"}],
            "schedule": {"reference": f"Schedule/{schedule.id}"}, "status": "free",
            "start": "2030-03-04T09:00:00+01:00", "end": "2030-03-04T09:30:00+01:00"}


def _procedure() -> dict:
    from tests.citizen.fhir.wound_support import procedure

    _hospital(), _woman()
    return procedure(national_id=WOMAN, identifier=f"P-{next(_numbers)}")


def _questionnaire_response() -> dict:
    """Her answer to the follow-up of a new operation whose questionnaire is open."""
    from services.db import db
    from services.wound.models import CaseState, FollowUp
    from tests.citizen.fhir.wound_support import questionnaire_response

    operation = _store("Procedure", _procedure())
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.operation_id == operation.id))
    case.state = CaseState.INVITED
    db.session.commit()
    return questionnaire_response(national_id=WOMAN, operation=(
        operation.identifier_system, operation.identifier_value))


def _by_operation(resource: dict) -> str:
    identifier = resource["partOf"][0]["identifier"]
    return f"part-of.identifier={identifier['system']}|{identifier['value']}"


def _store(resource_type: str, resource: dict, *, actor=None):
    """Store ``resource`` as the hospital's system would (through its handler)."""
    from services.actors import Actor
    from services.db import db

    handler = {h.resource_type: h for h in handlers()}[resource_type]
    stored_id = handler.create(resource, actor=actor or Actor.system("hospital-system"))
    db.session.commit()
    return db.session.get(handler.model, stored_id)


def _audit_event() -> dict:
    """An AuditEvent a client might send: the type is read-only, so it never gets stored."""
    return {"resourceType": "AuditEvent", "recorded": "2026-03-02T08:00:00Z",
            "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
            "agent": [{"requestor": True, "who": {"display": "Lege"}}],
            "source": {"observer": {"display": "DIPS"}}}


def _stored_audit_event() -> tuple[int, dict]:
    """An entry of a citizen's access log: a staff member's read of her record."""
    from services import audit
    from services.actors import Actor
    from services.db import db

    person = make_person(date(1971, 2, 3))
    event = audit.record(actor=Actor.staff(1, organisation_id=None), action="read",
                         resource_type="DocumentReference", resource_id=1,
                         subject_person_id=person.id, purpose="treatment")
    db.session.commit()
    return event.id, {**_audit_event(), "id": str(event.id)}


def _condition() -> dict:
    """A Condition a client might send: the type is read-only, so it never gets stored."""
    return {"resourceType": "Condition", "subject": {"reference": "Patient/1"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "433202001"}]}}


def _stored_condition() -> tuple[int, dict]:
    """A deep SSI classified on the follow-up of a new operation."""
    from services.db import db
    from services.wound.models import Classification, FollowUp, SSILevel

    operation = _store("Procedure", _procedure())
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.operation_id == operation.id))
    row = Classification(follow_up_id=case.id, level=SSILevel.DEEP, classified_by="staff 1")
    db.session.add(row)
    db.session.commit()
    return row.id, {**_condition(), "id": str(row.id)}


def _stored(new: Callable[[], dict], resource_type: str) -> Callable[[], tuple[int, dict]]:
    def stored() -> tuple[int, dict]:
        resource = new()
        row = _store(resource_type, resource)
        return row.id, {**resource, "id": str(row.id)}
    return stored


def _by_identifier(resource: dict) -> str:
    identifier = resource["identifier"][0]
    system = identifier.get("system")
    return f"identifier={system}|{identifier['value']}" if system else (
        f"identifier={identifier['value']}")


#: Documents have numbers of their own: Patient's draw on ``_numbers`` must stay within
#: the identity numbers of one birth date.
_documents = itertools.count(1)


def _document() -> dict:
    import base64

    _hospital(), _woman()
    return {"resourceType": "DocumentReference", "status": "current",
            "identifier": [{"system": "urn:test:matrix", "value": f"D-{next(_documents)}"}],
            "type": {"coding": [{"system": "http://loinc.org", "code": "18842-5"}]},
            "subject": {"identifier": {"system": FNR_SYSTEM, "value": WOMAN}},
            "date": "2026-01-05T10:00:00+01:00", "description": "Epikrise",
            "custodian": {"identifier": {"system": ORG_NUMBER_SYSTEM, "value": "883974832"}},
            "content": [{"attachment": {"contentType": "text/plain",
                                        "data": base64.b64encode(b"Epikrise").decode()}}]}


def _stored_document() -> tuple[int, dict]:
    resource = _document()
    row = _store("DocumentReference", resource, actor=_hospital_system())
    return row.id, {**resource, "id": str(row.id)}


def _binary() -> dict:
    return {"resourceType": "Binary", "contentType": "text/plain", "data": "RXBpa3Jpc2U="}


def _stored_binary() -> tuple[int, dict]:
    stored_id, _ = _stored_document()
    return stored_id, {**_binary(), "id": str(stored_id)}


def _matrix_hospital():
    from services.db import db
    from services.people.models import Organisation

    return db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == "883974832")) or _hospital()


def _hospital_system():
    """The actor of the hospital's own record system (a client with its organisation)."""
    from services.actors import Actor
    from services.clients.service import create_client

    client, _ = create_client(name="matrix hospital system", scopes="system/*.cruds",
                              auth_method="client_secret_basic",
                              organisation_id=_matrix_hospital().id)
    return Actor.system(client.client_id)


def _stored_block() -> tuple[int, dict]:
    """A citizen's block (Consent is read only: set by the citizen, never by a system)."""
    from services.db import db
    from services.records.fhir_consent import consent_query, to_consent
    from services.records.models import Block
    from tests.services.records.factories import make_block

    block = make_block(make_person(date(1973, 4, 5)), kind="everything")
    row = db.session.execute(consent_query().where(Block.id == block.id)).one()
    return block.id, to_consent(row)


def _new_consent() -> dict:
    """A valid Consent as a system might send one (refused: 405, Consent is read only)."""
    resource = _stored_block()[1]
    resource.pop("id")
    return resource


EXAMPLES: dict[str, Example] = {
    "Patient": Example(
        new=lambda: _patient(national_id_for(date(1972, 3, 4), next(_numbers))),
        stored=_stored_patient,
        condition=lambda r: f"identifier={FNR_SYSTEM}|{r['identifier'][0]['value']}",
    ),
    "Appointment": Example(new=_appointment, stored=_stored(_appointment, "Appointment"),
                           condition=_by_identifier),
    "Observation": Example(new=_observation, stored=_stored(_observation, "Observation"),
                           condition=_by_identifier),
    "Schedule": Example(new=_schedule, stored=_stored(_schedule, "Schedule"),
                        condition=_by_identifier),
    "Slot": Example(new=_slot, stored=_stored(_slot, "Slot"), condition=_by_identifier),
    "Procedure": Example(new=_procedure, stored=_stored(_procedure, "Procedure"),
                         condition=_by_identifier),
    # Create, read and search only: a stored answer is never changed by a client.
    "QuestionnaireResponse": Example(
        new=_questionnaire_response,
        stored=_stored(_questionnaire_response, "QuestionnaireResponse"),
        condition=_by_operation),
    "DocumentReference": Example(new=_document, stored=_stored_document,
                                 condition=_by_identifier, organisation=_matrix_hospital),
    # Read only: the other interactions are 405 to a token that has their scope.
    "Binary": Example(new=_binary, stored=_stored_binary, condition=lambda r: "_id=1",
                      organisation=_matrix_hospital),
    "Consent": Example(new=_new_consent, stored=_stored_block,
                       condition=lambda r: "_id=0"),
    "Condition": Example(new=_condition, stored=_stored_condition,
                         condition=lambda r: f"_id={r.get('id', '1')}"),
    "AuditEvent": Example(new=_audit_event, stored=_stored_audit_event,
                          condition=lambda r: f"_id={r.get('id', '1')}"),
}

#: Scope (with ``T`` for the type under test) -> the permission letters it grants on T.
SCOPES = {
    "system/T.c": "c", "system/T.r": "r", "system/T.u": "u", "system/T.s": "s",
    "system/T.d": "d", "system/T.cr": "cr", "system/T.read": "rs", "system/T.write": "cud",
    "system/*.cruds": "cruds", "system/OTHER.cruds": "",
}

#: Interaction -> (the letter it needs, status with it, status without it).
INTERACTIONS = {
    "read": ("r", 200, 403),
    "search-type": ("s", 200, 403),
    "search-post": ("s", 200, 403),
    "create": ("c", 201, 403),
    "conditional-create-match": ("c", 200, 403),
    "update": ("u", 200, 403),
    "conditional-update-match": ("u", 200, 403),
    "batch-create": ("c", 201, 403),
    "batch-update": ("u", 200, 403),
    "transaction-create": ("c", 201, 403),
    "transaction-update": ("u", 200, 403),
}
#: The CapabilityStatement's interaction codes, and the matrix rows that exercise each.
COVERS = {"read": {"read"}, "search-type": {"search-type", "search-post"},
          "create": {"create", "conditional-create-match", "batch-create",
                     "transaction-create"},
          "update": {"update", "conditional-update-match", "batch-update",
                     "transaction-update"}}
#: What an interaction the type does not offer answers (AuditEvent is read-only): no
#: scope can grant it, none is needed to be told.
UNSUPPORTED = 405


def _offered(handler, interaction: str) -> bool:
    return any(interaction in rows for code, rows in COVERS.items()
               if code in handler.interactions)


def _scope_for(template: str, resource_type: str) -> str:
    other = "Observation" if resource_type != "Observation" else "Appointment"
    return template.replace("system/T.", f"system/{resource_type}.").replace("OTHER", other)


def test_every_resource_type_and_interaction_is_in_the_matrix():
    assert {h.resource_type for h in handlers()} == set(EXAMPLES), \
        "add an Example for every registered FHIR resource type"
    for handler in handlers():
        missing = set(handler.interactions) - set(COVERS)
        assert not missing, f"{handler.resource_type}: add matrix rows for {missing}"


def _bundle(kind: str, entry: dict) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": [entry]}


def _attempt(client, headers, resource_type: str, interaction: str,
             example: Example, writer) -> tuple[int, dict | None]:
    """Try ``interaction``; the status the caller sees (a Bundle's entry's for Bundles)."""
    base = f"/fhir/R4/{resource_type}"
    if interaction in ("read", "update", "conditional-update-match", "batch-update",
                       "transaction-update"):
        stored_id, changed = example.stored()
    if interaction == "read":
        response = client.get(f"{base}/{stored_id}", headers=headers)
    elif interaction == "search-type":
        response = client.get(f"{base}?_id=1", headers=headers)
    elif interaction == "search-post":
        response = client.post(f"{base}/_search", data={"_id": "1"}, headers=headers)
    elif interaction == "create":
        response = client.post(base, json=example.new(), headers=headers)
    elif interaction == "conditional-create-match":
        resource = example.new()
        created = client.post(base, json=resource, headers=writer)
        assert created.status_code in (201, 405), created.json
        response = client.post(base, json=resource,
                               headers={**headers, "If-None-Exist": example.condition(resource)})
    elif interaction == "update":
        response = client.put(f"{base}/{stored_id}", json=changed, headers=headers)
    elif interaction == "conditional-update-match":
        without_id = {k: v for k, v in changed.items() if k != "id"}
        response = client.put(f"{base}?{example.condition(changed)}", json=without_id,
                              headers=headers)
    else:
        kind, _, action = interaction.partition("-")
        entry = ({"resource": example.new(), "request": {"method": "POST", "url": resource_type}}
                 if action == "create" else
                 {"resource": changed,
                  "request": {"method": "PUT", "url": f"{resource_type}/{stored_id}"}})
        response = client.post("/fhir/R4", json=_bundle(kind, entry), headers=headers)
        # A batch is 200 whatever its entries get; a transaction is refused whole.
        if kind == "batch":
            assert response.status_code == 200, response.json
        if response.status_code == 200:
            return int(response.json["entry"][0]["response"]["status"].split()[0]), None
    return response.status_code, response


#: Interaction -> the CapabilityStatement code a type must offer for it.
OFFERED_AS = {interaction: code for code, rows in COVERS.items() for interaction in rows}


@pytest.mark.parametrize("resource_type", sorted(EXAMPLES))
def test_scope_matrix(client, db, resource_type):
    example = EXAMPLES[resource_type]
    handler = {h.resource_type: h for h in handlers()}[resource_type]
    organisation = example.organisation() if example.organisation else None
    writer = system_bearer("system/*.cruds", name="matrix writer", organisation=organisation)
    mismatches = []
    for template, letters in SCOPES.items():
        scope = _scope_for(template, resource_type)
        headers = system_bearer(scope, name=f"matrix {scope}", organisation=organisation)
        for interaction, (needs, allowed, refused) in INTERACTIONS.items():
            if OFFERED_AS[interaction] not in handler.interactions:
                allowed = 405  # with the scope: the type does not offer it
            expected = allowed if needs in letters else refused
            status, response = _attempt(client, headers, resource_type, interaction,
                                        example, writer)
            if status != expected:
                mismatches.append(f"{scope} {interaction}: expected {expected}, got {status}")
            if interaction == "conditional-create-match" and status == 200:
                # The match is shown only to a token that may read the type.
                shown = bool(response.get_data())
                if shown != ("r" in letters):
                    mismatches.append(f"{scope} {interaction}: body shown={shown}")
    assert mismatches == [], "\n".join(mismatches)


def test_a_match_without_read_is_audited_as_a_match_and_shows_nothing(client, db):
    writer = system_bearer("system/Patient.c", name="ingest only")
    resource = _patient(national_id_for(date(1972, 3, 4), 90))
    condition = f"identifier={FNR_SYSTEM}|{resource['identifier'][0]['value']}"
    first = client.post("/fhir/R4/Patient", json=resource, headers=writer)
    assert first.status_code == 201 and first.json["id"]
    for headers, path in (({**writer, "If-None-Exist": condition}, "/fhir/R4/Patient"),
                          (writer, f"/fhir/R4/Patient?{condition}")):  # fhirpy's form
        again = client.post(path, json=resource, headers=headers)
        assert again.status_code == 200
        assert again.get_data() == b""
        assert again.headers["Location"].endswith(f"/Patient/{first.json['id']}/_history/1")
        assert again.headers["ETag"] == 'W/"1"'
    actions = [r.action for r in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.resource_id == first.json["id"]))]
    assert actions.count("match") == 2 and "read" not in actions


def test_a_match_with_read_returns_the_body_and_is_audited_as_a_read(client, db):
    writer = system_bearer("system/Patient.cr", name="ingest and read")
    resource = _patient(national_id_for(date(1972, 3, 4), 91))
    condition = f"identifier={FNR_SYSTEM}|{resource['identifier'][0]['value']}"
    first = client.post("/fhir/R4/Patient", json=resource, headers=writer)
    again = client.post("/fhir/R4/Patient", json=resource,
                        headers={**writer, "If-None-Exist": condition})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    actions = [r.action for r in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.resource_id == first.json["id"]))]
    assert actions == ["create", "read"]
