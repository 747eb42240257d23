"""When a follow-up case invites, reminds and gives up: the one place for the timing.

- The invitation goes on the due day: the operation's date (Norwegian time) plus its
  category's follow-up days (30, or 90 where the catalogue says so).
- Reminders at 3 and 7 days after the invitation; from 14 days without an answer the case
  is a non-responder, a call task for staff.
- Caught up after downtime without stale messages: a case that missed a step does only
  the latest step due (a worker down from day 2 to day 9 sends the second reminder, not
  both; one down past day 14 sends no reminder at all and makes the call task).
- A muted case (readmitted, reoperated, died, opted out) gets no invitation or reminder;
  it still moves on, so staff see it on their worklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.clock import NORWAY
from services.wound.catalogue import Category
from services.wound.models import CaseState

#: Days after the invitation each reminder is due.
REMINDER_DAYS = (3, 7)
#: Days after the invitation without an answer before the case is a non-responder.
NON_RESPONDER_DAYS = 14
#: States that still wait for her answer.
WAITING = frozenset({CaseState.INVITED, CaseState.REMINDED})


class Step(StrEnum):
    INVITE = "invite"
    REMIND = "remind"
    NON_RESPONDER = "non_responder"


@dataclass(frozen=True)
class Due:
    step: Step
    #: Which reminder this is (1, 2) for REMIND; the count after it is sent.
    reminder: int = 0
    #: False for a muted case: the step is taken, no message goes.
    send: bool = True


def due_on(*, performed_at: datetime, category: Category) -> date:
    """The day she is invited."""
    return performed_at.astimezone(NORWAY).date() + timedelta(days=category.follow_up_days)


def answer_by(*, invited_on: date) -> date:
    """The last day she answers in time: from the day after it the case is a non-responder
    (invited on 1 April: 14 April; the call task is made on the 15th)."""
    return invited_on + timedelta(days=NON_RESPONDER_DAYS - 1)


def next_due(*, state: CaseState, due: date, invited_on: date | None, reminders_sent: int,
             muted: bool, today: date) -> Due | None:
    """The step a case takes today, or None. Only the latest step due is taken."""
    send = not muted
    if state is CaseState.SCHEDULED:
        return Due(Step.INVITE, send=send) if today >= due else None
    if state not in WAITING or invited_on is None:
        return None
    waited = (today - invited_on).days
    if waited >= NON_RESPONDER_DAYS:
        return Due(Step.NON_RESPONDER, send=False)
    owed = sum(1 for day in REMINDER_DAYS if waited >= day)
    if owed > reminders_sent:
        return Due(Step.REMIND, reminder=owed, send=send)
    return None
