"""Registering and finding people, staff and organisations; granting representation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from stdnum.no import orgnr

from services import audit
from services.actors import Actor, ActorKind
from services.clock import utcnow
from services.db import db, plan_each_execution
from services.people import receipts
from services.people.identity import NationalId
from services.people.models import (
    AddressProtection,
    Area,
    Fullmakt,
    GuardianRestriction,
    Guardianship,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    StaffMember,
)
from services.people.representation import fullmakt_refusal, may_withhold_from_guardians
from services.people.vault import vault


class PeopleError(ValueError):
    """A request about people that the rules do not allow; the message is safe to show."""


class NotFound(LookupError):
    """No such object, or the actor may not know that it exists."""


def find_person(*, national_id: NationalId) -> Person | None:
    return db.session.scalar(
        sa.select(Person).where(Person.national_id_hash == vault().lookup_hash(national_id.value))
    )


def national_id_of(person: Person) -> str:
    return vault().decrypt(person.national_id_encrypted)


@dataclass(frozen=True)
class Registration:
    """What the hospital system tells us about a person."""

    national_id: NationalId
    given_name: str
    family_name: str
    #: Set when given; None leaves a stored code as it is (clearing one is
    #: ``set_address_protection``'s job, so a feed without the field cannot drop it).
    address_protection: AddressProtection | None = None
    mobile: str | None = None


def register_person(
    *,
    national_id: NationalId,
    given_name: str,
    family_name: str,
    actor: Actor,
    address_protection: AddressProtection | None = None,
    mobile: str | None = None,
) -> Person:
    """Create the person, or bring their name up to date. Idempotent."""
    [(person, _created)] = register_people(
        registrations=[Registration(national_id, given_name, family_name, address_protection,
                                    mobile)],
        actor=actor,
    )
    return person


def people_by_hash(hashes: Iterable[str]) -> dict[str, Person]:
    """Stored people by the lookup hash of their identity number."""
    keys = set(hashes)
    if len(keys) > 1:  # a Bundle's lookup, while a bulk load may be growing the table
        plan_each_execution()
    return {p.national_id_hash: p for p in db.session.scalars(
        sa.select(Person).where(Person.national_id_hash.in_(keys)))}


def register_people(*, registrations: list[Registration], actor: Actor,
                    known: dict[str, Person] | None = None) -> list[tuple[Person, bool]]:
    """Create or update many people in a few statements; ``(person, created)`` for each.

    The same identity number twice is one person (the later registration wins). ``known``
    saves the lookup when the caller has just done it (``people_by_hash``).
    """
    hashes = [vault().lookup_hash(r.national_id.value) for r in registrations]
    known = dict(known) if known is not None else people_by_hash(hashes)
    existed = set(known)
    for key, registration in zip(hashes, registrations, strict=True):
        person = known.get(key)
        if person is None:
            person = known[key] = Person(
                national_id_hash=key,
                national_id_encrypted=vault().encrypt(registration.national_id.value),
                national_id_kind=registration.national_id.kind.value,
                birth_date=registration.national_id.birth_date,
            )
            db.session.add(person)
        person.given_name = registration.given_name
        person.family_name = registration.family_name
        if registration.address_protection is not None:
            person.address_protection = registration.address_protection
        if registration.mobile is not None:
            person.mobile = registration.mobile
    db.session.flush()
    for action, created in (("create", True), ("update", False)):
        audit.record_many(
            actor=actor, action=action, resource_type="Patient", purpose="registration",
            accesses=[(known[k].id, known[k].id) for k in dict.fromkeys(hashes)
                      if (k not in existed) is created],
        )
    return [(known[key], key not in existed) for key in hashes]


class AlreadyRegistered(PeopleError):
    """A new person was to be created under an identity number that is registered."""

    def __init__(self, index: int) -> None:
        super().__init__("a person with this identity number is already registered")
        #: Which of the registrations it was.
        self.index = index


def create_people(*, registrations: list[Registration], if_none_exists: list[bool],
                  actor: Actor) -> list[tuple[bool, Person]]:
    """Create new people, never changing one that exists: ``(created, person)`` for each.

    Where ``if_none_exists`` is set, a person already registered under the number (or
    created earlier in this list) is the answer instead; elsewhere such a person is
    :class:`AlreadyRegistered`. A few statements for the whole list.
    """
    hashes = [vault().lookup_hash(r.national_id.value) for r in registrations]
    existing = people_by_hash(hashes)
    fresh: dict[str, int] = {}
    for index, key in enumerate(hashes):
        if key in existing or key in fresh:
            if not if_none_exists[index]:
                raise AlreadyRegistered(index)
        else:
            fresh[key] = index
    created = register_people(registrations=[registrations[i] for i in fresh.values()],
                              actor=actor, known={})
    by_key = existing | {person.national_id_hash: person for person, _ in created}
    return [(fresh.get(key) == index, by_key[key]) for index, key in enumerate(hashes)]


def update_registration(*, person_id: int, registration: Registration, actor: Actor) -> Person:
    """The hospital system's new version of a person's names; the number cannot change."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    if person.national_id_hash != vault().lookup_hash(registration.national_id.value):
        raise PeopleError("the identity number of a person cannot change")
    [(person, _created)] = register_people(registrations=[registration], actor=actor,
                                           known={person.national_id_hash: person})
    return person


