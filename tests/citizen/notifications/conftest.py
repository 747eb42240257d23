"""People in the relations the settings rule cares about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from services.actors import Actor
from services.clock import utcnow
from services.people.models import Area, Fullmakt, Person
from services.people.service import record_guardianship
from tests.plugins.factories import make_person


@dataclass
class Family:
    parent: Person
    small: Person
    teen: Person
    giver: Person
    holder: Person
    partial_giver: Person


@pytest.fixture
def family(db, frozen_clock) -> Family:
    today = utcnow().date()
    parent = make_person(date(1984, 1, 1), given_name="Kari")
    small = make_person(today.replace(year=today.year - 8), given_name="Emil")
    teen = make_person(today.replace(year=today.year - 14), given_name="Sofie")
    hospital = Actor.system("hospital-system")
    record_guardianship(guardian=parent, child=small, shares_address=True, actor=hospital)
    record_guardianship(guardian=parent, child=teen, shares_address=True, actor=hospital)
    giver, partial_giver = make_person(date(1940, 2, 2), given_name="Arne"), make_person(
        date(1942, 3, 3), given_name="Berit")
    holder = make_person(date(1970, 3, 3), given_name="Hilde")
    for who, areas in ((giver, list(Area)), (partial_giver, [Area.APPOINTMENTS])):
        db.session.add(Fullmakt(giver=who, recipient=holder, areas=[a.value for a in areas],
                                starts_on=today - timedelta(days=1),
                                ends_on=today + timedelta(days=300)))
    db.session.commit()
    return Family(parent, small, teen, giver, holder, partial_giver)
