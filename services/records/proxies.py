"""Who may act for her, and for whom she may act: the lists her proxies page and API show,
and giving a fullmakt by the recipient's identity number.

The rules are ``services.people.representation``; the changes are ``services.people.service``
(``grant_fullmakt``, ``revoke_fullmakt``, ``withhold_from_guardians``,
``release_to_guardians``), which write the consent receipts. This module reads, and finds
the recipient. Each list view is one audit row (``Consent``, ``search``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.db import db
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.models import Area, Fullmakt, Guardianship, Person
from services.people.representation import (
    TEEN_GUARDIAN_AREAS,
    Representation,
    fullmakt_areas,
    guardian_areas,
    may_withhold_from_guardians,
    representations,
)
from services.people.service import (
    PeopleError,
    find_person,
    grant_fullmakt,
    withheld_from_guardians,
)

PURPOSE = "self-service"
#: The one answer for a number that names no one who can receive a fullmakt here: not
#: registered, or with a confidential address. Telling these apart would say which.
NO_SUCH_RECIPIENT = "a fullmakt cannot be given to this person"


class InvalidRecipient(PeopleError):
    """The identity number is not valid (the message says why)."""


@dataclass(frozen=True)
class GivenFullmakt:
    fullmakt: Fullmakt
    #: The areas it grants today (empty: not in force today, e.g. it starts later).
    areas_today: frozenset[Area]


@dataclass(frozen=True)
class ParentAccess:
    guardian: Person
    #: What the parent may see and do for her today.
    areas: frozenset[Area]


@dataclass(frozen=True)
class Proxies:
    """Both directions, for one person, today."""

    #: Fullmakter she has given that are in force or still to come.
    given: list[GivenFullmakt]
    #: Fullmakter given to her that are in force or still to come.
    received: list[GivenFullmakt]
    #: Her parents (sharing her address) and what they see for her today.
    parents: list[ParentAccess]
    #: Everyone she may act for today (herself excluded).
    acts_for: list[Representation]
    #: She is 12 to 15: she may withhold these areas from her parents.
    may_withhold: bool
    withheld: frozenset[Area]


def proxies_of(*, person: Person, today: date, actor: Actor) -> Proxies:
    """Who may act for ``person`` and for whom she may act, today (audited)."""
    given = [GivenFullmakt(f, fullmakt_areas(fullmakt=f, today=today))
             for f in _fullmakter(Fullmakt.giver_id == person.id, today)]
    received = [GivenFullmakt(f, fullmakt_areas(fullmakt=f, today=today))
                for f in _fullmakter(Fullmakt.recipient_id == person.id, today)]
    withheld = withheld_from_guardians(child_id=person.id)
    parents = []
    if not person.has_protected_address:
        for guardianship in db.session.scalars(
            sa.select(Guardianship).where(Guardianship.child_id == person.id,
                                          Guardianship.shares_address.is_(True))
            .order_by(Guardianship.id)
        ):
            if guardianship.guardian.has_protected_address:
                continue
            areas = guardian_areas(child=person, today=today, withheld=withheld)
            if areas:
                parents.append(ParentAccess(guardianship.guardian, areas))
    acts_for = [rep for rep in representations(actor=person, today=today)
                if rep.subject.id != person.id]
    audit.record(actor=actor, action="search", resource_type="Consent",
                 resource_id="representation", subject_person_id=person.id, purpose=PURPOSE)
    return Proxies(given=given, received=received, parents=parents, acts_for=acts_for,
                   may_withhold=may_withhold_from_guardians(child=person, today=today),
                   withheld=withheld & TEEN_GUARDIAN_AREAS)


def fullmakt_of(*, person_id: int, fullmakt_id: int) -> Fullmakt | None:
    """A fullmakt she has given or been given; None for anyone else's (unaudited)."""
    return db.session.scalar(sa.select(Fullmakt).where(
        Fullmakt.id == fullmakt_id,
        sa.or_(Fullmakt.giver_id == person_id, Fullmakt.recipient_id == person_id)))


def give_fullmakt(*, giver: Person, recipient_national_id: str, areas: Iterable[Area],
                  starts_on: date, ends_on: date, actor: Actor) -> Fullmakt:
    """Give a fullmakt to the person with ``recipient_national_id`` (spaces allowed)."""
    try:
        number = parse_national_id("".join(recipient_national_id.split()))
    except InvalidNationalId as exc:
        raise InvalidRecipient(str(exc)) from None
    recipient = find_person(national_id=number)
    if recipient is None or recipient.has_protected_address:
        raise PeopleError(NO_SUCH_RECIPIENT)
    return grant_fullmakt(giver=giver, recipient=recipient, areas=areas, starts_on=starts_on,
                          ends_on=ends_on, actor=actor)


def _fullmakter(whose: sa.ColumnElement[bool], today: date) -> list[Fullmakt]:
    return list(db.session.scalars(
        sa.select(Fullmakt).where(whose, Fullmakt.revoked_at.is_(None), Fullmakt.ends_on >= today)
        .order_by(Fullmakt.starts_on, Fullmakt.id)))