def set_address_protection(*, person: Person, code: AddressProtection | None,
                           actor: Actor) -> Person:
    """Record the population register's address protection code (or its removal)."""
    person.address_protection = code
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Patient", resource_id=person.id,
                 subject_person_id=person.id, purpose="registration")
    return person


def add_organisation(*, name: str, org_number: str, resh_id: str | None = None,
                     parent: Organisation | None = None) -> Organisation:
    """Create or update an organisation by its (validated) organisation number."""
    if not orgnr.is_valid(org_number):
        raise PeopleError("not a valid organisation number")
    number = orgnr.compact(org_number)
    org = db.session.scalar(sa.select(Organisation).where(Organisation.org_number == number))
    if org is None:
        org = Organisation(org_number=number)
        db.session.add(org)
    org.name, org.resh_id, org.parent = name, resh_id, parent
    db.session.flush()
    return org


def with_units(organisation_ids: Iterable[int]) -> set[int]:
    """The organisations and every unit below them (staff of a trust see its units' work)."""
    found = set(organisation_ids)
    if not found:
        return found
    # One recursive query, whatever the depth (UNION, not UNION ALL: a loop ends).
    tree = sa.select(Organisation.id).where(Organisation.id.in_(found)).cte(recursive=True)
    tree = tree.union(sa.select(Organisation.id).where(Organisation.parent_id == tree.c.id))
    return found | set(db.session.scalars(sa.select(tree.c.id)))


def add_staff(
    *,
    national_id: NationalId,
    name: str,
    hpr_number: str | None,
    organisation: Organisation,
    roles: Iterable[Role],
) -> StaffMember:
    """Create or update a staff member and give them ``roles`` at ``organisation``."""
    if hpr_number is not None and not (hpr_number.isdigit() and 6 <= len(hpr_number) <= 9):
        raise PeopleError("an HPR number has 6 to 9 digits")
    key = vault().lookup_hash(national_id.value)
    staff = db.session.scalar(sa.select(StaffMember).where(StaffMember.national_id_hash == key))
    if staff is None:
        staff = StaffMember(national_id_hash=key)
        db.session.add(staff)
    staff.name, staff.hpr_number, staff.is_active = name, hpr_number, True
    have = {(r.organisation_id, r.role) for r in staff.roles}
    for role in roles:
        if (organisation.id, role) not in have:
            staff.roles.append(RoleAssignment(organisation=organisation, role=role))
    db.session.flush()
    return staff


def find_staff(*, national_id: NationalId) -> StaffMember | None:
    return db.session.scalar(
        sa.select(StaffMember).where(
            StaffMember.national_id_hash == vault().lookup_hash(national_id.value),
            StaffMember.is_active.is_(True),
        )
    )


def staff_roles(staff: StaffMember) -> dict[int, set[Role]]:
    """Roles per organisation id."""
    roles: dict[int, set[Role]] = {}
    for assignment in staff.roles:
        roles.setdefault(assignment.organisation_id, set()).add(assignment.role)
    return roles


def record_guardianship(*, guardian: Person, child: Person, shares_address: bool,
                        actor: Actor) -> Guardianship:
    """Store parental responsibility as the hospital system reports it. Idempotent."""
    if guardian.id == child.id:
        raise PeopleError("a person cannot be their own guardian")
    relation = db.session.scalar(
        sa.select(Guardianship).where(Guardianship.guardian_id == guardian.id,
                                      Guardianship.child_id == child.id)
    )
    if relation is None:
        relation = Guardianship(guardian=guardian, child=child)
        db.session.add(relation)
    relation.shares_address = shares_address
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="RelatedPerson",
                 resource_id=relation.id, subject_person_id=child.id, purpose="registration")
    return relation


def withhold_from_guardians(*, child: Person, area: Area, actor: Actor, today: date) -> None:
    """Let a child aged 12–16 withhold an area from their parents. Withholding an area
    already withheld changes nothing (and writes no second receipt)."""
    _the_child_herself(child, actor, "only the child can withhold information from their parents")
    if not may_withhold_from_guardians(child=child, today=today):
        raise PeopleError("only children aged 12 to 16 can withhold from their parents")
    exists = db.session.scalar(
        sa.select(GuardianRestriction.id).where(GuardianRestriction.child_id == child.id,
                                                GuardianRestriction.area == area)
    )
    if exists is None:
        db.session.add(GuardianRestriction(child_id=child.id, area=area))
        db.session.flush()
        receipts.record(person_id=child.id, change="guardians-withheld", actor=actor,
                        area=area.value)
    audit.record(actor=actor, action="update", resource_type="Consent", resource_id=area.value,
                 subject_person_id=child.id, purpose="self-service")


