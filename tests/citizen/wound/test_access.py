"""Whose questionnaires: hers, and those of whom she acts for where the representation
covers questionnaires; anyone else's is 404, as if it did not exist. A case that takes no
answer (not open yet, closed, lost to follow-up) is a page saying so, with no form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.clock import today_in_norway
from services.db import db
from services.people.models import Area
from services.people.service import (
    grant_fullmakt,
    record_guardianship,
    withhold_from_guardians,
)
from services.wound.models import Answer, CaseState
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.citizen.wound.filling import NOTHING, answer_all, open_case, page_path, post_page
from tests.plugins.factories import make_person

PATHS = ("", "/pages/1", "/review", "/receipt")


def act_for(client, person) -> None:
    page = text(client.get("/acting-for"))
    chose = client.post("/acting-for", data={"person_id": person.id, "csrf_token": csrf(page)})
    assert chose.status_code == 303, text(chose)


def answer_of(case) -> Answer | None:
    return db.session.scalar(sa.select(Answer).where(Answer.follow_up_id == case.id))


def test_another_citizens_questionnaire_is_404_and_not_listed(client, hospital):
    mine, theirs = make_person(given_name="Ola"), make_person(given_name="Per")
    their_case = open_case(theirs, hospital)
    sign_in_citizen(client, mine)
    for path in PATHS:
        assert client.get(f"/questionnaires/{their_case.id}{path}").status_code == 404, path
    token = csrf(text(client.get("/questionnaires")))
    posted = client.post(page_path(their_case, 1), data={**NOTHING, "csrf_token": token,
                                                         "action": "next"})
    assert posted.status_code == 404
    sent = client.post(f"/questionnaires/{their_case.id}/review",
                       data={"csrf_token": token, "version": "0"})
    assert sent.status_code == 404
    assert answer_of(their_case) is None
    listing = text(client.get("/questionnaires"))
    assert f"/questionnaires/{their_case.id}" not in listing
    assert "Du har ingen spørreskjema å svare på." in listing


@pytest.fixture
def father(hospital):
    return make_person(date(1940, 2, 2), given_name="Arne", family_name="Lie")


def _daughter_with(father, areas):
    daughter = make_person(date(1970, 3, 3), given_name="Hilde", family_name="Lie")
    today = today_in_norway()
    grant_fullmakt(giver=father, recipient=daughter, areas=areas, starts_on=today,
                   ends_on=today + timedelta(days=30), actor=Actor.person(father.id))
    db.session.commit()
    return daughter


def test_a_fullmakt_for_questionnaires_lets_her_answer_for_him(client, hospital, father,
                                                               notify_rules):
    case = open_case(father, hospital)
    daughter = _daughter_with(father, [Area.QUESTIONNAIRES])
    sign_in_citizen(client, daughter)
    act_for(client, father)
    listing = text(client.get("/questionnaires"))
    assert f'href="/questionnaires/{case.id}"' in listing
    assert answer_all(client, case).status_code == 303
    answer = answer_of(case)
    # His answer, given by her: the service records who gave it.
    assert answer.answered_by == f"person:{daughter.id}"
    assert "Vi har fått svarene dine" in text(client.get(f"/questionnaires/{case.id}/receipt"))


def test_a_representative_without_the_questionnaires_area_sees_none(client, hospital, father):
    case = open_case(father, hospital)
    daughter = _daughter_with(father, [Area.RECORDS])
    sign_in_citizen(client, daughter)
    act_for(client, father)
    listing = client.get("/questionnaires")
    assert listing.status_code == 403
    assert "Du kan ikke se spørreskjema for Arne Lie" in text(listing)
    for path in PATHS:
        assert client.get(f"/questionnaires/{case.id}{path}").status_code == 404, path
    token = csrf(text(listing))
    assert client.post(page_path(case, 1), data={**NOTHING, "csrf_token": token,
                                                 "action": "next"}).status_code == 404
    assert answer_of(case) is None
    home = text(client.get("/min-side"))
    assert "Spørreskjemaer" not in home  # no tile for an area she does not have


def test_a_teenager_who_withholds_questionnaires_keeps_them_from_the_parent(client, hospital):
    today = today_in_norway()
    parent = make_person(date(1984, 1, 1), given_name="Kari")
    teen = make_person(today.replace(year=today.year - 14) - timedelta(days=30),
                       given_name="Sofie")
    record_guardianship(guardian=parent, child=teen, shares_address=True,
                        actor=Actor.operator("test"))
    case = open_case(teen, hospital)
    sign_in_citizen(client, parent)
    act_for(client, teen)
    assert client.get(f"/questionnaires/{case.id}").status_code == 200
    withhold_from_guardians(child=teen, area=Area.QUESTIONNAIRES, actor=Actor.person(teen.id),
                            today=today)
    db.session.commit()
    # Checked anew on every request: the parent still acts for her in appointments only.
    assert client.get(f"/questionnaires/{case.id}").status_code == 404
    assert client.get("/questionnaires").status_code == 403


@pytest.mark.parametrize(("state", "title", "said"), [
    (CaseState.CLOSED, "Dette skjemaet er lukket", "Du trenger ikke svare på det."),
    (CaseState.LOST, "Tiden for å svare er over", "Du trenger ikke gjøre noe."),
])
def test_a_case_that_takes_no_answer_says_so_and_has_no_form(client, hospital, state, title,
                                                             said):
    """Asked, then closed (the operation withdrawn) or given up on: she is told so."""
    person = make_person(given_name="Ola")
    case = open_case(person, hospital, state=state, due_on=date(2026, 4, 1))
    sign_in_citizen(client, person)
    response = client.get(f"/questionnaires/{case.id}")
    page = text(response)
    assert response.status_code == 200
    assert title in page and said in page
    assert "<form" not in page.split("<main")[1].split("</main>")[0]
    for path in ("/pages/1", "/review", "/receipt"):
        assert client.get(f"/questionnaires/{case.id}{path}").location == \
            f"/questionnaires/{case.id}", path
    token = csrf(text(client.get("/questionnaires")))
    refused = client.post(page_path(case, 1), data={**NOTHING, "csrf_token": token,
                                                    "action": "next"})
    assert refused.status_code == 409 and title in text(refused)
    sent = client.post(f"/questionnaires/{case.id}/review",
                       data={"csrf_token": token, "version": "0"})
    assert sent.status_code == 409
    assert answer_of(case) is None
    # Not a questionnaire to answer: not listed.
    assert f"/questionnaires/{case.id}" not in text(client.get("/questionnaires"))


@pytest.mark.parametrize("state", [CaseState.SCHEDULED, CaseState.CLOSED])
def test_a_case_she_was_never_asked_is_not_there(client, hospital, state):
    """Not invited yet, or withdrawn before the invitation: for her it does not exist, on
    the pages as in the API (services/wound/cases.py)."""
    person = make_person(given_name="Ola")
    case = open_case(person, hospital, state=state, due_on=date(2026, 4, 1), invited_at=None)
    sign_in_citizen(client, person)
    for path in ("", "/pages/1", "/review", "/receipt"):
        assert client.get(f"/questionnaires/{case.id}{path}").status_code == 404, path
    token = csrf(text(client.get("/questionnaires")))
    assert client.post(page_path(case, 1), data={**NOTHING, "csrf_token": token,
                                                 "action": "next"}).status_code == 404
    assert answer_of(case) is None


def test_a_case_closed_while_she_fills_it_in_keeps_nothing_new(client, hospital):
    person = make_person(given_name="Ola")
    case = open_case(person, hospital)
    sign_in_citizen(client, person)
    post_page(client, case, 1, NOTHING, action="later")
    token = csrf(text(client.get(page_path(case, 3))))
    case.state = CaseState.CLOSED  # the hospital withdrew the operation meanwhile
    db.session.commit()
    refused = client.post(page_path(case, 3), data={"q-sought-advice": "yes",
                                                    "action": "next", "csrf_token": token})
    assert refused.status_code == 409
    assert "Dette skjemaet er lukket" in text(refused)
    assert "sought-advice" not in str(answer_of(case).response)
