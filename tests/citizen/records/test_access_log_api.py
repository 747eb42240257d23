"""``/api/v1/access-log`` and its "ask why": every answer checked against the OpenAPI
document; another citizen's entry is 404, a representation without records 403, bad input
a clear 4xx (never a 500, whatever the text)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import audit
from services.actors import Actor
from services.db import db
from services.people.models import Fullmakt, Role
from services.people.service import record_guardianship
from services.records import questions
from services.records.models import AccessQuestion
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person, make_staff

JSON = {"Content-Type": "application/json"}
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def her(hospital):
    return make_person(date(1980, 5, 5), given_name="Kari", family_name="Nordmann")


@pytest.fixture
def doctor(hospital):
    return make_staff(hospital, Role.ULTRASOUND_CLINIC, name="Lege Lise", hpr_number="1234567")


@pytest.fixture
def client(api_client, her):
    log_in_as(api_client, her)
    return api_client


def _read(subject, actor, *, moment=None, frozen_clock=None):
    if frozen_clock is not None:
        frozen_clock.move_to(moment)
    event = audit.record(actor=actor, action="read", resource_type="DocumentReference",
                         resource_id=1, subject_person_id=subject.id, purpose="treatment",
                         reason="Tilsyn")
    db.session.commit()
    return event


def test_list_names_the_parties(client, her, hospital, doctor):
    event = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    answer = client.get("/api/v1/access-log")
    assert answer.status_code == 200
    [entry] = [i for i in answer.json["items"] if i["resource_type"] == "DocumentReference"]
    assert entry["id"] == event.id
    assert entry["actor"] == {"kind": "staff", "name": "Lege Lise", "hpr_number": "1234567",
                              "roles": ["ultrasound_clinic"], "basis": None, "client_id": None}
    assert entry["organisation"]["org_number"] == "883974832"
    assert (entry["purpose"], entry["purpose_text"], entry["reason"], entry["may_ask"]) == (
        "treatment", "Behandling", "Tilsyn", True)
    assert answer.json["next"] is None


def test_period_and_paging(client, frozen_clock, her, hospital, doctor):
    actor = Actor.staff(doctor.id, organisation_id=hospital.id)
    made = [_read(her, actor, moment=datetime(2026, 2, day, 12, tzinfo=UTC),
                  frozen_clock=frozen_clock).id for day in (20, 21, 22)]
    frozen_clock.move_to(T0)
    page = client.get("/api/v1/access-log?from=2026-02-21&to=2026-02-22&limit=1").json
    assert [i["id"] for i in page["items"]] == [made[2]]
    rest = client.get(page["next"].removeprefix("http://minhelse.test")).json
    assert [i["id"] for i in rest["items"]] == [made[1]] and rest["next"] is None
    # The calendar's ends are periods too (its first day begins before UTC's first instant).
    whole = client.get("/api/v1/access-log?from=0001-01-01&to=9999-12-31")
    assert whole.status_code == 200
    assert {i["id"] for i in whole.json["items"]} >= set(made)


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=2026-03-02&to=2026-03-01",
                                   "limit=0", "limit=abc", "colour=red", "to=1.3.2026"])
def test_bad_queries_are_422(client, query):
    assert client.get(f"/api/v1/access-log?{query}").status_code == 422


def test_a_foreign_cursor_is_400(client):
    assert client.get("/api/v1/access-log?cursor=bm90LW91cnM").status_code == 400


def test_ask_why_then_wait_then_the_answer_beside_the_entry(client, her, hospital, doctor):
    event = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    asked = client.post(f"/api/v1/access-log/{event.id}/questions", headers=JSON,
                        json={"question": "Hvorfor?"})
    assert asked.status_code == 201
    assert (asked.json["entry"], asked.json["status"], asked.json["question"]) == (
        event.id, "open", "Hvorfor?")
    again = client.post(f"/api/v1/access-log/{event.id}/questions", headers=JSON, json={})
    assert again.status_code == 409 and again.json["errors"] == {"code": ["already_open"]}
    officer = make_staff(hospital, Role.RECORDS_OFFICER)
    questions.answer(question_id=asked.json["id"], answer="Tilsyn fra annen avdeling.",
                     actor=Actor.staff(officer.id, organisation_id=hospital.id))
    db.session.commit()
    [entry] = [i for i in client.get("/api/v1/access-log").json["items"] if i["id"] == event.id]
    assert entry["questions"][0]["answer"] == "Tilsyn fra annen avdeling."
    assert questions.unseen_answers(person_id=her.id) == 0


def test_refusals(client, her, hospital, doctor):
    stranger = make_person(given_name="Fremmed")
    theirs = _read(stranger, Actor.staff(doctor.id, organisation_id=hospital.id))
    assert client.post(f"/api/v1/access-log/{theirs.id}/questions", headers=JSON,
                       json={}).status_code == 404
    assert client.post("/api/v1/access-log/99999999999/questions", headers=JSON,
                       json={}).status_code == 404
    helsenorge = _read(her, Actor.system("helsenorge"))
    refused = client.post(f"/api/v1/access-log/{helsenorge.id}/questions", headers=JSON,
                          json={})
    assert refused.status_code == 422 and refused.json["errors"] == {"code": ["no_organisation"]}
    mine = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    for body, status in (({"question": "x" * 1001}, 422), ({"question": 5}, 422),
                         ({"question": "a\u0000b"}, 422), ({"colour": "red"}, 422)):
        assert client.post(f"/api/v1/access-log/{mine.id}/questions", headers=JSON,
                           json=body).status_code == status, body
    assert client.post(f"/api/v1/access-log/{mine.id}/questions", data="{",
                       headers=JSON).status_code == 400
    assert client.post(f"/api/v1/access-log/{mine.id}/questions", data="x",
                       headers={"Content-Type": "text/plain"}).status_code == 415
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessQuestion)) == 0


def test_representatives(api_client, frozen_clock, her, hospital, doctor):
    today = date(2026, 3, 2)
    teen = make_person(date(2012, 3, 1))
    giver = make_person(date(1940, 1, 1))
    record_guardianship(guardian=her, child=teen, shares_address=True,
                        actor=Actor.system("hospital-system"))
    fullmakt = Fullmakt(giver=giver, recipient=her, areas=["records"], starts_on=today,
                        ends_on=today)
    db.session.add(fullmakt)
    db.session.commit()
    log_in_as(api_client, her, acting_for=teen)
    assert api_client.get("/api/v1/access-log").status_code == 403
    event = _read(teen, Actor.staff(doctor.id, organisation_id=hospital.id))
    assert api_client.post(f"/api/v1/access-log/{event.id}/questions", headers=JSON,
                           json={}).status_code == 403
    log_in_as(api_client, her, acting_for=giver)
    theirs = _read(giver, Actor.staff(doctor.id, organisation_id=hospital.id))
    assert api_client.get("/api/v1/access-log").status_code == 200
    assert api_client.post(f"/api/v1/access-log/{theirs.id}/questions", headers=JSON,
                           json={}).status_code == 201
    # The fullmakt ends with its last day: acting for him falls back to herself.
    frozen_clock.move_to(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # 3 March in Oslo
    log_in_as(api_client, her, acting_for=giver)
    second = _read(giver, Actor.staff(doctor.id, organisation_id=hospital.id))
    assert api_client.post(f"/api/v1/access-log/{second.id}/questions", headers=JSON,
                           json={}).status_code == 404


def test_not_logged_in_is_401(api_client):
    assert api_client.get("/api/v1/access-log").status_code == 401


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=1200))
def test_any_question_text_is_stored_or_refused_never_a_500(client, her, hospital, doctor,
                                                             text):
    event = _read(her, Actor.staff(doctor.id, organisation_id=hospital.id))
    answer = client.post(f"/api/v1/access-log/{event.id}/questions", headers=JSON,
                         json={"question": text})
    assert answer.status_code in (201, 422), answer.json
