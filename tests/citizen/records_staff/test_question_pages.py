"""The records officer's pages: her organisation's open questions with the entry each is
about, the answer form (a form error for an empty answer, 409 for a second answer), the
staff home entry; another organisation's question is 404, staff without the role 403."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.db import db
from services.notify.models import Notification
from services.people.models import Role
from services.records import questions
from services.records.models import AccessQuestion, QuestionStatus
from tests.citizen.pages import csrf, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def question(hospital):
    her = make_person(date(1980, 5, 5), given_name="Kari", family_name="Nordmann")
    doctor = make_staff(hospital, Role.ULTRASOUND_CLINIC, name="Lege Lise", hpr_number="7654321")
    event = audit.record(actor=Actor.staff(doctor.id, organisation_id=hospital.id),
                         action="read", resource_type="DocumentReference", resource_id=3,
                         subject_person_id=her.id, purpose="treatment",
                         reason="Vurdering etter henvisning")
    asked = questions.ask(subject_id=her.id, event_id=event.id, question="Hvem er Lise?",
                          actor=Actor.person(her.id))
    db.session.commit()
    return asked


@pytest.fixture
def officer_browser(client, hospital):
    sign_in_staff(client, make_staff(hospital, Role.RECORDS_OFFICER, name="Arkivar Anne"),
                  hospital)
    return client


def test_the_staff_home_offers_the_questions(officer_browser):
    assert 'href="/staff/records/questions"' in text(officer_browser.get("/staff"))


def test_an_officer_reads_the_question_and_answers_it(officer_browser, question):
    listed = text(officer_browser.get("/staff/records/questions"))
    assert "Kari Nordmann" in listed and "Lege Lise" in listed
    page = officer_browser.get(f"/staff/records/questions/{question.id}")
    body = text(page)
    assert page.status_code == 200
    for shown in ("Hvem er Lise?", "Vurdering etter henvisning", "Kari Nordmann", "5. mai 1980"):
        assert shown in body, shown
    empty = officer_browser.post(f"/staff/records/questions/{question.id}/answer",
                                 data={"csrf_token": csrf(body), "answer": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in text(empty)
    done = officer_browser.post(f"/staff/records/questions/{question.id}/answer",
                                data={"csrf_token": csrf(body), "answer": "Lise er overlege."})
    assert done.status_code == 303
    stored = db.session.get(AccessQuestion, question.id)
    assert (stored.status, stored.answer) == (QuestionStatus.ANSWERED, "Lise er overlege.")
    assert [n.event for n in db.session.scalars(sa.select(Notification))] == [
        "records.question-answered"]
    assert "Det er ingen åpne spørsmål." in text(officer_browser.get("/staff/records/questions"))
    again = officer_browser.post(f"/staff/records/questions/{question.id}/answer",
                                 data={"csrf_token": csrf(body), "answer": "Igjen"})
    assert again.status_code == 409 and "allerede besvart" in text(again)


def test_another_organisations_officer_gets_404(client, question):
    elsewhere = make_organisation(name="Helse Bergen HF", org_number="983974910")
    sign_in_staff(client, make_staff(elsewhere, Role.RECORDS_OFFICER), elsewhere)
    listed = text(client.get("/staff/records/questions"))
    assert "Kari Nordmann" not in listed
    assert client.get(f"/staff/records/questions/{question.id}").status_code == 404
    refused = client.post(f"/staff/records/questions/{question.id}/answer",
                          data={"csrf_token": csrf(listed), "answer": "Nei"})
    assert refused.status_code == 404
    assert db.session.get(AccessQuestion, question.id).status is QuestionStatus.OPEN


def test_staff_without_the_role_are_refused(client, hospital, question):
    sign_in_staff(client, make_staff(hospital, Role.ULTRASOUND_CLINIC, Role.ADMIN), hospital)
    assert 'href="/staff/records/questions"' not in text(client.get("/staff"))
    assert client.get("/staff/records/questions").status_code == 403
    assert client.get(f"/staff/records/questions/{question.id}").status_code == 403


def test_a_citizen_is_sent_to_the_staff_login(client, question):
    answer = client.get("/staff/records/questions")
    assert answer.status_code == 302 and "/staff/auth/login" in answer.headers["Location"]
