"""Person ↔ FHIR Patient (HL7 Norway no-basis identifiers): the one place for this mapping."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.fhir.columns import too_long
from services.people.identity import (
    DNR_SYSTEM,
    FNR_SYSTEM,
    InvalidNationalId,
    parse_national_id,
)
from services.people.models import Person
from services.people.service import Registration, national_id_of
from services.people.vault import vault

NATIONAL_ID_SYSTEMS = (FNR_SYSTEM, DNR_SYSTEM)


class PatientMappingError(ValueError):
    """The Patient cannot be mapped; ``expression`` names the offending element."""

    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


def national_identifier(person: Person) -> dict[str, str]:
    """Her fødselsnummer or D-number as a FHIR Identifier (read from the vault)."""
    system = FNR_SYSTEM if person.national_id_kind == "fnr" else DNR_SYSTEM
    return {"system": system, "value": national_id_of(person)}


def to_patient(person: Person) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": str(person.id),
        "meta": {"versionId": str(person.version_id),
                 "lastUpdated": person.updated_at.isoformat(timespec="milliseconds")},
        "identifier": [{"use": "official", **national_identifier(person)}],
        "name": [{"use": "official", "family": person.family_name,
                  "given": person.given_name.split()}],
        "birthDate": person.birth_date.isoformat(),
    }


def from_patient(resource: dict[str, Any], *, allow_synthetic: bool) -> Registration:
    """Read what we store from a (structurally valid) Patient."""
    identifiers = [
        (index, ident) for index, ident in enumerate(resource.get("identifier") or [])
        if ident.get("system") in NATIONAL_ID_SYSTEMS
    ]
    if len(identifiers) != 1:
        raise PatientMappingError(
            "a Patient needs exactly one fødselsnummer or D-number identifier", "Patient.identifier"
        )
    index, ident = identifiers[0]
    try:
        national_id = parse_national_id(ident.get("value") or "", allow_synthetic=allow_synthetic)
    except InvalidNationalId as exc:
        raise PatientMappingError(str(exc), f"Patient.identifier[{index}].value") from None
    expected_system = FNR_SYSTEM if national_id.kind.value == "fnr" else DNR_SYSTEM
    if ident["system"] != expected_system:
        raise PatientMappingError("the identifier's system does not match its kind of number",
                                  f"Patient.identifier[{index}].system")
    names = resource.get("name") or []
    at = next((i for i, n in enumerate(names) if n.get("use") == "official"), 0)
    name = names[at] if names else {}
    # A null given name stands for one that has only extensions (``_given``): not a name;
    # nor is one of only spaces.
    given = [part.strip() for part in name.get("given") or [] if part and part.strip()]
    family = (name.get("family") or "").strip()
    if not family or not given:
        raise PatientMappingError("a Patient needs a family name and a given name",
                                  "Patient.name")
    birth = resource.get("birthDate")
    if birth and birth != national_id.birth_date.isoformat():
        raise PatientMappingError("birthDate does not match the identity number",
                                  "Patient.birthDate")
    registration = Registration(national_id=national_id, given_name=" ".join(given),
                                family_name=family)
    problems = too_long(Person, {
        "given_name": (registration.given_name, f"Patient.name[{at}].given"),
        "family_name": (registration.family_name, f"Patient.name[{at}].family"),
    })
    if problems:
        raise PatientMappingError(problems[0].message, problems[0].expression)
    return registration


def identifier_hashes(tokens: Iterable[tuple[str | None, str]], *,
                      allow_synthetic: bool) -> list[str]:
    """The lookup hashes of people with any of these ``(system, value)`` identifiers
    (system None: either national system). Numbers that are not valid, and other systems,
    match nobody."""
    hashes = []
    for system, number in tokens:
        if system is not None and system not in NATIONAL_ID_SYSTEMS:
            continue  # a system we hold no numbers of
        try:
            parsed = parse_national_id(number, allow_synthetic=allow_synthetic)
        except InvalidNationalId:
            continue
        hashes.append(vault().lookup_hash(parsed.value))
    return hashes
