"""Two SMS replies of one dialogue at the same moment, on PostgreSQL: they are taken in
turn, as if a second apart. Without that, both answered the same question and each opened
a conversation for the next one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from services.db import db
from services.notify.config import Rules, set_rules
from services.notify.inbound import handle_inbound
from services.notify.models import Conversation
from services.wound.invitations import take_due_steps
from services.wound.models import Answer
from tests.plugins.db import migrated_postgres_app
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import make_case
from tests.services.wound.test_sms import INVITED, PHONE, opt_in


@pytest.fixture
def dialogue(make_app):
    """Her dialogue at its first question, committed."""
    with time_machine.travel(INVITED, tick=True), migrated_postgres_app(make_app) as app:
        with app.app_context():
            set_rules(Rules(quiet_hours=None, daily_cap=5))
            person = make_person(given_name="Ola", family_name="Hansen")
            person.mobile = PHONE
            db.session.commit()
            opt_in(person)
            case_id = make_case(person, make_organisation()).id
            take_due_steps(now=datetime.now(UTC))
            db.session.commit()
            assert handle_inbound(from_=PHONE, body="1").startswith("Takk!")
            db.session.commit()
        yield app, case_id


def test_two_replies_at_once_answer_two_questions_in_turn(dialogue):
    app, case_id = dialogue
    first_done, second_started = threading.Event(), threading.Event()
    texts: dict[str, str] = {}

    def first() -> None:
        with app.app_context():
            texts["first"] = handle_inbound(from_=PHONE, body="2")
            first_done.set()
            second_started.wait(10)
            # Give the second reply time to reach the conversation while this one holds it.
            threading.Event().wait(0.5)
            db.session.commit()

    def second() -> None:
        first_done.wait(10)
        with app.app_context():
            second_started.set()
            texts["second"] = handle_inbound(from_=PHONE, body="3")
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert texts["first"].startswith("Spørsmål 2:"), texts
    assert texts["second"].startswith("Spørsmål 3:"), texts
    with app.app_context():
        waiting = db.session.scalars(sa.select(Conversation.ref).where(
            Conversation.closed_at.is_(None))).all()
        assert waiting == [f"wound-case:{case_id}:swelling"]
        [answer] = db.session.scalars(sa.select(Answer)).all()
        signs = [i["answer"][0]["valueCoding"]["code"]
                 for i in answer.response["item"][0]["item"]]
        assert signs == ["a-little", "quite-a-bit"]
