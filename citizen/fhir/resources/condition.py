"""Condition: the surgical-site infections infection-control staff classified, read-only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.registry import ResourceHandler, Stored, register
from citizen.fhir.resources._wound import case_search_params
from services.wound import states
from services.wound.fhir_condition import (
    CRITERION_SYSTEM,
    LEVEL_SYSTEM,
    condition_query,
    to_condition,
)
from services.wound.models import Classification


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
    search_params = case_search_params("evidence-detail")

    def base_query(self) -> sa.Select:
        return condition_query()

    def last_updated(self) -> sa.ColumnElement:
        return Classification.classified_at

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_condition(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id
