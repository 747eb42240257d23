"""Infection-control staff's reach: the cases of their own hospital (and its units), and
nothing else. Every staff function in the wound domain finds its case through ``case_for``,
so another hospital's case is simply not there (the pages and the API answer 404)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from services.actors import Actor, ActorKind
from services.clock import day_ends, day_starts, utcnow
from services.db import db
from services.people.service import with_units
from services.people.staff_access import record_staff_read
from services.wound.models import FollowUp, Operation, OperationStatus
from services.wound.periods import Period
from services.wound.states import PURPOSE


class NotFound(LookupError):
    """No such case, or not one of the staff member's hospital."""


def organisations_of(actor: Actor) -> set[int]:
    """The organisations whose cases ``actor`` works with: the hospital chosen at login and
    its units."""
    if actor.kind is not ActorKind.STAFF or actor.organisation_id is None:
        raise PermissionError("surveillance work is for staff in an organisation")
    return set(with_units({actor.organisation_id}))


def surveilled_operations(reach: set[int], period: Period,
                          category: str | None = None) -> list[sa.ColumnElement[bool]]:
    """Which operations the surveillance counts for ``reach`` (``organisations_of``) in
    ``period``: completed (not entered in error), performed on a Norwegian day of the
    period, of the category if one is given. As WHERE clauses on ``Operation``."""
    where = [Operation.organisation_id.in_(reach),
             Operation.status == OperationStatus.COMPLETED]
    if (start := day_starts(period.first)) is not None:
        where.append(Operation.performed_at >= start)
    if (end := day_ends(period.last)) is not None:
        where.append(Operation.performed_at < end)
    if category is not None:
        where.append(Operation.category == category)
    return where


def case_for(case_id: int, *, actor: Actor, for_update: bool = False) -> FollowUp:
    """The case, when it is one of ``actor``'s hospital; :class:`NotFound` otherwise."""
    statement = sa.select(FollowUp).where(FollowUp.id == case_id,
                                          FollowUp.organisation_id.in_(organisations_of(actor)))
    if for_update:
        statement = statement.with_for_update()
    case = db.session.scalar(statement)
    if case is None:
        raise NotFound("no such case")
    return case


def audit_read(case: FollowUp, *, actor: Actor, resource_type: str = "WoundFollowUp") -> None:
    """Audit that ``actor`` looked at the case: the worklist is their work list, so no
    reason is asked for."""
    record_staff_read(actor=actor, subject_person_id=case.person_id,
                      resource_type=resource_type, resource_id=case.id, purpose=PURPOSE,
                      on_worklist=True)


class Stale(ValueError):
    """The case changed since the caller read it: another staff member got there first."""

    def __init__(self, current: int) -> None:
        super().__init__("the case was changed by someone else; reload it and try again")
        self.current = current


def check_version(case: FollowUp, expected: int | None) -> None:
    """Refuse a staff write made against an older version of the case (``FollowUp.version_id``,
    the ETag of the case); None is refused too: a write names the version it read."""
    if expected is None or expected != case.version_id:
        raise Stale(case.version_id)


def touch(case: FollowUp) -> None:
    """Mark the case changed by a write that leaves its row otherwise alone (a note, a call),
    so its version moves on and a concurrent write against the old one is refused."""
    case.updated_at = utcnow()
    # Marked changed even when the clock has not moved on (a frozen clock, the same
    # microsecond): the version must move whatever time it is.
    flag_modified(case, "updated_at")
    db.session.flush()
