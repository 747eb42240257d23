"""Observation: the estimated due date (LOINC 11778-8), the only observation taken here."""

from __future__ import annotations

from typing import Any

from citizen.fhir.params import AnyOf, IdentifierOf
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._ultrasound import (
    allow_synthetic,
    at,
    codes_of,
    domain_errors,
    of_people,
)
from services.actors import Actor
from services.clock import today_in_norway
from services.ultrasound.fhir import (
    DUE_DATE_CODE,
    LOINC,
    from_observation,
    to_observation,
)
from services.ultrasound.ingest import create_due_date, update_due_date
from services.ultrasound.models import DueDate, DueDateStatus


def _by_code(statement, tokens: list[Token]):
    """Every stored observation is a due date: the code matches all or nothing."""
    if any(t.code == DUE_DATE_CODE and t.system in (None, LOINC) for t in tokens):
        return statement
    return statement.where(False)


@register
class ObservationHandler(ResourceHandler):
    resource_type = "Observation"
    model = DueDate
    purpose = "appointments"
    documentation = (
        f"Only the estimated due date: code {LOINC}|{DUE_DATE_CODE}, valueDateTime (a date), "
        "subject the woman by fødselsnummer or D-number (registered as a Patient), status "
        "final, amended, corrected or entered-in-error. The newest effectiveDateTime not "
        "entered in error is her due date; other codes are refused (422).")
    search_params = {
        "identifier": SearchParam("token", "business identifier (system|value)",
                                  IdentifierOf(DueDate.identifier_system,
                                               DueDate.identifier_value)),
        "patient": SearchParam("reference", "the woman: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(DueDate.person_id), target="Patient"),
        "code": SearchParam("token", f"{LOINC}|{DUE_DATE_CODE}", _by_code),
        "date": SearchParam("date", "effectiveDateTime (eq, gt, lt, ge, le)",
                            at(DueDate.effective_at)),
        "status": SearchParam("token", "final, amended, entered-in-error",
                              AnyOf(DueDate.status, codes_of(DueDateStatus))),
    }

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_observation(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_observation(resource, allow_synthetic=allow_synthetic(),
                                    today=today_in_norway())
            return create_due_date(data=data, actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_observation(resource, allow_synthetic=allow_synthetic(),
                                    today=today_in_norway())
            return update_due_date(due_date_id=row.id, data=data, actor=actor).id
