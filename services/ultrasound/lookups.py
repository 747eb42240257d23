"""Finding what a hospital's resource points at: the woman, the hospital, a schedule, a slot."""

from __future__ import annotations

import sqlalchemy as sa

from services.db import db
from services.people.fhir import identifier_hashes
from services.people.models import Organisation, Person
from services.ultrasound.models import Schedule, Slot

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


def schedule_by_id(schedule_id: int) -> Schedule | None:
    return db.session.get(Schedule, schedule_id)


def schedule_by_identifier(identifier: str) -> Schedule | None:
    return db.session.scalar(sa.select(Schedule).where(Schedule.identifier == identifier))


def slot_by_id(slot_id: int) -> Slot | None:
    return db.session.get(Slot, slot_id)
