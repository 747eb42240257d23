"""The follow-up job in batches: many cases in one batch and across batches are taken as
one at a time would be (moves audited, each notice and form task once, the SMS offer to
those who opted in), and a case changed behind the job's back is not moved over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm.exc import StaleDataError

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Conversation, Notification, Outcome
from services.notify.settings import update_settings
from services.outbox.models import OutboxMessage
from services.wound import invitations, states
from services.wound.helsenorge import CHANNEL as FORM_TASK
from services.wound.models import CaseState, FollowUp
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import DUE, make_case


def at(day, hour=10):
    """``hour`` o'clock Oslo time (UTC+2 in April) on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 2, 0, tzinfo=UTC)


@pytest.fixture
def cases(db, notify_rules, frozen_clock, monkeypatch):
    """Five cases, two a batch: an ordinary one, a muted one, one who answers by SMS, one
    without a mobile (a letter), and one more."""
    monkeypatch.setattr(invitations, "BATCH", 2)
    hospital = make_organisation()
    people = [make_person(given_name=f"P{n}") for n in range(5)]
    for n, person in enumerate(people):
        person.mobile = None if n == 3 else f"+474123456{n}"
    db.session.commit()
    update_settings(person_id=people[2].id, actor=Actor.person(people[2].id),
                    answer_by_sms=True)
    made = [make_case(person, hospital, muted_reason="readmitted" if n == 1 else None)
            for n, person in enumerate(people)]
    db.session.commit()
    return made


def run(now):
    with time_machine.travel(now, tick=False):
        taken = invitations.take_due_steps(now=now)
    db.session.commit()
    return taken


def _by_case():
    rows = db.session.scalars(sa.select(Notification).order_by(Notification.id))
    return sorted((n.dedupe_key, n.outcome) for n in rows)


def test_many_cases_are_invited_and_reminded_in_batches_once_each(cases):
    assert run(at(DUE)) == 5
    db.session.expire_all()
    assert {db.session.get(FollowUp, c.id).state for c in cases} == {CaseState.INVITED}
    invited = _by_case()
    assert invited == sorted([
        (f"wound-case:{cases[0].id}:open:sms", Outcome.QUEUED),
        (f"wound-case:{cases[2].id}:open:sms", Outcome.QUEUED),
        (f"wound-case:{cases[3].id}:open:paper", Outcome.PAPER),
        (f"wound-case:{cases[4].id}:open:sms", Outcome.QUEUED)])
    tasks = db.session.scalars(sa.select(OutboxMessage.dedupe_key)
                               .where(OutboxMessage.channel == FORM_TASK)).all()
    assert sorted(tasks) == sorted(f"wound-case:{c.id}:helsenorge-task"
                                   for c in cases if c is not cases[1])
    [offer] = db.session.scalars(sa.select(Conversation)).all()
    assert offer.person_id == cases[2].person_id
    def body(case):
        return db.session.get(OutboxMessage, db.session.scalar(
            sa.select(Notification.outbox_message_id).where(
                Notification.dedupe_key == f"wound-case:{case.id}:open:sms"))).payload["body"]
    assert "Svar 1 for ja" in body(cases[2])  # rendered once for her, once for the others
    assert "Svar 1" not in body(cases[0]) and body(cases[0]) == body(cases[4])
    moves = db.session.scalars(sa.select(AuditEvent.resource_id).where(
        AuditEvent.resource_type == "WoundFollowUp")).all()
    assert sorted(moves) == sorted(f"{c.id}/invited" for c in cases)

    assert run(at(DUE)) == 0 and _by_case() == invited  # a re-run sends nothing
    assert run(at(DUE + timedelta(days=3))) == 5
    db.session.expire_all()
    assert {(db.session.get(FollowUp, c.id).state, db.session.get(FollowUp, c.id)
             .reminders_sent) for c in cases} == {(CaseState.REMINDED, 1)}
    assert len(_by_case()) == 8


def test_a_case_changed_since_it_was_read_is_not_moved(cases):
    first, second = cases[0], cases[4]
    db.session.execute(sa.update(FollowUp).where(FollowUp.id == second.id)  # staff, say
                       .values(version_id=FollowUp.version_id + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        states.move_many([first, second], CaseState.INVITED, actor=invitations.ACTOR)


def test_a_batch_with_one_move_the_machine_lacks_moves_none(cases):
    cases[4].state = CaseState.CLOSED
    db.session.commit()
    with pytest.raises(states.NotAllowed):
        states.move_many(cases[:2] + cases[4:], CaseState.INVITED, actor=invitations.ACTOR)
    db.session.expire_all()
    assert db.session.get(FollowUp, cases[0].id).state is CaseState.SCHEDULED
