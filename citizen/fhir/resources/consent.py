"""Consent: her blocks, as machine-readable consent (read and search only).

Blocks are hers to set and lift (her pages and ``/api/v1/blocks``); systems read them here
to honour them in their own records. The mapping is ``services.records.fhir_consent``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.errors import FhirError
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._ultrasound import of_people
from services.actors import Actor
from services.fhir.columns import parse_id
from services.records import fhir_consent
from services.records.models import Block

READ_ONLY = "Consent is read only here: a block is set and lifted by the citizen herself"


class _BlockColumns:
    """What the generic layer asks of ``model``: the id, and when the row last changed."""

    id = Block.id
    updated_at = fhir_consent.UPDATED_AT
    __table__ = Block.__table__


def _by_status(statement: sa.Select, tokens: list[Token]) -> sa.Select:
    """``active``: not lifted; ``inactive``: lifted; both: either; another code: none."""
    codes = {t.code for t in tokens}
    return statement.where(sa.or_(sa.false(), *(
        Block.lifted_at.is_(None) if code == "active" else Block.lifted_at.is_not(None)
        for code in codes & set(fhir_consent.STATUSES))))


@register
class ConsentHandler(ResourceHandler):
    resource_type = "Consent"
    model = _BlockColumns
    interactions = ("read", "search-type")
    purpose = "records"
    documentation = (
        "The citizen's blocks on her record, read only. scope patient-privacy; provision "
        "type deny for the period the block is in force (status active until lifted, then "
        "inactive). The extension " + fhir_consent.BLOCK_KIND + " (valueCode) says what it "
        "keeps: document (provision.data DocumentReference), organisation (extension "
        + fhir_consent.BLOCKED_ORGANISATION + ", by organisation number: documents it holds "
        "or written at it as a unit), everything, or staff (provision.actor, role PRCP, by "
        "HPR number): that person sees none of her record. Document, organisation and "
        "everything blocks keep documents from other organisations and systems than the "
        "hospital holding them.")
    search_params = {
        "patient": SearchParam("reference", "the citizen: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(Block.person_id), target="Patient"),
        "status": SearchParam("token", "active or inactive", _by_status),
    }

    def parse_id(self, raw: str) -> int | None:
        return parse_id(raw, Block.__table__.c.id)

    def base_query(self) -> sa.Select:
        return fhir_consent.consent_query()

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return fhir_consent.to_consent(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        raise FhirError(405, READ_ONLY, code="not-supported")

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        raise FhirError(405, READ_ONLY, code="not-supported")

    def parse(self, resource: dict[str, Any]) -> Any:
        raise FhirError(405, READ_ONLY, code="not-supported")
