"""The access log as FHIR R4 ``AuditEvent``, in the style of HL7 Norway's AuditEvent
profile (github.com/HL7Norway/AuditEvent): the user agent who acted (staff by HPR number
and name, with their roles; a representative; a system), the purpose of use, the
organisation acted for, and the patient as an entity in the role *Patient*.

Where the profile uses its own extensions (the user's organisation and child
organisation), this mapping uses plain R4 elements instead, so that any R4 client reads it:
the organisation is a second agent (``who`` an Organization by organisation number), not
the requestor. Codes of our own (purposes, roles, actions beyond REST, representation
bases) are in the CodeSystems named below.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.fhir.mapping import instant
from services.records.access_log import Entry, Names, Who

DCM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
SECURITY_ROLE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"
ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
PURPOSE_SYSTEM = "https://minhelse.no/fhir/CodeSystem/audit-purpose"
ACTION_SYSTEM = "https://minhelse.no/fhir/CodeSystem/audit-action"
STAFF_ROLE_SYSTEM = "https://minhelse.no/fhir/CodeSystem/staff-role"
BASIS_SYSTEM = "https://minhelse.no/fhir/CodeSystem/representation-basis"
CLIENT_SYSTEM = "https://minhelse.no/fhir/NamingSystem/system-client"
RESOURCE_SYSTEM = "https://minhelse.no/fhir/NamingSystem/audited-resource"
#: Our actions as AuditEvent.action (C, R, U, D, E).
ACTIONS = {"create": "C", "read": "R", "search": "E", "match": "E", "update": "U",
           "delete": "D", "export": "E", "login": "E"}
#: Actions that are RESTful interactions (AuditEvent.subtype).
_RESTFUL = {"create": "create", "read": "read", "search": "search-type", "update": "update",
            "delete": "delete"}
#: The resource types of FHIR R4 that rows name; others are named by identifier.
FHIR_TYPES = frozenset({"Patient", "Appointment", "Observation", "Schedule", "Slot",
                        "DocumentReference", "Binary", "AuditEvent", "Consent",
                        "RelatedPerson"})


def to_audit_event(row: sa.Row, *, names: Names) -> dict[str, Any]:
    """One audit row (the ``audit_events`` columns) of someone's access log, named."""
    entry = names.add([row]).entry(row)
    subtype = ({"system": RESTFUL, "code": _RESTFUL[entry.action]}
               if entry.action in _RESTFUL else {"system": ACTION_SYSTEM, "code": entry.action})
    purpose: dict[str, Any] = {"coding": [{"system": PURPOSE_SYSTEM, "code": entry.purpose}]}
    if entry.reason:
        purpose["text"] = entry.reason
    agents = [_user(entry, purpose)]
    if entry.organisation is not None:
        agents.append({
            "type": {"coding": [{"system": ROLE_CLASS, "code": "PROV",
                                 "display": "healthcare provider"}]},
            "who": {"type": "Organization", "display": entry.organisation.name,
                    "identifier": {"system": ORG_NUMBER_SYSTEM,
                                   "value": entry.organisation.org_number}},
            "requestor": False})
    return {
        "resourceType": "AuditEvent",
        "id": str(row.id),
        "meta": {"lastUpdated": instant(row.occurred_at, milliseconds=True)},
        "type": {"system": DCM, "code": "110110", "display": "Patient Record"},
        "subtype": [subtype],
        "action": ACTIONS.get(entry.action, "E"),
        "recorded": instant(row.occurred_at, milliseconds=True),
        "outcome": "0",
        "purposeOfEvent": [purpose],
        "agent": agents,
        "source": {"site": "Min helse", "observer": {"display": "Min helse"},
                   "type": [{"system": SOURCE_TYPE, "code": "4",
                             "display": "Application Server"}]},
        "entity": [
            {"what": {"reference": f"Patient/{row.subject_person_id}"},
             "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
             "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}},
            _resource(entry),
        ],
    }


def _user(entry: Entry, purpose: dict[str, Any]) -> dict[str, Any]:
    """The requestor: who acted, with their roles and their purpose of use."""
    agent: dict[str, Any] = {"requestor": True, "purposeOfUse": [purpose]}
    if entry.who is Who.STAFF:
        who: dict[str, Any] = {"type": "Practitioner",
                               "display": entry.name or f"staff {entry.id}"}
        if entry.hpr_number:
            who["identifier"] = {"system": HPR_SYSTEM, "value": entry.hpr_number}
        agent["type"] = _security_role("humanuser", "human user")
        agent["who"] = who
        if entry.roles:
            agent["role"] = [{"coding": [{"system": STAFF_ROLE_SYSTEM, "code": r.value}]}
                             for r in entry.roles]
    elif entry.who in (Who.REPRESENTATIVE, Who.PERSON):
        name = entry.person.name.strip() if entry.person else ""
        agent["type"] = _security_role("humanuser", "human user")
        agent["who"] = {"type": "RelatedPerson", "display": name or "person"}
        if entry.basis is not None:
            agent["role"] = [{"coding": [{"system": BASIS_SYSTEM, "code": entry.basis.value}]}]
    else:
        agent["type"] = _security_role("dataprocessor", "data processor")
        agent["who"] = {"type": "Device", "display": entry.name or entry.client_id,
                        "identifier": {"system": CLIENT_SYSTEM, "value": entry.client_id}}
    return agent


def _resource(entry: Entry) -> dict[str, Any]:
    """What was read or written, as the entity in the role *Domain Resource*."""
    named = f"{entry.resource_type}/{entry.resource_id}" if entry.resource_id else (
        entry.resource_type)
    what = ({"reference": named} if entry.resource_type in FHIR_TYPES and entry.resource_id
            else {"identifier": {"system": RESOURCE_SYSTEM, "value": named}})
    return {"what": what, "name": entry.resource_type,
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}}


def _security_role(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": SECURITY_ROLE, "code": code, "display": display}]}
