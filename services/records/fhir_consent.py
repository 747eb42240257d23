"""Her blocks ↔ FHIR R4 ``Consent``: the one place for this mapping (read only: blocks are
set by the citizen, never by a system).

Each block is one Consent of scope ``patient-privacy`` whose ``provision`` is a ``deny``
for the period the block is in force (``status`` ``active`` until lifted, then
``inactive`` with the period's end):

- a staff block names the staff member as the provision's actor (role ``PRCP``, the
  recipient kept from the record), by HPR number where known;
- a document block names the document as the provision's data (``DocumentReference/<id>``);
- an organisation block names the organisation in the extension
  :data:`BLOCKED_ORGANISATION` (by organisation number): documents that organisation
  holds, or that were written at it as a unit;
- an everything block names neither: all her documents.

Document, organisation and everything blocks keep documents from *other* organisations
and systems than the hospital holding them (the holding hospital's own staff and system
still see them); the extension :data:`BLOCK_KIND` carries the kind, so a reader need not
infer it. The rule itself is ``services.records.access``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.fhir.mapping import instant
from services.people.models import Organisation, StaffMember
from services.records.models import Block, BlockKind

HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"
ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
STRUCTURE_DEFINITIONS = "https://minhelse.no/fhir/StructureDefinition"
#: valueCode: document, organisation, everything or staff.
BLOCK_KIND = f"{STRUCTURE_DEFINITIONS}/record-block-kind"
#: valueReference: the organisation whose documents are blocked (identifier: its number).
BLOCKED_ORGANISATION = f"{STRUCTURE_DEFINITIONS}/record-blocked-organisation"
#: Helsepersonelloven § 25 (sharing between enterprises) and the patient's right to
#: object (pasient- og brukerrettighetsloven § 5-3): the policy every block follows.
POLICY_URI = "https://lovdata.no/lov/1999-07-02-64/§25"

_SCOPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                      "code": "patient-privacy", "display": "Privacy Consent"}]}
_CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                          "display": "Patient Consent"}]}]
_RECIPIENT = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                          "code": "PRCP", "display": "primary information recipient"}]}
STATUSES = ("active", "inactive")


def consent_query() -> sa.Select:
    """A block's columns with what its Consent names: the staff member's HPR number and
    name, the organisation's number and name."""
    return (sa.select(*Block.__table__.columns,
                      StaffMember.hpr_number.label("staff_hpr"),
                      StaffMember.name.label("staff_name"),
                      Organisation.org_number.label("organisation_number"),
                      Organisation.name.label("organisation_name"))
            .select_from(Block)
            .outerjoin(StaffMember, StaffMember.id == Block.staff_id)
            .outerjoin(Organisation, Organisation.id == Block.organisation_id))


def updated_at(row) -> datetime:
    """When the block last changed: set, or lifted."""
    return row.lifted_at or row.created_at


#: The same as an SQL expression (``_lastUpdated``).
UPDATED_AT = sa.func.coalesce(Block.lifted_at, Block.created_at)


def status_of(row) -> str:
    return "active" if row.lifted_at is None else "inactive"


def to_consent(row) -> dict[str, Any]:
    """The Consent for a block row (``consent_query``'s columns)."""
    kind = BlockKind(row.kind)
    period = {"start": instant(row.created_at)}
    if row.lifted_at is not None:
        period["end"] = instant(row.lifted_at)
    provision: dict[str, Any] = {"type": "deny", "period": period}
    if kind is BlockKind.STAFF:
        practitioner: dict[str, Any] = {"type": "Practitioner",
                                        "display": row.staff_name or "staff member"}
        if row.staff_hpr:
            practitioner["identifier"] = {"system": HPR_SYSTEM, "value": row.staff_hpr}
        provision["actor"] = [{"role": _RECIPIENT, "reference": practitioner}]
    elif kind is BlockKind.DOCUMENT:
        provision["data"] = [{"meaning": "instance",
                              "reference": {"reference": f"DocumentReference/{row.document_id}"}}]
    elif kind is BlockKind.ORGANISATION:
        provision["extension"] = [{"url": BLOCKED_ORGANISATION, "valueReference": {
            "type": "Organization",
            "identifier": {"system": ORG_NUMBER_SYSTEM, "value": row.organisation_number},
            "display": row.organisation_name}}]
    return {
        "resourceType": "Consent",
        "id": str(row.id),
        "meta": {"versionId": "1" if row.lifted_at is None else "2",
                 "lastUpdated": instant(updated_at(row), milliseconds=True)},
        "extension": [{"url": BLOCK_KIND, "valueCode": kind.value}],
        "status": status_of(row),
        "scope": _SCOPE,
        "category": _CATEGORY,
        "patient": {"reference": f"Patient/{row.person_id}"},
        "dateTime": instant(row.created_at),
        "policy": [{"uri": POLICY_URI}],
        "provision": provision,
    }