def release_to_guardians(*, child: Person, area: Area, actor: Actor) -> None:
    """Let the child give their parents back an area they withheld. At any age: from 16
    parents see nothing anyway, and a release never shows them more than the age rules
    allow (``representation.guardian_areas``). Releasing an area not withheld changes
    nothing."""
    _the_child_herself(child, actor, "only the child can release information to their parents")
    restriction = db.session.scalar(
        sa.select(GuardianRestriction).where(GuardianRestriction.child_id == child.id,
                                             GuardianRestriction.area == area)
    )
    if restriction is not None:
        db.session.delete(restriction)
        db.session.flush()
        receipts.record(person_id=child.id, change="guardians-released", actor=actor,
                        area=area.value)
    audit.record(actor=actor, action="update", resource_type="Consent", resource_id=area.value,
                 subject_person_id=child.id, purpose="self-service")


def withheld_from_guardians(*, child_id: int) -> frozenset[Area]:
    """The areas the child has withheld from their parents."""
    return frozenset(db.session.scalars(
        sa.select(GuardianRestriction.area).where(GuardianRestriction.child_id == child_id)))


def _the_child_herself(child: Person, actor: Actor, message: str) -> None:
    if (actor.kind is not ActorKind.PERSON or actor.id != str(child.id)
            or actor.on_behalf_of not in (None, child.id)):
        raise PeopleError(message)


def grant_fullmakt(
    *,
    giver: Person,
    recipient: Person,
    areas: Iterable[Area],
    starts_on: date,
    ends_on: date,
    actor: Actor,
) -> Fullmakt:
    """Give ``recipient`` power of attorney for ``areas``; only the giver may do so.

    Fullmakter may overlap (the same recipient, other areas or periods): each is a consent
    of its own, revoked on its own, and the recipient may act in the union of the areas of
    those in force on the day (``representation._merged``). Only an identical fullmakt in
    force or still to come (same recipient, areas and dates) is not made twice: that one
    is returned, as a double submit must not give two to revoke.
    """
    areas = sorted({Area(a) for a in areas})
    if actor.kind is not ActorKind.PERSON or actor.id != str(giver.id):
        raise PeopleError("only the giver can grant a fullmakt")
    if giver.id == recipient.id:
        raise PeopleError("a fullmakt must be given to someone else")
    if not areas:
        raise PeopleError("a fullmakt needs at least one area")
    if ends_on < starts_on:
        raise PeopleError("the fullmakt must end after it starts")
    if (refusal := fullmakt_refusal(giver=giver, recipient=recipient, on=starts_on)) is not None:
        raise PeopleError(refusal)
    area_values = [a.value for a in areas]
    for same in db.session.scalars(
        sa.select(Fullmakt).where(Fullmakt.giver_id == giver.id,
                                  Fullmakt.recipient_id == recipient.id,
                                  Fullmakt.starts_on == starts_on, Fullmakt.ends_on == ends_on,
                                  Fullmakt.revoked_at.is_(None))
    ):
        if sorted(same.areas) == area_values:
            return same
    fullmakt = Fullmakt(giver=giver, recipient=recipient, areas=area_values,
                        starts_on=starts_on, ends_on=ends_on)
    db.session.add(fullmakt)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="Consent",
                 resource_id=f"fullmakt/{fullmakt.id}", subject_person_id=giver.id,
                 purpose="self-service")
    details = {"fullmakt_id": fullmakt.id, "areas": area_values,
               "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
    receipts.record(person_id=giver.id, change="fullmakt-granted", actor=actor,
                    recipient_id=recipient.id, **details)
    receipts.record(person_id=recipient.id, change="fullmakt-received", actor=actor,
                    giver_id=giver.id, **details)
    return fullmakt


def revoke_fullmakt(*, fullmakt_id: int, actor: Actor) -> Fullmakt:
    """End a fullmakt now. Only its giver may; others are told it does not exist."""
    fullmakt = db.session.get(Fullmakt, fullmakt_id)
    if fullmakt is None or actor.kind is not ActorKind.PERSON or actor.id != str(fullmakt.giver_id):
        raise NotFound("fullmakt")
    if fullmakt.revoked_at is None:
        fullmakt.revoked_at = utcnow()
        db.session.flush()
        audit.record(actor=actor, action="update", resource_type="Consent",
                     resource_id=f"fullmakt/{fullmakt.id}", subject_person_id=fullmakt.giver_id,
                     purpose="self-service")
        receipts.record(person_id=fullmakt.giver_id, change="fullmakt-revoked", actor=actor,
                        fullmakt_id=fullmakt.id, recipient_id=fullmakt.recipient_id)
        receipts.record(person_id=fullmakt.recipient_id, change="fullmakt-revoked-by-giver",
                        actor=actor, fullmakt_id=fullmakt.id, giver_id=fullmakt.giver_id)
    return fullmakt
