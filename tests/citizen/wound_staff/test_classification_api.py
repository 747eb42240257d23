"""``/api/v1/staff/ssi/cases/{id}/classification``: GET the classification and proposal, PUT
staff's classification; every answer checked against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.db import db
from services.people.models import Role
from services.wound.models import CaseState, Classification
from tests.citizen.pages import sign_in_citizen, sign_in_staff
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case

LATER = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def later(frozen_clock):
    frozen_clock.move_to(LATER)


@pytest.fixture
def case(hospital):
    return make_case(make_person(), hospital, state=CaseState.TRIAGED)


def path(case) -> str:
    return f"/api/v1/staff/ssi/cases/{case.id}/classification"


def body(case, **kw) -> dict:
    return {"version": case.version_id, "level": "deep", "onset_on": "2026-03-20",
            "detected": "after_discharge", "findings": {"purulent_from": ["deep"]}} | kw


def test_get_shows_no_classification_and_the_proposal(nurse_api, case):
    answer = nurse_api.get(path(case))
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["classification"] is None and data["classifiable"] is True
    assert data["proposal"]["level"] == "none"
    assert answer.headers["ETag"] == f'"{case.version_id}"'


def test_put_stores_and_answers_the_classification(nurse_api, case):
    answer = nurse_api.put(path(case), json=body(case))
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert data["state"] == "classified"
    assert data["classification"]["criterion"] == "deep-purulent"
    assert data["proposal"]["criterion"] == "deep-purulent"
    assert data["proposal"]["reasons"][0] == "deep-purulent: deep SSI."
    assert db.session.scalar(sa.select(Classification.level)) == "deep"
    assert nurse_api.get(path(case)).get_json()["classification"]["level"] == "deep"


def test_if_match_names_the_version(nurse_api, case):
    version = case.version_id
    sent = {k: v for k, v in body(case).items() if k != "version"}
    assert nurse_api.put(path(case), json=sent,
                     headers={"If-Match": f'"{version + 5}"'}).status_code == 412
    assert nurse_api.put(path(case), json=sent, headers={"If-Match": f'"{version}"'}
                     ).status_code == 200


def test_without_a_version_it_is_refused(nurse_api, case):
    answer = nurse_api.put(path(case), json={**body(case), "version": None})
    assert answer.status_code == 422 and "version" in answer.get_json()["errors"]


def test_stale_is_409(nurse_api, case):
    answer = nurse_api.put(path(case), json=body(case, version=case.version_id + 1))
    assert answer.status_code == 409 and answer.get_json()["errors"]["code"] == ["stale"]


def test_a_case_not_ready_is_409(nurse_api, hospital):
    invited = make_case(make_person(), hospital, state=CaseState.INVITED)
    answer = nurse_api.put(path(invited), json=body(invited))
    assert answer.status_code == 409 and answer.get_json()["errors"]["code"] == ["state"]
    assert nurse_api.get(path(invited)).get_json()["classifiable"] is False


def test_a_contradiction_is_422_at_its_field(nurse_api, case):
    answer = nurse_api.put(path(case), json=body(case, level="organ_space", organ_site="IAB"))
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["level"]
    assert db.session.scalar(sa.select(sa.func.count(Classification.id))) == 0


def test_an_override_without_reason_is_422(nurse_api, case):
    answer = nurse_api.put(path(case), json=body(case, level="superficial", findings={
        "purulent_from": ["deep", "superficial"]}))
    assert answer.status_code == 422
    assert list(answer.get_json()["errors"]) == ["override_reason"]


def test_another_hospitals_case_is_404(nurse_api):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    theirs = make_case(make_person(), elsewhere, state=CaseState.TRIAGED)
    assert nurse_api.get(path(theirs)).status_code == 404
    assert nurse_api.put(path(theirs), json=body(theirs)).status_code == 404


def test_without_the_role_403(api_client, hospital, case):
    sign_in_staff(api_client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)
    assert api_client.get(path(case)).status_code == 403
    assert api_client.put(path(case), json=body(case)).status_code == 403


def test_a_citizen_is_401(api_client, case):
    sign_in_citizen(api_client, make_person())
    assert api_client.get(path(case)).status_code == 401
    assert api_client.put(path(case), json=body(case)).status_code == 401


@pytest.mark.parametrize("raw", [
    "{", "[]", "null", '"deep"', json.dumps({"level": 5}),
    json.dumps({"level": "deep", "version": "1"}),
    json.dumps({"level": "deep", "version": 1, "findings": {"fever": "yes"}}),
    json.dumps({"level": "deep", "version": 1, "findings": [1]}),
    json.dumps({"level": "deep", "version": 1, "consequences": {"died": True}}),
    json.dumps({"level": "deep", "version": 1, "extra": 1}),
    json.dumps({"level": "deep", "version": 1, "onset_on": "20.03.2026"}),
    "[" * 5000 + "]" * 5000,
    json.dumps({"level": "deep", "version": 1, "findings": {"purulent_from": [[[[[]]]]]}}),
], ids=range(13))
def test_bad_bodies_are_4xx(nurse_api, case, raw):
    answer = nurse_api.put(path(case), data=raw, headers=JSON)
    assert 400 <= answer.status_code < 500


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=10)
bodies = st.fixed_dictionaries({}, optional={
    "version": st.integers(-1, 5) | json_values,
    "level": st.sampled_from(["none", "superficial", "deep", "organ_space", "x"]) | json_values,
    "criterion": st.sampled_from(["deep-purulent", "superficial-opened", None]) | json_values,
    "organ_site": st.sampled_from(["IAB", "JNT", None]) | json_values,
    "onset_on": st.sampled_from(["2026-03-20", "2026-02-01", "2027-01-01", None]) | json_values,
    "detected": st.sampled_from(["in_hospital", None]) | json_values,
    "findings": st.fixed_dictionaries({}, optional={
        "purulent_from": st.lists(st.sampled_from(["superficial", "deep", "organ_space"]))
        | json_values,
        "opened": st.sampled_from(["deliberate", "spontaneous", None]) | json_values,
        "opened_layer": st.sampled_from(["superficial", "deep", None]),
        "culture": st.sampled_from(["positive", "negative", "not_done"]),
        "culture_from": st.sampled_from(["superficial", "deep", "organ_space", None]),
        "fever": st.booleans() | json_values}) | json_values,
    "consequences": json_values,
    "override_reason": st.text(max_size=5) | json_values,
})


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=bodies)
def test_any_body_is_never_a_500(nurse_api, case, sent):
    answer = nurse_api.put(path(case), json=sent)
    assert answer.status_code in (200, 409, 422), answer.get_json()
    db.session.rollback()
