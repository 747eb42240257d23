"""The follow-up case's states and the moves allowed between them: the one state machine.

    scheduled → invited → reminded (→ reminded) → answered | non_responder
    answered → triaged → under_review ⇄ awaiting_information → classified → closed
    non_responder → answered (late, or by phone) | lost_to_follow_up
    scheduled | invited | reminded → closed (the operation withdrawn)

Every move is audited with who and when; a case whose row changed since the caller read it
is refused (``FollowUp.version_id``), so two staff members' moves never silently cross.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    move_many([case], to, actor=actor)
    return case


def move_many(cases: Sequence[FollowUp], to: S, *, actor: Actor) -> None:
    """:func:`move` for many cases at once (one flush, the audit rows in one statement);
    :class:`NotAllowed` before any moves if one of them may not."""
    for case in cases:
        if not may_move(case.state, to):
            raise NotAllowed(f"a case cannot go from {case.state.value} to {to.value}")
    now = utcnow()
    stopped_asking = []
    for case in cases:
        if case.state in ASKING and to not in ASKING:
            stopped_asking.append(case)
        case.state = to
        case.updated_at = now
    db.session.flush()
    audit.record_many(actor=actor, action="update", resource_type="WoundFollowUp",
                      accesses=[(f"{case.id}/{to.value}", case.person_id) for case in cases],
                      purpose=PURPOSE)
    for case in stopped_asking:
        for listener in _asking_ended:
            listener(case)
