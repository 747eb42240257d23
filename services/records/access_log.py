"""Who has seen my record: her access log, read from the audit trail.

An entry is one audit row about her (``subject_person_id``) that someone other than she
herself wrote: staff (by name, their roles at the organisation they worked in, that
organisation), a representative (a parent or a fullmakt holder, by name and basis), a
system client (by name, and its organisation where it is a hospital's own), with what
was done (resource type, action), the purpose and any reason given. Her own actions are
left out: she knows what she did, and every page view of hers would crowd out the rest.

Paging is by keyset on ``(occurred_at, id)``, newest first; the statement filters on
``subject_person_id`` first, so PostgreSQL reads her rows through that column's index
however long the trail of everyone else is (``tests/services/records/test_access_log.py``
checks the plan). Names are looked up for a page at a time: a handful of small queries
per page, never one per entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from services import audit
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent
from services.clients.models import SystemClient
from services.db import db
from services.people.models import (
    Fullmakt,
    Guardianship,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    StaffMember,
)
from services.people.representation import Basis
from services.records.models import AccessQuestion

#: The audit row of her (or her representative's) look at the log itself.
RESOURCE_TYPE = "AuditEvent"
SELF_SERVICE = "self-service"
#: The order of the log, newest first; together unique (the keyset of its pages).
KEYS = (AuditEvent.occurred_at, AuditEvent.id)


class Who(StrEnum):
    """What kind of party an entry names."""

    STAFF = "staff"
    #: A parent or fullmakt holder acting for her.
    REPRESENTATIVE = "representative"
    #: Another citizen with no representation of her that we know of (it may have ended).
    PERSON = "person"
    SYSTEM = "system"


@dataclass(frozen=True)
class Entry:
    """One entry of her access log, with the names it needs to be read."""

    id: int
    occurred_at: datetime
    who: Who
    #: Staff member's or system client's name; for people see ``person``.
    name: str | None
    action: str
    resource_type: str
    resource_id: str | None
    purpose: str
    #: The reason staff gave for looking outside their work list.
    reason: str | None
    hpr_number: str | None = None
    #: Staff: their roles at ``organisation`` (as they are now).
    roles: tuple[Role, ...] = ()
    #: A representative's or other citizen's person record.
    person: Person | None = None
    basis: Basis | None = None
    client_id: str | None = None
    #: The organisation the entry names (staff's, or a hospital system's); None for
    #: representatives and systems acting for citizens.
    organisation: Organisation | None = None
    #: Her questions about this entry, oldest first.
    questions: tuple[AccessQuestion, ...] = field(default=())

    @property
    def may_ask(self) -> bool:
        """Whether "ask why" can go anywhere: only entries naming an organisation can."""
        return self.organisation is not None

    @property
    def open_question(self) -> AccessQuestion | None:
        return next((q for q in self.questions if q.answered_at is None), None)


def not_her_own(subject_id: int) -> sa.ColumnElement[bool]:
    """Rows of her log that she did not write herself."""
    return ~sa.and_(AuditEvent.actor_kind == ActorKind.PERSON.value,
                    AuditEvent.actor_id == str(subject_id))


def not_by_the_subject() -> sa.ColumnElement[bool]:
    """The same for rows of anyone's log (the FHIR search over every subject)."""
    return sa.and_(AuditEvent.subject_person_id.is_not(None), ~sa.and_(
        AuditEvent.actor_kind == ActorKind.PERSON.value,
        AuditEvent.actor_id == sa.cast(AuditEvent.subject_person_id, sa.String)))


def statement(*, subject_id: int, since: datetime | None = None,
              until: datetime | None = None) -> sa.Select:
    """Her log's audit rows (``since`` <= occurred_at < ``until``), to be paged by ``KEYS``."""
    query = sa.select(AuditEvent).where(AuditEvent.subject_person_id == subject_id,
                                        not_her_own(subject_id))
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    return query


def entries_for(*, subject_id: int, events: Sequence[AuditEvent], actor: Actor) -> list[Entry]:
    """The entries of a page of her log, named; the look at the log is audited (one row)."""
    audit.append(actor=actor, action="search", resource_type=RESOURCE_TYPE,
                 subject_person_id=subject_id, purpose=_purpose_of(actor))
    return describe(events, subject_id=subject_id)


def entry_of(*, subject_id: int, event_id: int) -> Entry | None:
    """One entry of her log (not audited: the caller's action on it is); None where the row
    is not in her log (another citizen's, her own, or no such row)."""
    event = db.session.scalar(statement(subject_id=subject_id).where(AuditEvent.id == event_id))
    return describe([event], subject_id=subject_id)[0] if event is not None else None


def describe(events: Sequence[AuditEvent], *, subject_id: int | None = None) -> list[Entry]:
    """Name the parties of ``events`` (rows of one subject's log, or of several)."""
    if not events:
        return []
    names = Names.of(events)
    questions: dict[int, list[AccessQuestion]] = {}
    for question in db.session.scalars(
            sa.select(AccessQuestion).where(
                AccessQuestion.audit_event_id.in_([e.id for e in events]),
                *([AccessQuestion.person_id == subject_id] if subject_id is not None else []))
            .order_by(AccessQuestion.asked_at, AccessQuestion.id)):
        questions.setdefault(question.audit_event_id, []).append(question)
    return [names.entry(event, questions=tuple(questions.get(event.id, ()))) for event in events]


