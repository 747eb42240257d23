"""Who may act for whom, by Norwegian rules. Each rule lives here and nowhere else.

- Parents (foreldreansvar, supplied by the hospital system) who share the child's registered
  address: everything for a child under 12; from 12 to 16 only appointments and
  questionnaires, minus what the child has withheld (records are the child's own from 12);
  nothing from 16 (pasient- og brukerrettighetsloven § 3-4; helsenorge.no).
- Fullmakt: from a giver aged 16+ to a recipient aged 18+, for named areas, between its
  start and end dates, until the giver revokes it.
- A person with a confidential address (code 6 or 7) can neither represent nor be
  represented: the relation itself could reveal where they live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa

from services.db import db
from services.people.models import Area, Fullmakt, GuardianRestriction, Guardianship, Person

ALL_AREAS = frozenset(Area)
#: What parents of a 12–15-year-old may still see, unless the child withholds it.
TEEN_GUARDIAN_AREAS = frozenset({Area.APPOINTMENTS, Area.QUESTIONNAIRES})
CHILD_AGE = 12
GUARDIAN_END_AGE = 16
FULLMAKT_GIVER_MIN_AGE = 16
FULLMAKT_RECIPIENT_MIN_AGE = 18


class Basis(StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"
    FULLMAKT = "fullmakt"


@dataclass(frozen=True)
class Representation:
    subject: Person
    basis: Basis
    areas: frozenset[Area]


def guardian_areas(*, child: Person, today: date, withheld: frozenset[Area]) -> frozenset[Area]:
    """The areas a parent may act in for ``child`` today."""
    age = child.age_on(today)
    if age < CHILD_AGE:
        return ALL_AREAS
    if age < GUARDIAN_END_AGE:
        return TEEN_GUARDIAN_AREAS - withheld
    return frozenset()


def may_withhold_from_guardians(*, child: Person, today: date) -> bool:
    """Whether ``child`` is of an age (12 to 16) to withhold areas from their parents."""
    return CHILD_AGE <= child.age_on(today) < GUARDIAN_END_AGE


def fullmakt_refusal(*, giver: Person, recipient: Person, on: date) -> str | None:
    """Why ``giver`` cannot give ``recipient`` a fullmakt in force on ``on``, or None."""
    if giver.age_on(on) < FULLMAKT_GIVER_MIN_AGE:
        return f"the giver must be at least {FULLMAKT_GIVER_MIN_AGE} years old"
    if recipient.age_on(on) < FULLMAKT_RECIPIENT_MIN_AGE:
        return f"the recipient must be at least {FULLMAKT_RECIPIENT_MIN_AGE} years old"
    if giver.has_protected_address or recipient.has_protected_address:
        return "a fullmakt is not possible for this person"
    return None


def fullmakt_areas(*, fullmakt: Fullmakt, today: date) -> frozenset[Area]:
    """The areas a fullmakt grants today (empty if not in force, or if either party can no
    longer be part of one: a confidential address may arise after the grant)."""
    if fullmakt.revoked_at is not None or not fullmakt.starts_on <= today <= fullmakt.ends_on:
        return frozenset()
    if fullmakt_refusal(giver=fullmakt.giver, recipient=fullmakt.recipient, on=today):
        return frozenset()
    # Areas this code no longer knows (a stored value from a retired area) grant nothing.
    return frozenset(Area(a) for a in fullmakt.areas if a in Area._value2member_map_)


def representations(*, actor: Person, today: date) -> list[Representation]:
    """Everyone ``actor`` may act for today (themself first), with the areas for each."""
    found = [Representation(subject=actor, basis=Basis.SELF, areas=ALL_AREAS)]
    if actor.has_protected_address:
        return found
    for guardianship in db.session.scalars(
        sa.select(Guardianship).where(Guardianship.guardian_id == actor.id,
                                      Guardianship.shares_address.is_(True))
    ):
        child = guardianship.child
        if child.has_protected_address:
            continue
        areas = guardian_areas(child=child, today=today, withheld=_withheld(child.id))
        if areas:
            found.append(Representation(subject=child, basis=Basis.GUARDIAN, areas=areas))
    for fullmakt in db.session.scalars(
        sa.select(Fullmakt).where(Fullmakt.recipient_id == actor.id)
    ):
        areas = fullmakt_areas(fullmakt=fullmakt, today=today)
        if areas:
            found.append(Representation(subject=fullmakt.giver, basis=Basis.FULLMAKT, areas=areas))
    return _merged(found)


def may_act_for(*, actor: Person, subject_id: int, area: Area, today: date) -> Basis | None:
    """The basis on which ``actor`` may act for ``subject_id`` in ``area``, or None."""
    for rep in representations(actor=actor, today=today):
        if rep.subject.id == subject_id and area in rep.areas:
            return rep.basis
    return None


def _withheld(child_id: int) -> frozenset[Area]:
    return frozenset(
        db.session.scalars(
            sa.select(GuardianRestriction.area).where(GuardianRestriction.child_id == child_id)
        )
    )


def _merged(found: list[Representation]) -> list[Representation]:
    """One entry per subject: a parent who also holds a fullmakt gets the union of areas."""
    by_subject: dict[int, Representation] = {}
    for rep in found:
        if rep.subject.id in by_subject:
            earlier = by_subject[rep.subject.id]
            rep = Representation(subject=rep.subject, basis=earlier.basis,
                                 areas=earlier.areas | rep.areas)
        by_subject[rep.subject.id] = rep
    return list(by_subject.values())
