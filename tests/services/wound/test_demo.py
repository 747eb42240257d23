"""The demo's wound cases: one of each kind, through the real ingest and state machine."""

from __future__ import annotations

from datetime import timedelta

from services.demo import seed_demo_data
from services.people.models import Person
from services.wound.demo.surveillance import PREFIX
from services.wound.models import Answer, AnswerStatus, CaseState, FollowUp
from tests.plugins.clock import T0
from tests.plugins.db import table_rows


def test_each_kind_of_case_for_the_demo_patients(db, frozen_clock, notify_rules):
    created = seed_demo_data()
    assert (created["wound operations"], created["wound answers"]) == (4, 2)
    names = {p.id: p.given_name for p in table_rows(Person)}
    cases = {names[c.person_id]: c for c in table_rows(FollowUp)
             if not c.operation.identifier_value.startswith(PREFIX)}
    answers = {a.follow_up_id: a for a in table_rows(Answer)}

    ola = cases["Ola"]
    assert ola.state is CaseState.INVITED and ola.invited_at == T0
    assert ola.operation.category == "CHOL"
    assert ola.due_on == T0.date() and ola.id not in answers
    emil = answers[cases["Emil"].id]
    assert cases["Emil"].state is CaseState.ANSWERED and emil.status is AnswerStatus.FINAL
    assert emil.answered_by == f"person:{_id(names, 'Kari')}"  # his mother answered
    assert emil.submitted_at == T0 - timedelta(days=2)
    arne = answers[cases["Arne"].id]
    assert cases["Arne"].state is CaseState.REMINDED and arne.status is AnswerStatus.DRAFT
    assert arne.answered_by == f"person:{_id(names, 'Hilde')}"  # through her fullmakt
    assert [item["linkId"] for item in arne.response["item"]] == ["signs"]
    kari = cases["Kari"]
    assert kari.state is CaseState.NON_RESPONDER and kari.reminders_sent == 2
    assert kari.id not in answers

    assert len(cases) == 4
    stored = len(table_rows(FollowUp))
    again = seed_demo_data()
    assert (again["wound operations"], again["wound answers"]) == (0, 0)
    assert len(table_rows(FollowUp)) == stored


def _id(names: dict[int, str], given: str) -> int:
    return next(i for i, name in names.items() if name == given)
