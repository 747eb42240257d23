"""Demo people for the embedded default. Synthetic (Tenor-style) numbers only: a valid
real-looking fødselsnummer could belong to a real person."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.demo import demo_seeder
from services.people.identity import generate_national_id, parse_national_id
from services.people.models import AddressProtection, Area, Fullmakt, Person, Role
from services.people.service import (
    add_organisation,
    add_staff,
    find_person,
    find_staff,
    grant_fullmakt,
    record_guardianship,
    register_person,
)

SEEDER = Actor.operator("demo-seed")


def _years_ago(years: int, days: int = 0) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


#: (key, given name, family name, birth date, address protection)
DEMO_CITIZENS = [
    ("pregnant", "Ingrid", "Berg", lambda: _years_ago(31, 40), None),
    ("post_op", "Ola", "Hansen", lambda: _years_ago(58, 100), None),
    ("parent", "Kari", "Nordmann", lambda: _years_ago(42, 10), None),
    ("child_8", "Emil", "Nordmann", lambda: _years_ago(8, 20), None),
    ("child_14", "Sofie", "Nordmann", lambda: _years_ago(14, 30), None),
    ("elderly", "Arne", "Lie", lambda: _years_ago(86, 5), None),
    ("daughter", "Hilde", "Lie", lambda: _years_ago(55, 60), None),
    ("protected", "Anne", "Skjult", lambda: _years_ago(35, 15), AddressProtection.STRICT),
]

DEMO_STAFF = [
    ("Siri Smittevern", "1000001", [Role.INFECTION_CONTROL]),
    ("Jordmor Jorunn Ultralyd", "1000002", [Role.ULTRASOUND_CLINIC]),
    ("Journalansvarlig Jon", "1000003", [Role.RECORDS_OFFICER]),
    ("Admin Anders", None, [Role.ADMIN]),
]


@demo_seeder("people")
def seed_people() -> int:
    created = 0
    people: dict[str, Person] = {}
    for index, (key, given, family, birth, protection) in enumerate(DEMO_CITIZENS):
        number = generate_national_id(birth(), index, synthetic=True)
        nid = parse_national_id(number, allow_synthetic=True)
        existing = find_person(national_id=nid)
        created += existing is None
        people[key] = existing or register_person(
            national_id=nid, given_name=given, family_name=family,
            address_protection=protection, actor=SEEDER, mobile="+4790000000",
        )
    for child in ("child_8", "child_14"):
        record_guardianship(guardian=people["parent"], child=people[child], shares_address=True,
                            actor=SEEDER)
    has_fullmakt = db.session.scalar(
        sa.select(Fullmakt.id).where(Fullmakt.giver_id == people["elderly"].id)
    )
    if has_fullmakt is None:
        today = utcnow().date()
        grant_fullmakt(giver=people["elderly"], recipient=people["daughter"],
                       areas=[Area.APPOINTMENTS, Area.QUESTIONNAIRES, Area.RECORDS],
                       starts_on=today, ends_on=today + timedelta(days=365),
                       actor=Actor.person(people["elderly"].id))
        created += 1
    return created


def demo_staff_national_id(index: int) -> str:
    """The identity number of ``DEMO_STAFF[index]`` (the dev identity provider offers them)."""
    return generate_national_id(date(1970 + index, 3, 1), index, synthetic=True)


@demo_seeder("staff")
def seed_staff() -> int:
    trust = add_organisation(name="St. Olavs hospital HF", org_number="883974832",
                             resh_id="4001")
    created = 0
    for index, (name, hpr, roles) in enumerate(DEMO_STAFF):
        nid = parse_national_id(demo_staff_national_id(index), allow_synthetic=True)
        created += find_staff(national_id=nid) is None
        add_staff(national_id=nid, name=name, hpr_number=hpr, organisation=trust, roles=roles)
    return created
