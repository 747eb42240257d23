"""Procedure: operations under wound-infection surveillance, as the hospital registers them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.ingest import allow_synthetic, domain_errors
from citizen.fhir.params import AnyOf, IdentifierOf, at, codes_of, of_people
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from services.actors import Actor
from services.wound import catalogue
from services.wound.fhir import from_procedure, procedure_query, to_procedure
from services.wound.ingest import create_operation, update_operation
from services.wound.models import Operation, OperationStatus


def _categories(tokens: list[Token]) -> list[str]:
    """For ``AnyOf``: the categories the codes name (any system)."""
    found = (catalogue.load().classify([t.code]) for t in tokens)
    return [category.key for category in found if category is not None]


@register
class ProcedureHandler(ResourceHandler):
    resource_type = "Procedure"
    model = Operation
    purpose = "quality-surveillance"
    documentation = (
        "Operations under wound-infection surveillance (NOIS-POSI). code: a coding with a "
        "category code (CBGB, CBGC, CSEC, HPRO, CHOL, COLO, APPY; any system; ours is "
        f"{catalogue.CATEGORY_SYSTEM}); another coding (NCSP) is kept as sent. subject: the "
        "patient by fødselsnummer or D-number (registered as a Patient). performedPeriod "
        "start and end with offsets. performer.onBehalfOf: the hospital by organisation "
        "number (required); performer.actor an Organization unit. Extensions (see "
        "StructureDefinition): asa-class, wound-class, emergency, antibiotic-prophylaxis, "
        "endoscopic (required); implant (or focalDevice), discharge-date; readmission-date, "
        "reoperation-date, death-date when reported. status completed, or entered-in-error "
        "to withdraw. The NNIS risk index is computed (nnis-risk-index). Create and update "
        "by identifier: If-None-Exist, or PUT Procedure?identifier=.")
    search_params = {
        "identifier": SearchParam("token", "business identifier (system|value)",
                                  IdentifierOf(Operation.identifier_system,
                                               Operation.identifier_value)),
        "patient": SearchParam("reference", "the patient: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(Operation.person_id), target="Patient"),
        "date": SearchParam("date", "performedPeriod.start (eq, gt, lt, ge, le)",
                            at(Operation.performed_at)),
        "code": SearchParam("token", "a category code (any system)",
                            AnyOf(Operation.category, _categories)),
        "status": SearchParam("token", "completed, entered-in-error",
                              AnyOf(Operation.status, codes_of(OperationStatus))),
    }

    def base_query(self) -> sa.Select:
        return procedure_query()

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_procedure(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_procedure(resource, allow_synthetic=allow_synthetic())
            return create_operation(data=data, actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_procedure(resource, allow_synthetic=allow_synthetic())
            return update_operation(operation_id=row.id, data=data, actor=actor).id
