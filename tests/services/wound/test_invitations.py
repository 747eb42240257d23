"""The follow-up's due job: invitation on the due day, reminders at +3 and +7, a call task
at +14; idempotent, catching up without stale reminders, silent for muted cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services import jobs
from services.db import db
from services.notify.models import Notification
from services.wound import states
from services.wound.invitations import take_due_steps
from services.wound.models import CaseState, FollowUp
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import DUE, make_case


def at(day, hour=10):
    """``hour`` o'clock Oslo time (UTC+2 in April) on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 2, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    person = make_person(given_name="Ola", family_name="Hansen")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


def run(now):
    """The job's work at ``now`` (however recently it ran: what beat would do late)."""
    taken = take_due_steps(now=now)
    db.session.commit()
    return taken


def test_beat_and_the_cli_run_it_as_a_due_job(patient, hospital):
    make_case(patient, hospital)
    [outcome] = jobs.run_due(only="wound.follow-ups", now=at(DUE))
    assert outcome.ok and outcome.handled == 1


def keys():
    """The notice keys decided, without the channel (``:sms``)."""
    return [n.dedupe_key.rsplit(":", 1)[0]
            for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))]


def case_of(case):
    db.session.expire_all()
    return db.session.get(FollowUp, case.id)


def test_invited_on_the_due_day_reminded_on_3_and_7_and_a_call_task_on_14(patient, hospital):
    case = make_case(patient, hospital)
    assert run(at(DUE - timedelta(days=1))) == 0
    assert run(at(DUE)) == 1
    assert case_of(case).state is CaseState.INVITED
    assert keys() == [f"wound-case:{case.id}:open"]
    for day, expected in ((2, None), (3, 1), (6, None), (7, 2), (13, None)):
        taken = run(at(DUE + timedelta(days=day)))
        assert taken == (0 if expected is None else 1), day
        if expected is not None:
            assert case_of(case).reminders_sent == expected
    assert case_of(case).state is CaseState.REMINDED
    assert run(at(DUE + timedelta(days=14))) == 1
    assert case_of(case).state is CaseState.NON_RESPONDER
    assert keys() == [f"wound-case:{case.id}:open", f"wound-case:{case.id}:reminder-1",
                      f"wound-case:{case.id}:reminder-2"]
    [notice] = db.session.scalars(sa.select(Notification).limit(1))
    assert notice.event == "wound.questionnaire-open" and notice.person_id == patient.id


def test_running_twice_sends_nothing_twice(patient, hospital):
    make_case(patient, hospital)
    assert run(at(DUE)) == 1
    assert run(at(DUE)) == 0
    assert run(at(DUE, hour=11)) == 0
    assert len(keys()) == 1


def test_after_downtime_only_the_latest_step_is_taken(patient, hospital):
    case = make_case(patient, hospital)
    run(at(DUE))
    run(at(DUE + timedelta(days=9)))  # down from day 1 to day 9
    assert case_of(case).reminders_sent == 2
    assert keys() == [f"wound-case:{case.id}:open", f"wound-case:{case.id}:reminder-2"]
    late = make_case(make_person(given_name="Per"), hospital)
    run(at(DUE))
    run(at(DUE + timedelta(days=20)))
    assert case_of(late).state is CaseState.NON_RESPONDER
    assert not [k for k in keys() if k.startswith(f"wound-case:{late.id}:reminder")]


def test_a_muted_case_moves_on_without_messages(patient, hospital):
    case = make_case(patient, hospital, muted_reason="readmitted")
    run(at(DUE))
    run(at(DUE + timedelta(days=3)))
    assert case_of(case).state is CaseState.REMINDED and keys() == []


def test_answered_and_closed_cases_are_left_alone(patient, hospital):
    make_case(patient, hospital, state=CaseState.ANSWERED,
              invited_at=at(DUE), reminders_sent=0)
    make_case(patient, hospital, state=CaseState.CLOSED)
    assert run(at(DUE + timedelta(days=15))) == 0 and keys() == []


def test_every_move_is_in_the_machine_and_audited(patient, hospital):
    from services.actors import Actor
    from services.audit.models import AuditEvent

    case = make_case(patient, hospital)
    with pytest.raises(states.NotAllowed):
        states.move(case, CaseState.CLASSIFIED, actor=Actor.system("test"))
    states.move(case, CaseState.INVITED, actor=Actor.system("test"))
    [row] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp"))
    assert (row.resource_id, row.subject_person_id) == (f"{case.id}/invited", patient.id)
    assert all(not states.ALLOWED[s] for s in (CaseState.CLOSED, CaseState.LOST))
