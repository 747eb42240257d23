"""Due work of wound follow-up: invite on the due day (a notice, and the form task to
helsenorge), remind at +3 and +7 days, make a non-responder call task at +14
(``services.wound.schedule`` decides which step is due). Who opted in to answering by SMS
is offered the SMS dialogue in each notice that goes by SMS (``services.wound.sms``).

Run by beat every few minutes and by ``flask --app wsgi jobs run-due``. Idempotent: a step
moves the case on, and each notice has its own key, so running it twice sends nothing
twice; after downtime only the latest step due is taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY
from services.db import db
from services.jobs.registry import due_job
from services.notify.service import notify
from services.wound import sms, states
from services.wound.events import QUESTIONNAIRE_OPEN, QUESTIONNAIRE_REMINDER
from services.wound.helsenorge import queue_form_task
from services.wound.models import CaseState, FollowUp
from services.wound.schedule import REMINDER_DAYS, WAITING, Step, next_due

ACTOR = Actor.system("wound-follow-up")
#: Cases handled per query: enough to be quick, few enough to keep each flush small.
BATCH = 500


@due_job("wound.follow-ups", every=timedelta(minutes=5))
def take_due_steps(*, now: datetime) -> int:
    """Take every case's step due today; how many steps were taken."""
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
            for case in cases:
                taken += _take(case, now=now, today=today)
            last_id = cases[-1].id
            db.session.flush()
    return taken


def _take(case: FollowUp, *, now: datetime, today) -> int:
    invited_on = case.invited_at.astimezone(NORWAY).date() if case.invited_at else None
    due = next_due(state=case.state, due=case.due_on, invited_on=invited_on,
                   reminders_sent=case.reminders_sent, muted=case.muted_reason is not None,
                   today=today)
    if due is None:
        return 0
    if due.step is Step.INVITE:
        states.move(case, CaseState.INVITED, actor=ACTOR)
        case.invited_at = now
        event, key = QUESTIONNAIRE_OPEN, f"wound-case:{case.id}:open"
    elif due.step is Step.REMIND:
        states.move(case, CaseState.REMINDED, actor=ACTOR)
        case.reminders_sent, case.last_reminded_at = due.reminder, now
        event, key = QUESTIONNAIRE_REMINDER, f"wound-case:{case.id}:reminder-{due.reminder}"
    else:
        states.move(case, CaseState.NON_RESPONDER, actor=ACTOR)
        return 1
    if due.send:
        by_sms = sms.offered_to(case.person_id)
        decided = notify(person_id=case.person_id, event=event.name,
                         context={"answer_by_sms": by_sms}, actor=ACTOR, key=key,
                         organisation_id=case.organisation_id)
        if by_sms:
            sms.offer(case=case, decided=decided, now=now)
        if due.step is Step.INVITE:
            queue_form_task(case)
    return 1
