"""Two final answers for one case at once: exactly one is stored, the other is told it is
too late (409). Against a live server on PostgreSQL, each request in its own connection
and transaction, as in production; the case's row lock is what holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import requests
import sqlalchemy as sa
import time_machine

from citizen.auth.cookies import NAME
from services.db import db
from services.wound.answers import fingerprint
from services.wound.models import Answer, AnswerStatus, CaseState, FollowUp
from tests.plugins.api import session_token_for
from tests.plugins.db import migrated_postgres_app
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.live import serving
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case

NOW = datetime(2026, 4, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def live(make_app):
    with migrated_postgres_app(make_app) as app, serving(lambda _base: app) as base:
        yield app, base


def _case(app):
    with time_machine.travel(NOW, tick=True), app.app_context():
        her = make_person(date(1985, 6, 15))
        case = make_case(her, make_organisation(), state=CaseState.INVITED, invited_at=NOW)
        token = session_token_for(her)
        db.session.commit()
        return case.id, token


def _submit_at_once(base, case_id, token, bodies) -> list[tuple[int, dict]]:
    start = threading.Barrier(len(bodies))

    def submit(body):
        start.wait()
        answer = requests.post(f"{base}/api/v1/questionnaires/{case_id}/answers", json=body,
                               cookies={NAME: token}, timeout=60)
        return answer.status_code, answer.json()

    with time_machine.travel(NOW, tick=True), ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(submit, bodies))


def test_two_different_final_answers_at_once_one_is_stored(live):
    app, base = live
    case_id, token = _case(app)
    bodies = [response(fever=True), response(signs={"pus": "a-lot"})]

    answers = _submit_at_once(base, case_id, token, bodies)

    assert sorted(status for status, _ in answers) == [201, 409], answers
    (won, winner), = [(i, body) for i, (status, body) in enumerate(answers) if status == 201]
    loser = next(body for status, body in answers if status == 409)
    assert loser["errors"] == {"code": ["already-answered"]}
    with app.app_context():
        stored = db.session.scalars(sa.select(Answer).where(Answer.follow_up_id == case_id)).all()
        assert len(stored) == 1
        assert stored[0].status is AnswerStatus.FINAL
        assert stored[0].final_sha256 == fingerprint(bodies[won]["item"])
        assert str(stored[0].id) == winner["id"]
        assert db.session.get(FollowUp, case_id).state is CaseState.ANSWERED


def test_the_same_final_answer_twice_at_once_is_one_answer(live):
    """A double click: both are told it is in (201 and 200), one answer is stored."""
    app, base = live
    case_id, token = _case(app)

    answers = _submit_at_once(base, case_id, token, [response(), response()])

    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert answers[0][1] == answers[1][1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1
