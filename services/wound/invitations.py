"""Due work of wound follow-up: invite on the due day (a notice, and the form task to
helsenorge), remind at +3 and +7 days, make a non-responder call task at +14
(``services.wound.schedule`` decides which step is due). Who opted in to answering by SMS
is offered the SMS dialogue in each notice that goes by SMS (``services.wound.sms``).

Run by beat every few minutes and by ``flask --app wsgi jobs run-due``. Idempotent: a step
moves the case on, and each notice has its own key, so running it twice sends nothing
twice; after downtime only the latest step due is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY
from services.db import db, plan_each_execution
from services.jobs.registry import due_job
from services.notify.events import Event
from services.notify.service import Request, notify_many
from services.wound import sms, states
from services.wound.events import QUESTIONNAIRE_OPEN, QUESTIONNAIRE_REMINDER
from services.wound.helsenorge import queue_form_tasks
from services.wound.models import CaseState, FollowUp
from services.wound.schedule import REMINDER_DAYS, WAITING, Due, Step, next_due

ACTOR = Actor.system("wound-follow-up")
#: Cases handled together: one query for them, their moves in one flush with their audit
#: rows in one statement, their notices decided by one ``notify_many``.
BATCH = 500
_MOVES = {Step.INVITE: CaseState.INVITED, Step.REMIND: CaseState.REMINDED,
          Step.NON_RESPONDER: CaseState.NON_RESPONDER}


@due_job("wound.follow-ups", every=timedelta(minutes=5))
def take_due_steps(*, now: datetime) -> int:
    """Take every case's step due today; how many steps were taken."""
    # A national year's invitations fill the outbox and the decisions as they go: a plan
    # cached while they were small scanned all of each (0.5-2 s a batch by the end).
    plan_each_execution()
    today = now.astimezone(NORWAY).date()
    taken = 0
    for condition in (
        sa.and_(FollowUp.state == CaseState.SCHEDULED, FollowUp.due_on <= today),
        sa.and_(FollowUp.state.in_(WAITING),
                FollowUp.invited_at <= now - timedelta(days=REMINDER_DAYS[0] - 1)),
    ):
        last_id = 0
        while True:
            cases = db.session.scalars(
                sa.select(FollowUp).where(condition, FollowUp.id > last_id)
                .order_by(FollowUp.id).limit(BATCH)).all()
            if not cases:
                break
            taken += _take(cases, now=now, today=today)
            last_id = cases[-1].id
            db.session.flush()
    return taken


def _take(cases: Sequence[FollowUp], *, now: datetime, today: date) -> int:
    """The step due today of each of ``cases``; how many were taken."""
    steps = [(case, due) for case in cases if (due := _due(case, today)) is not None]
    moves: dict[tuple[Step, int], list[FollowUp]] = {}  # a reminder's number is a column
    for case, due in steps:
        moves.setdefault((due.step, due.reminder), []).append(case)
    for (step, reminder), moving in moves.items():
        states.move_many(moving, _MOVES[step], actor=ACTOR,
                         also=_what_else(step, reminder=reminder, now=now))
    noticed = [(case, due) for case, due in steps
               if due.send and due.step is not Step.NON_RESPONDER]
    by_sms = sms.offered_to({case.person_id for case, _ in noticed})
    requests = []
    for case, due in noticed:
        event, key = _notice(case, due)
        requests.append(Request(person_id=case.person_id, event=event.name, key=key,
                                context={"answer_by_sms": case.person_id in by_sms},
                                organisation_id=case.organisation_id))
    decided = notify_many(requests=requests, actor=ACTOR)
    for (case, _), notice in zip(noticed, decided, strict=True):
        if case.person_id in by_sms:
            sms.offer(case=case, decided=notice, now=now)
    queue_form_tasks([case for case, due in noticed if due.step is Step.INVITE])
    return len(steps)


def _what_else(step: Step, *, reminder: int, now: datetime) -> dict[str, Any]:
    """What a step records on the case besides its state."""
    if step is Step.INVITE:
        return {"invited_at": now}
    if step is Step.REMIND:
        return {"reminders_sent": reminder, "last_reminded_at": now}
    return {}


def _due(case: FollowUp, today: date) -> Due | None:
    invited_on = case.invited_at.astimezone(NORWAY).date() if case.invited_at else None
    return next_due(state=case.state, due=case.due_on, invited_on=invited_on,
                    reminders_sent=case.reminders_sent, muted=case.muted_reason is not None,
                    today=today)


def _notice(case: FollowUp, due: Due) -> tuple[Event, str]:
    """The event and the key of the notice a step sends."""
    if due.step is Step.INVITE:
        return QUESTIONNAIRE_OPEN, f"wound-case:{case.id}:open"
    return QUESTIONNAIRE_REMINDER, f"wound-case:{case.id}:reminder-{due.reminder}"
