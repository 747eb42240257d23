"""DocumentReference: the documents of a person's hospital record (My record).

The hospital's own system writes and reads its documents; any other system (helsenorge,
acting for citizens) reads what the patient may see online, less what her blocks keep from
sharing: services/records/access.py, applied to every read, search and condition here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.errors import FhirError
from citizen.fhir.params import AnyOf, IdentifierOf, at, of_people
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._records import (
    domain_errors,
    settings,
    visible,
    writer_organisation,
)
from services.actors import Actor
from services.clock import utcnow
from services.records.fhir import (
    KIND_SYSTEM,
    LOINC,
    LOINC_KINDS,
    ORG_NUMBER_SYSTEM,
    RELEASE_AFTER_EXTENSION,
    WITHHELD_EXTENSION,
    document_query,
    from_document_reference,
    to_document_reference,
)
from services.records.ingest import DocumentData, create_document, update_document
from services.records.models import Document, DocumentKind, DocumentStatus


def _kinds(tokens: list[Token]) -> list[str]:
    """For ``AnyOf``: the kinds a ``type`` search names, by LOINC code or ours."""
    kinds = {k.value for k in DocumentKind}
    found = []
    for token in tokens:
        if token.code in LOINC_KINDS and token.system in (None, LOINC):
            found.append(LOINC_KINDS[token.code].value)
        elif token.code in kinds and token.system in (None, KIND_SYSTEM):
            found.append(token.code)
    return found


def _statuses(tokens: list[Token]) -> list[str]:
    values = {s.value for s in DocumentStatus}
    return [t.code for t in tokens if t.code in values]


@register
class DocumentReferenceHandler(ResourceHandler):
    resource_type = "DocumentReference"
    model = Document
    purpose = "records"
    documentation = (
        "Documents of the patient's hospital record. type: a coding with LOINC 18842-5 "
        "(discharge summary), 34108-1 (outpatient note), 11502-2 (laboratory report), "
        "18748-4 (diagnostic imaging study) or 51852-2 (letter), in any system, or a code "
        f"of {KIND_SYSTEM} (CodeSystem/record-document-kind). subject: the patient by "
        "fødselsnummer or D-number (registered as a Patient), or Patient/<id>. custodian: "
        f"the hospital by organisation number ({ORG_NUMBER_SYSTEM}); only the custodian's "
        "own system (a client registered with its organisation) writes, and sees every "
        "document of its own. author: the writer's display and HPR number "
        "(urn:oid:2.16.578.1.12.4.1.4.4), and the unit as an Organization by organisation "
        "number or RESH id. securityLabel: v3 Confidentiality N, R or V. Extensions: "
        f"{WITHHELD_EXTENSION} (valueBoolean: withheld from the patient under a legal "
        f"exception) and {RELEASE_AFTER_EXTENSION} (valueDateTime: not shown to the patient "
        "before then; at most a year ahead, not before date). relatesTo code replaces: a "
        "correction; the replaced document becomes superseded and stays. docStatus: final "
        "or amended (or none; preliminary is refused). content: one "
        "attachment, application/pdf, text/html (sanitised before storage) or text/plain "
        "(UTF-8), checked by its bytes, inline data or url Binary/<id> (the content of a "
        "document stored here; on an update, its own keeps the content). Create and "
        "update by identifier: If-None-Exist, or PUT DocumentReference?identifier=. "
        "Other systems see a document only as the patient would online, less what her "
        "blocks keep from sharing: for them a hidden document is not there.")
    search_params = {
        "identifier": SearchParam("token", "business identifier (system|value)",
                                  IdentifierOf(Document.identifier_system,
                                               Document.identifier_value)),
        "patient": SearchParam("reference", "the patient: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(Document.person_id), target="Patient"),
        "type": SearchParam("token", f"LOINC document type ({LOINC}|18842-5 ...) or a code "
                            f"of {KIND_SYSTEM}", AnyOf(Document.kind, _kinds)),
        "date": SearchParam("date", "when the document was written (eq, gt, lt, ge, le)",
                            at(Document.document_date)),
        "status": SearchParam("token", "current, superseded, entered-in-error",
                              AnyOf(Document.status, _statuses)),
    }

    def base_query(self) -> sa.Select:
        return document_query()

    def visible(self, statement: sa.Select, *, actor: Actor) -> sa.Select:
        return visible(statement, actor)

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_document_reference(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        organisation_id = writer_organisation(actor)
        with domain_errors():
            data = from_document_reference(resource, now=utcnow(), **settings())
            _own(data, organisation_id)
            return create_document(data=data, actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        organisation_id = writer_organisation(actor)
        with domain_errors():
            data = from_document_reference(resource, now=utcnow(), updating=row.id,
                                           **settings())
            _own(data, organisation_id)
            return update_document(document_id=row.id, data=data, actor=actor).id


def _own(data: DocumentData, organisation_id: int) -> None:
    if data.organisation_id != organisation_id:
        raise FhirError(403, "a hospital's system writes its own documents only: the "
                             "custodian is another organisation", code="forbidden",
                        expression=["DocumentReference.custodian"])
