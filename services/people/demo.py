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
from services.people.models import (
    AddressProtection,
    Area,
    Fullmakt,
    Guardianship,
    Organisation,
    Person,
    Role,
)
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


def N_(message: str) -> str:
    """Mark a text for translation where it is shown (the dev identity provider's page)."""
    return message


#: (key, given name, family name, birth date, address protection, who they are in the demo)
DEMO_CITIZENS = [
    ("pregnant", "Ingrid", "Berg", lambda: _years_ago(31, 40), None, N_("Pregnant, week 12")),
    ("post_op", "Ola", "Hansen", lambda: _years_ago(58, 100), None,
     N_("Had an operation 30 days ago")),
    ("parent", "Kari", "Nordmann", lambda: _years_ago(42, 10), None,
     N_("Parent of two children, aged 8 and 14")),
    ("child_8", "Emil", "Nordmann", lambda: _years_ago(8, 20), None, N_("Child, 8 years old")),
    ("child_14", "Sofie", "Nordmann", lambda: _years_ago(14, 30), None,
     N_("Child, 14 years old")),
    ("elderly", "Arne", "Lie", lambda: _years_ago(86, 5), None,
     N_("86 years old; his daughter has power of attorney")),
    ("daughter", "Hilde", "Lie", lambda: _years_ago(55, 60), None,
     N_("Has power of attorney for her father")),
    ("protected", "Anne", "Skjult", lambda: _years_ago(35, 15), AddressProtection.STRICT,
     N_("Has a strictly confidential address")),
]

#: (name, HPR number, roles, who they are in the demo)
DEMO_STAFF = [
    ("Siri Smittevern", "1000001", [Role.INFECTION_CONTROL], N_("Infection control nurse")),
    ("Jordmor Jorunn Ultralyd", "1000002", [Role.ULTRASOUND_CLINIC],
     N_("Midwife at the ultrasound clinic")),
    ("Journalansvarlig Jon", "1000003", [Role.RECORDS_OFFICER], N_("Records officer")),
    ("Admin Anders", None, [Role.ADMIN], N_("Administrator")),
]


def demo_citizen_names() -> list[tuple[str, str]]:
    """(given name, family name) of each named demo citizen, the people the demo's logins
    are about (the generated surveillance patients are not among them)."""
    return [(given, family) for _key, given, family, *_rest in DEMO_CITIZENS]


def demo_citizen_description(given_name: str, family_name: str) -> str | None:
    """Who a demo citizen is meant to be (untranslated), found by name: their numbers
    depend on the day they were seeded."""
    for _key, given, family, _birth, _protection, description in DEMO_CITIZENS:
        if (given, family) == (given_name, family_name):
            return description
    return None


@demo_seeder("people")
def seed_people() -> dict[str, int]:
    created = {"citizens": 0, "guardianships": 0, "fullmakter": 0}
    people: dict[str, Person] = {}
    for index, (key, given, family, birth, protection, _who) in enumerate(DEMO_CITIZENS):
        number = generate_national_id(birth(), index, synthetic=True)
        nid = parse_national_id(number, allow_synthetic=True)
        existing = find_person(national_id=nid)
        created["citizens"] += existing is None
        people[key] = existing or register_person(
            national_id=nid, given_name=given, family_name=family,
            address_protection=protection, actor=SEEDER, mobile="+4790000000",
        )
    for child in ("child_8", "child_14"):
        known = db.session.scalar(sa.select(Guardianship.id).where(
            Guardianship.guardian_id == people["parent"].id,
            Guardianship.child_id == people[child].id))
        if known is None:
            record_guardianship(guardian=people["parent"], child=people[child],
                                shares_address=True, actor=SEEDER)
            created["guardianships"] += 1
    has_fullmakt = db.session.scalar(
        sa.select(Fullmakt.id).where(Fullmakt.giver_id == people["elderly"].id)
    )
    if has_fullmakt is None:
        today = utcnow().date()
        grant_fullmakt(giver=people["elderly"], recipient=people["daughter"],
                       areas=[Area.APPOINTMENTS, Area.QUESTIONNAIRES, Area.RECORDS],
                       starts_on=today, ends_on=today + timedelta(days=365),
                       actor=Actor.person(people["elderly"].id))
        created["fullmakter"] += 1
    return created


def demo_staff_national_id(index: int) -> str:
    """The identity number of ``DEMO_STAFF[index]`` (the dev identity provider offers them)."""
    return generate_national_id(date(1970 + index, 3, 1), index, synthetic=True)


@demo_seeder("staff")
def seed_staff() -> dict[str, int]:
    org_number = "883974832"
    created = {"organisations": 0, "staff members": 0}
    created["organisations"] += db.session.scalar(
        sa.select(Organisation.id).where(Organisation.org_number == org_number)) is None
    trust = add_organisation(name="St. Olavs hospital HF", org_number=org_number,
                             resh_id="4001")
    for index, (name, hpr, roles, _who) in enumerate(DEMO_STAFF):
        nid = parse_national_id(demo_staff_national_id(index), allow_synthetic=True)
        created["staff members"] += find_staff(national_id=nid) is None
        add_staff(national_id=nid, name=name, hpr_number=hpr, organisation=trust, roles=roles)
    return created
