"""``/questionnaires/<id>/receipt.pdf``: the receipt from her pages, once her answer is
final; nobody else's, and a login first."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest
import time_machine

from services.actors import Actor
from services.db import db
from services.people.models import Person
from services.wound import answers
from services.wound.models import AnswerChannel, CaseState
from tests.plugins.api import session_token_for
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.login import set_session_cookie
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case


@pytest.fixture
def case(db):
    with time_machine.travel(datetime(2026, 4, 3, 8, 0, tzinfo=UTC), tick=False):
        her = make_person(date(1985, 6, 15))
        yield make_case(her, make_organisation(), state=CaseState.INVITED,
                        invited_at=datetime(2026, 4, 1, 6, 0, tzinfo=UTC))


def page_client(app, person):
    client = app.test_client()
    set_session_cookie(client, session_token_for(person))
    return client


def submit(case, *, final=True):
    answers.save(case_id=case.id, response=response(complete=final), final=final,
                 channel=AnswerChannel.WEB, actor=Actor.person(case.person_id))
    db.session.commit()


def test_her_receipt_after_the_final_answer_in_nynorsk(app, case):
    client = page_client(app, db.session.get(Person, case.person_id))
    submit(case)
    got = client.get(f"/questionnaires/{case.id}/receipt.pdf?lang=nn")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Cache-Control"] == "no-store"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="kvittering-')
    reader = pypdf.PdfReader(io.BytesIO(got.data))
    assert reader.trailer["/Root"]["/Lang"] == "nn"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Svara dine om såret" in text
    assert "Nei, ikkje i det heile" in text


def test_no_receipt_before_the_final_answer(app, case):
    client = page_client(app, db.session.get(Person, case.person_id))
    path = f"/questionnaires/{case.id}/receipt.pdf"
    assert client.get(path).status_code == 404
    submit(case, final=False)
    assert client.get(path).status_code == 404


def test_nobody_elses_and_not_without_a_login(app, case):
    submit(case)
    path = f"/questionnaires/{case.id}/receipt.pdf"
    assert page_client(app, make_person(date(1990, 1, 1))).get(path).status_code == 404
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
