"""Binary: the content of a record document (``Binary/<id>`` is that of
``DocumentReference/<id>``), read-only, seen by exactly those who see the document."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.registry import ResourceHandler, Stored, register
from citizen.fhir.resources._records import visible
from services.actors import Actor
from services.records.fhir import binary_query, to_binary
from services.records.models import Document


@register
class BinaryHandler(ResourceHandler):
    resource_type = "Binary"
    model = Document
    purpose = "records"
    interactions = ("read",)
    documentation = (
        "The content of a record document: Binary/<id> is the attachment of "
        "DocumentReference/<id> (securityContext), as stored (HTML sanitised). Read only: "
        "documents are sent with their content inline in the DocumentReference. Whoever "
        "may not see the document finds no Binary either.")
    search_params = {}

    def base_query(self) -> sa.Select:
        return binary_query()

    def visible(self, statement: sa.Select, *, actor: Actor) -> sa.Select:
        return visible(statement, actor)

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_binary(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id
