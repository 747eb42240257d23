"""Patient: the minimal person record that links everything else to a citizen."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import current_app

from citizen.fhir.errors import FhirError
from citizen.fhir.params import AnyOf, DateValue
from citizen.fhir.registry import (
    Conflict,
    ResourceHandler,
    SearchParam,
    Stored,
    Token,
    register,
)
from citizen.fhir.search import parse_token
from services.actors import Actor
from services.people.fhir import (
    NATIONAL_ID_SYSTEMS,
    PatientMappingError,
    from_patient,
    identifier_hashes,
    to_patient,
)
from services.people.models import Person
from services.people.service import (
    AlreadyRegistered,
    PeopleError,
    Registration,
    create_people,
    update_registration,
)


def _allow_synthetic() -> bool:
    return current_app.config["DEV_FEATURES"]


def _identifier_hashes(tokens: list[Token]) -> list[str]:
    return identifier_hashes([(t.system, t.code) for t in tokens],
                             allow_synthetic=_allow_synthetic())


def _by_birthdate(statement: sa.Select, dates: list[DateValue]) -> sa.Select:
    for value in dates:
        statement = statement.where(value.condition(Person.birth_date, as_date=True))
    return statement


@register
class PatientHandler(ResourceHandler):
    resource_type = "Patient"
    model = Person
    purpose = "patient-administration"
    search_params = {
        "identifier": SearchParam("token", "fødselsnummer or D-number (system|value)",
                                  AnyOf(Person.national_id_hash, _identifier_hashes)),
        "birthdate": SearchParam("date", "date of birth (eq, gt, lt, ge, le)", _by_birthdate),
    }

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_patient(row)

    def subject_of(self, row: Stored) -> int:
        return row.id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        [(_status, person)] = self.create_many([self.parse(resource)], conditional=[False],
                                                actor=actor)
        return person.id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        try:
            return update_registration(person_id=row.id, registration=self.parse(resource),
                                       actor=actor).id
        except PeopleError as exc:
            raise FhirError(422, str(exc), code="business-rule",
                            expression=["Patient.identifier"]) from None

    bulk_create = True

    def parse(self, resource: dict[str, Any]) -> Registration:
        try:
            return from_patient(resource, allow_synthetic=_allow_synthetic())
        except PatientMappingError as exc:
            raise FhirError(422, str(exc), code="business-rule",
                            expression=[exc.expression]) from None

    def bulk_condition(self, if_none_exist: str | None, resource: dict[str, Any]) -> bool | None:
        """Only "the same identity number as the resource's" (the idempotent-ingest case)."""
        if not if_none_exist:
            return False
        pairs = parse_qsl(if_none_exist.lstrip("?"))
        if len(pairs) != 1 or pairs[0][0] != "identifier":
            return None
        _system, number = parse_token(pairs[0][1])
        ours = [i.get("value") for i in resource.get("identifier") or []
                if isinstance(i, dict) and i.get("system") in NATIONAL_ID_SYSTEMS]
        return True if ours == [number] else None

    def create_many(self, parsed: list[Registration], *, conditional: list[bool],
                    actor: Actor) -> list[tuple[int, Person]]:
        try:
            outcomes = create_people(registrations=parsed, if_none_exists=conditional,
                                     actor=actor)
        except AlreadyRegistered as exc:
            raise Conflict(str(exc), "Patient.identifier", index=exc.index) from None
        return [(201 if created else 200, person) for created, person in outcomes]
