"""Finding whom a resource from a hospital points at: a person by identity number or id,
an organisation by organisation number or RESH id (HL7 Norway no-basis systems)."""

from __future__ import annotations

import sqlalchemy as sa

from services.db import db
from services.people.fhir import identifier_hashes
from services.people.models import Organisation, Person

#: Enhetsregisteret organisation numbers and RESH ids (HL7 Norway no-basis).
ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
RESH_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.102"
ORGANISATION_SYSTEMS = (ORG_NUMBER_SYSTEM, RESH_SYSTEM)


def person_id_by_national_id(*, system: str, number: str, allow_synthetic: bool) -> int | None:
    """The registered person with this fødselsnummer or D-number, if any."""
    hashes = identifier_hashes([(system, number)], allow_synthetic=allow_synthetic)
    if not hashes:
        return None
    return db.session.scalar(sa.select(Person.id).where(Person.national_id_hash == hashes[0]))


def person_exists(person_id: int) -> bool:
    return db.session.get(Person, person_id) is not None


def organisation_id_by_identifier(*, system: str, value: str) -> int | None:
    """The organisation with this organisation number or RESH id, if registered."""
    column = Organisation.org_number if system == ORG_NUMBER_SYSTEM else Organisation.resh_id
    return db.session.scalar(sa.select(Organisation.id).where(column == value.replace(" ", "")))