@dataclass
class Names:
    """The people, staff, clients and organisations that audit rows name, each looked up
    once (``add`` more rows later: only what is new is looked up)."""

    staff: dict[int, StaffMember] = field(default_factory=dict)
    roles: dict[tuple[int, int], tuple[Role, ...]] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    clients: dict[str, SystemClient] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)
    #: (actor person id, subject id) -> basis.
    bases: dict[tuple[int, int], Basis] = field(default_factory=dict)
    #: Keys already looked up, found or not.
    _seen: set[tuple[str, object]] = field(default_factory=set)

    @classmethod
    def of(cls, events: Iterable[AuditEvent | sa.Row]) -> Names:
        return cls().add(events)

    def add(self, events: Iterable[AuditEvent | sa.Row]) -> Names:
        events = list(events)
        staff_ids = self._new("staff", {_number(e.actor_id) for e in events
                                        if e.actor_kind == ActorKind.STAFF} - {None})
        person_ids = self._new("person", {_number(e.actor_id) for e in events
                                          if e.actor_kind == ActorKind.PERSON} - {None})
        pairs = self._new("pair", {(_number(e.actor_id), e.subject_person_id) for e in events
                                   if e.actor_kind == ActorKind.PERSON})
        client_ids = self._new("client", {e.actor_id for e in events
                                          if e.actor_kind == ActorKind.SYSTEM})
        if staff_ids:
            self.staff |= {s.id: s for s in db.session.scalars(
                sa.select(StaffMember).where(StaffMember.id.in_(staff_ids)))}
            for assignment in db.session.execute(
                    sa.select(RoleAssignment.staff_id, RoleAssignment.organisation_id,
                              RoleAssignment.role)
                    .where(RoleAssignment.staff_id.in_(staff_ids))
                    .order_by(RoleAssignment.role)):
                key = (assignment.staff_id, assignment.organisation_id)
                self.roles[key] = (*self.roles.get(key, ()), assignment.role)
        if client_ids:
            self.clients |= {c.client_id: c for c in db.session.scalars(
                sa.select(SystemClient).where(SystemClient.client_id.in_(client_ids)))}
        if person_ids:
            self.people |= {p.id: p for p in db.session.scalars(
                sa.select(Person).where(Person.id.in_(person_ids)))}
        if pairs:
            self.bases |= _bases(pairs)
        organisation_ids = self._new("organisation", ({
            e.actor_organisation_id for e in events if e.actor_kind == ActorKind.STAFF} | {
            self.clients[c].organisation_id for c in client_ids if c in self.clients}) - {None})
        if organisation_ids:
            self.organisations |= {o.id: o for o in db.session.scalars(
                sa.select(Organisation).where(Organisation.id.in_(organisation_ids)))}
        return self

    def _new(self, kind: str, keys: set) -> set:
        fresh = {key for key in keys if (kind, key) not in self._seen}
        self._seen |= {(kind, key) for key in fresh}
        return fresh

    def entry(self, event: AuditEvent | sa.Row, *,
              questions: tuple[AccessQuestion, ...] = ()) -> Entry:
        common = {"id": event.id, "occurred_at": event.occurred_at, "action": event.action,
                  "resource_type": event.resource_type, "resource_id": event.resource_id,
                  "purpose": event.purpose, "reason": event.reason, "questions": questions}
        if event.actor_kind == ActorKind.STAFF:
            staff = self.staff.get(_number(event.actor_id) or 0)
            organisation_id = event.actor_organisation_id
            return Entry(who=Who.STAFF, name=staff.name if staff else None,
                         hpr_number=staff.hpr_number if staff else None,
                         roles=self.roles.get((staff.id, organisation_id), ()) if staff else (),
                         organisation=self.organisations.get(organisation_id or 0), **common)
        if event.actor_kind == ActorKind.PERSON:
            person_id = _number(event.actor_id) or 0
            basis = self.bases.get((person_id, event.subject_person_id))
            return Entry(who=Who.REPRESENTATIVE if basis else Who.PERSON, name=None,
                         person=self.people.get(person_id), basis=basis, **common)
        client = self.clients.get(event.actor_id)
        return Entry(who=Who.SYSTEM, name=client.name if client else None,
                     client_id=event.actor_id,
                     organisation=self.organisations.get(client.organisation_id or 0)
                     if client else None, **common)


def _bases(pairs: set[tuple[int | None, int | None]]) -> dict[tuple[int, int], Basis]:
    """How each (person, subject) pair is related: parent, else fullmakt (given at any time:
    the entry may be from while it was in force)."""
    pairs = {(a, s) for a, s in pairs if a is not None and s is not None and a != s}
    if not pairs:
        return {}
    actors, subjects = {a for a, _ in pairs}, {s for _, s in pairs}
    found: dict[tuple[int, int], Basis] = {}
    for giver, recipient in db.session.execute(
            sa.select(Fullmakt.giver_id, Fullmakt.recipient_id)
            .where(Fullmakt.recipient_id.in_(actors), Fullmakt.giver_id.in_(subjects))):
        found[(recipient, giver)] = Basis.FULLMAKT
    for guardian, child in db.session.execute(
            sa.select(Guardianship.guardian_id, Guardianship.child_id)
            .where(Guardianship.guardian_id.in_(actors), Guardianship.child_id.in_(subjects))):
        found[(guardian, child)] = Basis.GUARDIAN
    return {pair: basis for pair, basis in found.items() if pair in pairs}


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _purpose_of(actor: Actor) -> str:
    return SELF_SERVICE if actor.kind is ActorKind.PERSON else "access-log"
