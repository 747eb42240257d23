"""``/api/v1/staff/ssi/worklist`` and ``/api/v1/staff/ssi/cases/{id}`` (with its transitions,
notes, calls and photos): behaviour, audit, who may, stale versions and bad input; every
answer checked against the OpenAPI document."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citizen.wound_staff import api_cases
from citizen.wound_staff.case_schemas import WorklistSchema
from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.people.service import add_organisation
from services.wound import answers, photos, review, worklist
from services.wound.models import AnswerChannel, CaseNote, CaseState, NoteKind
from tests.citizen.pages import sign_in_citizen, sign_in_staff
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.answering import response
from tests.services.wound.factories import OPERATED, make_case
from tests.services.wound.images import png

LATER = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
WORKLIST = "/api/v1/staff/ssi/worklist"
JSON = {"Content-Type": "application/json"}
PUS = "Tykk, gul eller grønn væske (puss) fra såret"


@pytest.fixture(autouse=True)
def later(frozen_clock):
    frozen_clock.move_to(LATER)


@pytest.fixture(autouse=True)
def dumped_as_the_schema(monkeypatch):
    """Every worklist these tests read is dumped by ``fast_dump``: each must be what the
    schema itself dumps (flagged, to call, waiting, filtered, paged, any query string)."""
    fast = api_cases.dump_worklist

    def both(page):
        expected, got = WorklistSchema().dump(page), fast(page)
        assert got == expected and list(got) == list(expected)
        assert [list(item) for item in got["items"]] == [
            list(item) for item in expected["items"]]
        return got

    monkeypatch.setattr(api_cases, "dump_worklist", both)


@pytest.fixture
def case(hospital):
    return make_case(make_person(given_name="Kari", family_name="Nordmann"), hospital,
                     state=CaseState.ANSWERED, flagged=True, triage_score=7,
                     red_flags=["pus"], answered_at=LATER - timedelta(days=1))


def case_path(case, tail: str = "") -> str:
    return f"/api/v1/staff/ssi/cases/{case.id}{tail}"


def reads(resource_type: str = "WoundFollowUp") -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == resource_type, AuditEvent.action == "read")))


def local(url: str) -> str:
    return url[url.index("/api/"):]


# The worklist


def test_the_worklist_says_why_each_case_is_there(app, nurse_api, case, hospital):
    waiting = make_case(make_person(), hospital, state=CaseState.INVITED,
                        invited_at=LATER - timedelta(days=3))
    answer = nurse_api.get(WORKLIST)
    assert answer.status_code == 200
    data = answer.get_json()
    assert [item["id"] for item in data["items"]] == [case.id, waiting.id]
    first, last = data["items"]
    assert first == {
        "id": case.id, "url": app.config["PUBLIC_BASE_URL"] + case_path(case), "state": "answered",
        "group": "flagged", "patient": {"name": "Kari Nordmann"},
        "category": {"code": "CSEC", "name": first["category"]["name"]},
        "operated_on": "2026-03-02", "day": 49, "red_flags": [PUS], "score": 7,
        "days_without_answer": None, "version": case.version_id}
    assert first["category"]["name"] != "CSEC"
    assert last["group"] == "waiting" and last["days_without_answer"] == 3
    assert data["next"] is None and data["flagged"] == 1
    assert data["counts"]["answered"] == 1 and data["counts"]["invited"] == 1
    assert data["counts"]["under_review"] == 0


def test_reading_the_worklist_audits_each_patient_shown(nurse_api, hospital):
    shown = [make_case(make_person(), hospital, state=CaseState.TRIAGED) for _ in range(3)]
    nurse_api.get(WORKLIST + "?limit=2")
    assert sorted(e.subject_person_id for e in reads()) == sorted(
        c.person_id for c in shown[:2])


def test_pages_walk_every_case_once_keeping_the_filters(nurse_api, hospital):
    made = [make_case(make_person(), hospital, state=CaseState.TRIAGED,
                      performed_at=OPERATED - timedelta(days=n % 2)) for n in range(5)]
    make_case(make_person(), hospital, state=CaseState.TRIAGED, category="HPRO")
    seen, url = [], f"{WORKLIST}?limit=2&category=CSEC"
    while url:
        data = nurse_api.get(url).get_json()
        seen += [item["id"] for item in data["items"]]
        assert len(data["items"]) <= 2
        url = local(data["next"]) if data["next"] else None
        assert url is None or "category=CSEC" in url
    assert sorted(seen) == sorted(c.id for c in made) and len(seen) == 5


def test_the_filters(nurse_api, hospital):
    unit = add_organisation(name="Kirurgisk avdeling", org_number="974749025",
                            parent=hospital)
    in_unit = make_case(make_person(), hospital, state=CaseState.TRIAGED)
    in_unit.operation.unit_id = unit.id
    early = make_case(make_person(), hospital, state=CaseState.UNDER_REVIEW,
                      performed_at=OPERATED - timedelta(days=10))
    closed = make_case(make_person(), hospital, state=CaseState.CLOSED)
    db.session.commit()

    def ids(**query):
        answer = nurse_api.get(f"{WORKLIST}?{urlencode(query)}")
        assert answer.status_code == 200, answer.get_json()
        return {item["id"] for item in answer.get_json()["items"]}

    assert ids() == {in_unit.id, early.id}
    assert ids(unit=unit.id) == {in_unit.id}
    assert ids(operated_to="2026-02-20") == {early.id}
    assert ids(operated_from="2026-03-02", operated_to="2026-03-02") == {in_unit.id}
    assert ids(state="closed") == {closed.id}
    assert ids(category="HPRO") == set()


def test_another_hospitals_cases_are_not_on_it(nurse_api, hospital):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    make_case(make_person(), elsewhere, state=CaseState.TRIAGED)
    data = nurse_api.get(WORKLIST).get_json()
    assert data["items"] == [] and data["counts"]["triaged"] == 0


@pytest.mark.parametrize(("limit", "status"), [(1, 200), (worklist.MAX_LIMIT, 200),
                                                (0, 422), (worklist.MAX_LIMIT + 1, 422)])
def test_the_limits_bounds(nurse_api, case, limit, status):
    answer = nurse_api.get(f"{WORKLIST}?limit={limit}")
    assert answer.status_code == status
    if status == 422:
        assert list(answer.get_json()["errors"]) == ["limit"]


@pytest.mark.parametrize(("query", "field"), [
    ("category=XXXX", "category"), ("operated_from=02.03.2026", "operated_from"),
    ("operated_from=2026-03-05&operated_to=2026-03-01", "operated_to"),
    ("unit=0", "unit"), ("unit=99999999999", "unit"), ("state=open", "state"),
    ("limit=x", "limit"), ("sort=name", "sort")])
def test_bad_filters_are_422_at_the_field(nurse_api, query, field):
    answer = nurse_api.get(f"{WORKLIST}?{query}")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [field]


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not-a-cursor", _cursor([0, 1, "2026-03-02T08:00:00", 5]),
    _cursor([0, 1, "2026-03-02T08:00:00+00:00"]), _cursor(["0", 1, "x", 5]),
    _cursor([0, 1, "2026-03-02T08:00:00+00:00", 2**70]), _cursor({"rank": 0}),
    _cursor([True, 1, "2026-03-02T08:00:00+00:00", 5])])
def test_a_cursor_not_given_out_is_400(nurse_api, case, cursor):
    assert nurse_api.get(f"{WORKLIST}?cursor={cursor}").status_code == 400


queries = st.dictionaries(
    st.sampled_from(["limit", "cursor", "category", "operated_from", "operated_to", "unit",
                     "state", "x"]),
    st.one_of(st.text(max_size=12), st.integers(-5, 2**40).map(str),
              st.sampled_from(["CSEC", "hpro", "2026-03-02", "2026-02-30", "triaged",
                               _cursor([0, 1, "2026-03-02T08:00:00+00:00", 5])])),
    max_size=4)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_any_query_string_is_never_a_500(nurse_api, case, query):
    answer = nurse_api.get(f"{WORKLIST}?{urlencode(query)}")
    assert answer.status_code in (200, 400, 414, 422), answer.get_json()
    db.session.rollback()


# One case


def test_the_case_with_its_answer_photos_notes_and_proposal(app, nurse_api, hospital):
    case = make_case(make_person(given_name="Kari", family_name="Nordmann"), hospital,
                     state=CaseState.INVITED)
    answers.save(case_id=case.id, response=response(signs={"pus": "a-lot"}), final=True,
                 channel=AnswerChannel.WEB, actor=Actor.person(case.person_id))
    photo = photos.add_photo(case_id=case.id, data=png(), actor=Actor.person(case.person_id),
                             limits=photos.PhotoLimits())
    db.session.commit()
    answer = nurse_api.get(case_path(case))
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{case.version_id}"'
    data = answer.get_json()
    assert data["case"]["state"] == "answered" and data["case"]["flagged"] is True
    assert data["patient"] == {"name": "Kari Nordmann"}
    assert data["operation"]["operated_on"] == "2026-03-02"
    assert data["operation"]["category"]["code"] == "CSEC"
    assert data["answer"]["channel"] == "web" and data["answer"]["sections"]
    assert PUS in data["red_flags"]
    assert data["photos"] == [{"id": photo.id, "url": app.config["PUBLIC_BASE_URL"] + case_path(
        case, f"/photos/{photo.id}")}]
    assert data["allowed_moves"] == ["triaged"] and data["version"] == case.version_id
    assert data["proposal"]["level"] in ("none", "superficial", "deep", "organ_space")
    assert "national_id" not in json.dumps(data)
    assert [e.resource_id for e in reads()] == [str(case.id)]


def test_another_hospitals_case_is_404_everywhere(nurse_api):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    theirs = make_case(make_person(), elsewhere, state=CaseState.ANSWERED)
    version = theirs.version_id
    assert nurse_api.get(case_path(theirs)).status_code == 404
    for tail, sent in (("/transitions", {"to": "triaged", "version": version}),
                       ("/notes", {"topic": "gp-contacted", "version": version}),
                       ("/calls", {"outcome": "reached", "version": version})):
        assert nurse_api.post(case_path(theirs, tail), json=sent).status_code == 404
    assert nurse_api.get(case_path(theirs, "/photos/1")).status_code == 404
    assert reads() == []


def test_without_the_role_403_and_a_citizen_401(api_client, hospital, case):
    calls = [("get", case_path(case), None), ("get", WORKLIST, None),
             ("post", case_path(case, "/transitions"), {"to": "triaged", "version": 1}),
             ("post", case_path(case, "/notes"), {"topic": "other", "version": 1}),
             ("post", case_path(case, "/calls"), {"outcome": "reached", "version": 1}),
             ("get", case_path(case, "/photos/1"), None)]
    sign_in_staff(api_client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)
    for method, path, sent in calls:
        assert getattr(api_client, method)(path, json=sent).status_code == 403, path
    sign_in_citizen(api_client, make_person())
    for method, path, sent in calls:
        assert getattr(api_client, method)(path, json=sent).status_code == 401, path


# Moves, notes and calls


def test_a_move_with_a_note(nurse_api, case):
    answer = nurse_api.post(case_path(case, "/transitions"),
                            json={"to": "triaged", "version": case.version_id,
                                  "note": "Sett på"})
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert data["state"] == "triaged" and data["allowed_moves"] == ["under_review"]
    assert data["version"] == case.version_id and data["note"] is None
    assert answer.headers["ETag"] == f'"{case.version_id}"'
    [note] = db.session.scalars(sa.select(CaseNote)).all()
    assert note.topic == "state:triaged" and note.text == "Sett på"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp", AuditEvent.action == "update")) == 1


def test_a_move_staff_may_not_make_is_409_state(nurse_api, case):
    answer = nurse_api.post(case_path(case, "/transitions"),
                            json={"to": "closed", "version": case.version_id})
    assert answer.status_code == 409 and answer.get_json()["errors"]["code"] == ["state"]
    assert case.state is CaseState.ANSWERED


def test_a_too_long_note_with_a_move_is_422_at_note(nurse_api, case):
    answer = nurse_api.post(case_path(case, "/transitions"),
                            json={"to": "triaged", "version": case.version_id,
                                  "note": "x" * 2001})
    assert answer.status_code == 422 and answer.get_json()["errors"] == {"note": ["too-long"]}


def test_a_note_moves_the_version_on_and_is_audited(nurse_api, case):
    before = case.version_id
    answer = nurse_api.post(case_path(case, "/notes"),
                            json={"topic": "gp-contacted", "text": "Fastlege ringt",
                                  "version": before})
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()
    assert data["version"] > before and data["state"] == "answered"
    assert data["note"]["topic"] == "gp-contacted" and data["note"]["kind"] == "note"
    assert answer.headers["ETag"] == f'"{data["version"]}"'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "WoundCaseNote", AuditEvent.action == "create")) == 1
    stale = nurse_api.post(case_path(case, "/notes"),
                           json={"topic": "gp-contacted", "version": before})
    assert stale.status_code == 409 and stale.get_json()["errors"]["code"] == ["stale"]


def test_the_notes_name_who_wrote_them(nurse_api, case, hospital):
    eva = make_staff(hospital, Role.INFECTION_CONTROL, name="Eva Hygiene")
    review.add_note(case_id=case.id, topic="other", text="Ringt fastlegen",
                    version=case.version_id,
                    actor=Actor.staff(eva.id, organisation_id=hospital.id))
    db.session.add(CaseNote(follow_up_id=case.id, kind=NoteKind.NOTE, topic="other",
                            text="Fra sykehuset", written_by="system:hospital-ehr",
                            written_at=LATER - timedelta(days=1)))
    db.session.commit()
    posted = nurse_api.post(case_path(case, "/notes"),
                            json={"topic": "gp-contacted", "version": case.version_id})
    assert posted.status_code == 201, posted.get_json()
    mine = posted.get_json()["note"]
    assert mine["written_by"].startswith("staff:")
    assert mine["written_by_name"] == "Sykepleier Test"  # make_staff's name for the nurse

    notes = nurse_api.get(case_path(case)).get_json()["notes"]
    assert [(n["written_by"], n["written_by_name"]) for n in notes] == [
        (mine["written_by"], "Sykepleier Test"), (f"staff:{eva.id}", "Eva Hygiene"),
        ("system:hospital-ehr", None)]


@pytest.mark.parametrize(("sent", "field"), [
    ({"topic": "other", "text": "  "}, "text"), ({"topic": "gossip"}, "topic"),
    ({"topic": "other", "text": "x" * 2001}, "text"), ({"topic": "other", "x": 1}, "x"),
    ({"topic": "other", "text": "x", "version": "1"}, "version")])
def test_a_bad_note_is_422_at_its_field(nurse_api, case, sent, field):
    answer = nurse_api.post(case_path(case, "/notes"),
                            json={"version": case.version_id} | sent)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count(CaseNote.id))) == 0


def test_if_match_instead_of_the_body_version(nurse_api, case):
    sent = {"topic": "records-requested"}
    old = nurse_api.post(case_path(case, "/notes"), json=sent,
                         headers={"If-Match": f'"{case.version_id + 3}"'})
    assert old.status_code == 412
    assert nurse_api.post(case_path(case, "/notes"), json=sent).status_code == 422
    fresh = nurse_api.post(case_path(case, "/notes"), json=sent,
                           headers={"If-Match": f'"{case.version_id}"'})
    assert fresh.status_code == 201
    assert nurse_api.post(case_path(case, "/transitions"), json={"to": "triaged"},
                          headers={"If-Match": "*"}).status_code == 200


def test_an_answer_taken_on_the_phone(nurse_api, hospital):
    case = make_case(make_person(), hospital, state=CaseState.NON_RESPONDER,
                     invited_at=LATER - timedelta(days=20))
    answer = nurse_api.post(case_path(case, "/calls"), json={
        "outcome": "answered_by_phone", "text": "Ringte henne", "version": case.version_id,
        "answer": response(signs={"pus": "a-lot"})})
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()
    assert data["state"] == "answered" and data["note"]["outcome"] == "answered_by_phone"
    stored = answers.answer_of(case.id)
    assert stored.channel is AnswerChannel.PHONE and stored.answered_by.startswith("staff")
    assert case.flagged


def test_a_call_refused(nurse_api, hospital):
    case = make_case(make_person(), hospital, state=CaseState.NON_RESPONDER,
                     invited_at=LATER - timedelta(days=20))
    path, version = case_path(case, "/calls"), case.version_id
    missing = nurse_api.post(path, json={"outcome": "answered_by_phone", "version": version})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {
        "answer": ["required"]}
    extra = nurse_api.post(path, json={"outcome": "reached", "version": version,
                                       "answer": response()})
    assert extra.status_code == 422 and "answer" in extra.get_json()["errors"]
    wrong = nurse_api.post(path, json={"outcome": "answered_by_phone", "version": version,
                                       "answer": response(canonical="urn:x|9")})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"]["code"] == ["wrong-questionnaire"]
    assert nurse_api.post(path, json={"outcome": "hung_up", "version": version}
                          ).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(CaseNote.id))) == 0
    wrong_number = nurse_api.post(path, json={"outcome": "wrong_number", "version": version})
    assert wrong_number.status_code == 201 and wrong_number.get_json()["state"] == (
        "non_responder")


def test_a_phone_answer_to_a_closed_case_is_409(nurse_api, hospital):
    case = make_case(make_person(), hospital, state=CaseState.CLOSED)
    answer = nurse_api.post(case_path(case, "/calls"), json={
        "outcome": "answered_by_phone", "version": case.version_id, "answer": response()})
    assert answer.status_code == 409
    assert answer.get_json()["errors"]["code"] == ["not-open"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=10)
versions = st.integers(-1, 5) | json_values
texts = st.text(max_size=5) | json_values
kinds = st.sampled_from([
    ("/transitions", st.fixed_dictionaries({}, optional={
        "to": st.sampled_from(["triaged", "closed", "under_review", "x"]) | json_values,
        "version": versions, "note": texts})),
    ("/notes", st.fixed_dictionaries({}, optional={
        "topic": st.sampled_from(["other", "gp-contacted", "x"]) | json_values,
        "version": versions, "text": texts})),
    ("/calls", st.fixed_dictionaries({}, optional={
        "outcome": st.sampled_from(["reached", "answered_by_phone", "x"]) | json_values,
        "version": versions, "text": texts,
        "answer": st.sampled_from([response(), {"resourceType": "QuestionnaireResponse"}])
        | json_values}))])


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_body_is_never_a_500(nurse_api, case, data):
    tail, bodies = data.draw(kinds)
    answer = nurse_api.post(case_path(case, tail), json=data.draw(bodies))
    assert answer.status_code in (200, 201, 400, 409, 422), answer.get_json()
    db.session.rollback()


@pytest.mark.parametrize("raw", ["{", "[]", "null", "[" * 5000 + "]" * 5000,
                                 json.dumps({"outcome": "answered_by_phone", "version": 1,
                                             "answer": {"item": [[[[[]]]]]}})])
def test_bad_bodies_are_4xx(nurse_api, case, raw):
    for tail in ("/transitions", "/notes", "/calls"):
        answer = nurse_api.post(case_path(case, tail), data=raw, headers=JSON)
        assert 400 <= answer.status_code < 500


# The photo


def test_the_photo_is_the_image_and_not_stored(nurse_api, hospital, case):
    photo = photos.add_photo(case_id=case.id, data=png(), actor=Actor.person(case.person_id),
                             limits=photos.PhotoLimits())
    other = make_case(make_person(), hospital, state=CaseState.ANSWERED)
    db.session.commit()
    answer = nurse_api.get(case_path(case, f"/photos/{photo.id}"))
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.data == photo.data
    assert answer.headers["Cache-Control"] == "no-store"
    assert [e.resource_id for e in reads("Media")] == [str(photo.id)]
    assert nurse_api.get(case_path(other, f"/photos/{photo.id}")).status_code == 404
    assert nurse_api.get(case_path(case, f"/photos/{photo.id + 1}")).status_code == 404
