"""The follow-up case's states and the moves allowed between them: the one state machine.

    scheduled → invited → reminded (→ reminded) → answered | non_responder
    answered → triaged → under_review ⇄ awaiting_information → classified → closed
    non_responder → answered (late, or by phone) | lost_to_follow_up
    scheduled | invited | reminded → closed (the operation withdrawn)

Every move is audited with who and when; a case whose row changed since the caller read it
is refused (``FollowUp.version_id``), so two staff members' moves never silently cross.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.wound.models import CaseState as S
from services.wound.models import FollowUp

ALLOWED: dict[S, frozenset[S]] = {
    S.SCHEDULED: frozenset({S.INVITED, S.CLOSED}),
    S.INVITED: frozenset({S.REMINDED, S.ANSWERED, S.NON_RESPONDER, S.CLOSED}),
    S.REMINDED: frozenset({S.REMINDED, S.ANSWERED, S.NON_RESPONDER, S.CLOSED}),
    S.ANSWERED: frozenset({S.TRIAGED}),
    S.NON_RESPONDER: frozenset({S.ANSWERED, S.LOST}),
    S.TRIAGED: frozenset({S.UNDER_REVIEW, S.CLASSIFIED}),
    S.UNDER_REVIEW: frozenset({S.AWAITING_INFORMATION, S.CLASSIFIED}),
    S.AWAITING_INFORMATION: frozenset({S.UNDER_REVIEW, S.CLASSIFIED}),
    S.CLASSIFIED: frozenset({S.CLOSED, S.UNDER_REVIEW}),
    S.CLOSED: frozenset(),
    S.LOST: frozenset(),
}
PURPOSE = "quality-surveillance"


#: The states in which she is asked to answer (the questionnaire open to her).
ASKING = frozenset({S.INVITED, S.REMINDED, S.NON_RESPONDER})
_asking_ended: list[Callable[[FollowUp], None]] = []


def when_asking_ends(listener: Callable[[FollowUp], None]) -> Callable[[FollowUp], None]:
    """Register a channel that asked her to answer, called in the transaction of a move
    out of ``ASKING`` (answered, withdrawn, lost) so it can take its question back."""
    _asking_ended.append(listener)
    return listener


class NotAllowed(ValueError):
    """The case cannot move from its state to the one asked for."""


def may_move(current: S, to: S) -> bool:
    return to in ALLOWED[current]


def move(case: FollowUp, to: S, *, actor: Actor) -> FollowUp:
    """Move ``case`` to ``to``, audited; :class:`NotAllowed` for a move the machine lacks."""
    _check([case], to)
    asked = case.state in ASKING
    case.state = to
    case.updated_at = utcnow()
    db.session.flush()
    _moved([case], to, actor=actor, asked=[case] if asked else [])
    return case


def move_many(cases: Sequence[FollowUp], to: S, *, actor: Actor,
              also: Mapping[str, Any] | None = None) -> None:
    """:func:`move` for many cases at once (due work), setting the columns in ``also`` on
    each too: one UPDATE for all of them (other changes of theirs are flushed first), the
    audit rows in one statement. :class:`NotAllowed` before any moves if one of them may
    not; ``StaleDataError`` if one changed since it was read, as the ORM's own check."""
    _check(cases, to)
    if not cases:
        return
    asked = [case for case in cases if case.state in ASKING]
    values = {"state": to, "updated_at": utcnow(), **(also or {})}
    db.session.flush()
    # Not the unit of work: a versioned row is updated one statement each there (the ORM
    # checks each version), ~1 ms a case; this checks them all by the rows it updated.
    done = db.session.execute(
        sa.update(_cases).where(_cases.c.id == sa.bindparam("case_id"),
                                _cases.c.version_id == sa.bindparam("seen_version"))
        .values(**values, version_id=_cases.c.version_id + 1),
        [{"case_id": case.id, "seen_version": case.version_id} for case in cases],
        execution_options={"synchronize_session": False})
    if done.rowcount != len(cases):
        raise StaleDataError(f"{len(cases) - done.rowcount} of {len(cases)} cases changed "
                             "since they were read")
    for case in cases:
        for key, value in {**values, "version_id": case.version_id + 1}.items():
            set_committed_value(case, key, value)
    _moved(cases, to, actor=actor, asked=asked)


_cases = FollowUp.__table__


def _check(cases: Sequence[FollowUp], to: S) -> None:
    for case in cases:
        if not may_move(case.state, to):
            raise NotAllowed(f"a case cannot go from {case.state.value} to {to.value}")


def _moved(cases: Sequence[FollowUp], to: S, *, actor: Actor,
           asked: Sequence[FollowUp]) -> None:
    """Audit the moves; tell the channels that asked her when they no longer may."""
    audit.record_many(actor=actor, action="update", resource_type="WoundFollowUp",
                      accesses=[(f"{case.id}/{to.value}", case.person_id) for case in cases],
                      purpose=PURPOSE)
    if to not in ASKING:
        for case in asked:
            for listener in _asking_ended:
                listener(case)
