"""Patient: the minimal person record that links everything else to a citizen."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import current_app

from citizen.fhir.errors import FhirError
from citizen.fhir.registry import ResourceHandler, SearchParam, register
from citizen.fhir.search import parse_token
from services import audit
from services.actors import Actor
from services.people.fhir import (
    NATIONAL_ID_SYSTEMS,
    PatientMappingError,
    from_patient,
    to_patient,
)
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.models import Person
from services.people.service import (
    Registration,
    people_by_hash,
    register_people,
    register_person,
)
from services.people.vault import vault


def _by_identifier(statement: sa.Select, values: list[str]) -> sa.Select:
    hashes = []
    for value in ",".join(values).split(","):
        system, number = parse_token(value)
        if system is not None and system not in NATIONAL_ID_SYSTEMS:
            return statement.where(sa.false())  # a system we hold no numbers of
        try:
            parsed = parse_national_id(number, allow_synthetic=current_app.config["DEV_FEATURES"])
        except InvalidNationalId:
            continue  # matches nobody
        hashes.append(vault().lookup_hash(parsed.value))
    return statement.where(Person.national_id_hash.in_(hashes))


def _by_birthdate(statement: sa.Select, values: list[str]) -> sa.Select:
    from datetime import date

    for value in values:
        try:
            statement = statement.where(Person.birth_date == date.fromisoformat(value))
        except ValueError:
            raise FhirError(400, "birthdate must be YYYY-MM-DD", code="invalid") from None
    return statement


@register
class PatientHandler(ResourceHandler):
    resource_type = "Patient"
    model = Person
    purpose = "patient-administration"
    search_params = {
        "identifier": SearchParam("token", "fødselsnummer or D-number (system|value)",
                                  _by_identifier),
        "birthdate": SearchParam("date", "date of birth (YYYY-MM-DD)", _by_birthdate),
    }

    def to_fhir(self, obj: Person) -> dict[str, Any]:
        return to_patient(obj)

    def subject_of(self, obj: Person) -> int:
        return obj.id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> Person:
        data = self._read(resource)
        return register_person(national_id=data.national_id, given_name=data.given_name,
                               family_name=data.family_name, actor=actor)

    bulk_create = True

    def parse(self, resource: dict[str, Any]) -> Registration:
        return self._read(resource)

    def bulk_condition(self, if_none_exist: str | None, resource: dict[str, Any]) -> bool | None:
        """Only "the same identity number as the resource's" (the idempotent-ingest case)."""
        if not if_none_exist:
            return False
        pairs = parse_qsl(if_none_exist.lstrip("?"))
        if len(pairs) != 1 or pairs[0][0] != "identifier":
            return None
        _system, number = parse_token(pairs[0][1])
        ours = [i.get("value") for i in resource.get("identifier") or []
                if i.get("system") in NATIONAL_ID_SYSTEMS]
        return True if ours == [number] else None

    def create_many(self, parsed: list[Registration], *, conditional: list[bool],
                    actor: Actor) -> list[tuple[int, Person]]:
        keys = [vault().lookup_hash(data.national_id.value) for data in parsed]
        existing = people_by_hash(keys)
        seen: set[str] = set()
        found: dict[int, Person] = {}
        to_register: list[int] = []
        for index, key in enumerate(keys):
            if conditional[index] and (key in existing or key in seen):
                found[index] = existing.get(key)  # None: created earlier in this Bundle
            else:
                to_register.append(index)
            seen.add(key)
        registered = register_people(
            registrations=[parsed[i] for i in to_register], actor=actor,
            known={keys[i]: existing[keys[i]] for i in to_register if keys[i] in existing})
        by_key = {p.national_id_hash: p for p, _created in registered} | existing
        outcomes = {i: (201, person) for i, (person, _) in zip(to_register, registered,
                                                                strict=True)}
        outcomes |= {i: (200, person or by_key[keys[i]]) for i, person in found.items()}
        audit.record_many(actor=actor, action="read", resource_type=self.resource_type,
                          purpose=self.purpose,
                          accesses=[(outcomes[i][1].id, outcomes[i][1].id) for i in found])
        return [outcomes[i] for i in range(len(parsed))]

    def update(self, obj: Person, resource: dict[str, Any], *, actor: Actor) -> Person:
        data = self._read(resource)
        if vault().lookup_hash(data.national_id.value) != obj.national_id_hash:
            raise FhirError(422, "the identity number of a Patient cannot change",
                            code="business-rule", expression=["Patient.identifier"])
        return register_person(national_id=data.national_id, given_name=data.given_name,
                               family_name=data.family_name, actor=actor)

    def _read(self, resource: dict[str, Any]):
        try:
            return from_patient(resource, allow_synthetic=current_app.config["DEV_FEATURES"])
        except PatientMappingError as exc:
            raise FhirError(422, str(exc), code="business-rule",
                            expression=[exc.expression]) from None
