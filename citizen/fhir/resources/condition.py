"""Condition: the surgical-site infections infection-control staff classified, read-only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.params import of_people
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, register
from services.wound import states
from services.wound.fhir_condition import (
    CRITERION_SYSTEM,
    LEVEL_SYSTEM,
    condition_query,
    to_condition,
)
from services.wound.models import Classification, FollowUp


@register
class ConditionHandler(ResourceHandler):
    resource_type = "Condition"
    model = Classification
    interactions = ("read", "search-type")
    purpose = states.PURPOSE
    documentation = (
        "Surgical-site infections as infection-control staff classified them, read-only. "
        "code: SNOMED CT 433202001 Surgical site infection; stage.summary the level "
        f"({LEVEL_SYSTEM}: superficial, deep, organ_space); evidence.code the criterion met "
        f"({CRITERION_SYSTEM}); evidence.detail the operation's Procedure; onsetDateTime; "
        "bodySite the NHSN organ/space site. A classification of no SSI is no Condition: "
        "for a classified Procedure, no Condition means no SSI.")
    search_params = {
        "patient": SearchParam("reference", "the patient: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(FollowUp.person_id), target="Patient"),
        "evidence-detail": SearchParam("reference", "the operation: Procedure/<id>, or "
                                       "evidence-detail.identifier=<system>|<value>",
                                       lambda statement, ids: statement.where(
                                           FollowUp.operation_id.in_(ids)),
                                       target="Procedure"),
    }

    def base_query(self) -> sa.Select:
        return condition_query()

    def last_updated(self) -> sa.ColumnElement:
        return Classification.classified_at

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_condition(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id
