"""``/api/v1/questionnaires``: her questionnaires, one with its Questionnaire and her answer,
drafts and the final answer (repeats recognised, anything after refused), a photo, the
receipt; another person's case and a representation without questionnaires refused; bad
input a clear 4xx that stores nothing. Every answer is checked against the OpenAPI
document."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
import time_machine

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Area, Fullmakt, GuardianRestriction
from services.people.service import record_guardianship
from services.wound.models import Answer, AnswerStatus, CaseState, FollowUp, Photo
from tests.plugins.api import log_in_as
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.answering import CANONICAL, response
from tests.services.wound.factories import make_case
from tests.services.wound.images import SECRET, other_format, phone_jpeg, png, png_claiming

JSON = {"Content-Type": "application/json"}
BASE = "http://minhelse.test"
#: Two days after she was invited (1 April 2026, 08:00 Oslo).
NOW = datetime(2026, 4, 3, 8, 0, tzinfo=UTC)
INVITED = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hospital(db, clock):
    return make_organisation()


@pytest.fixture
def her(hospital):
    return make_person(date(1985, 6, 15), given_name="Kari")


@pytest.fixture
def case(her, hospital):
    return make_case(her, hospital, state=CaseState.INVITED, invited_at=INVITED)


@pytest.fixture
def client(api_client, her):
    log_in_as(api_client, her)
    return api_client


def answer(client, case_id, resource, **headers):
    return client.post(f"/api/v1/questionnaires/{case_id}/answers",
                       headers={**JSON, **headers}, json=resource)


def draft(**options):
    return response(complete=False, **options)


def photo(client, case_id, data, content_type="image/jpeg"):
    return client.post(f"/api/v1/questionnaires/{case_id}/photo", data=data,
                       content_type=content_type)


def stored_answer() -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Answer))


# -- reading --------------------------------------------------------------------------

def test_her_list_shows_open_and_answered_cases_not_scheduled_or_withdrawn(client, her,
                                                                         hospital, case):
    answered = make_case(her, hospital, state=CaseState.UNDER_REVIEW, invited_at=INVITED,
                         due_on=date(2026, 3, 1), answered_at=INVITED)
    db.session.add(Answer(follow_up_id=answered.id, status=AnswerStatus.FINAL,
                          response={"item": []}, channel="web", answered_by="person:1",
                          submitted_at=INVITED, final_sha256="ab" * 32))
    lost = make_case(her, hospital, state=CaseState.LOST, due_on=date(2026, 2, 1))
    make_case(her, hospital, state=CaseState.SCHEDULED, due_on=date(2026, 5, 1))
    make_case(her, hospital, state=CaseState.CLOSED, due_on=date(2026, 1, 1))
    make_case(make_person(), hospital, state=CaseState.INVITED)
    db.session.commit()

    listed = client.get("/api/v1/questionnaires")

    assert listed.status_code == 200
    items = listed.json["items"]
    assert [(i["id"], i["status"]) for i in items] == [
        (case.id, "open"), (answered.id, "answered"), (lost.id, "closed")]
    first = items[0]
    assert first == {
        "id": case.id, "status": "open", "opens_on": "2026-04-01", "answer_by": "2026-04-14",
        "hospital": {"id": hospital.id, "name": "St. Olavs hospital HF"},
        "operated_on": "2026-03-02", "questionnaire": CANONICAL, "answer_status": "none",
        "answered_at": None, "photos": 0, "receipt_id": None, "receipt": None}
    assert items[1]["answer_status"] == "completed"
    assert items[1]["receipt"] == f"{BASE}/api/v1/questionnaires/{answered.id}/receipt.pdf"
    assert items[1]["receipt_id"] == f"{db.session.scalar(sa.select(Answer.id))}-ABABABAB"
    # Staff's states are not hers: under review is simply answered.
    assert "under_review" not in listed.get_data(as_text=True)
    assert listed.json["next"] is None
    searches = [e for e in table_rows(AuditEvent) if e.resource_type == "WoundFollowUp"
                and e.action == "search"]
    assert [(e.subject_person_id, e.purpose) for e in searches] == [(her.id, "self-service")]


def test_the_list_pages(client, her, hospital):
    for day in range(1, 4):
        make_case(her, hospital, state=CaseState.INVITED, due_on=date(2026, 3, day))
    first = client.get("/api/v1/questionnaires?limit=2")
    assert len(first.json["items"]) == 2 and first.json["next"]
    second = client.get(first.json["next"].removeprefix(BASE))
    assert [i["opens_on"] for i in second.json["items"]] == ["2026-03-01"]


def test_one_case_with_its_questionnaire_and_no_answer_yet(client, case):
    found = client.get(f"/api/v1/questionnaires/{case.id}")
    assert found.status_code == 200
    assert found.json["case"]["id"] == case.id
    assert found.json["questionnaire"]["resourceType"] == "Questionnaire"
    assert f"{found.json['questionnaire']['url']}|{found.json['questionnaire']['version']}" \
        == CANONICAL
    assert found.json["response"] is None
    assert found.json["photo_limit"] == 3
    reads = [e for e in table_rows(AuditEvent) if e.resource_type == "WoundFollowUp"
             and e.action == "read"]
    assert [e.resource_id for e in reads] == [str(case.id)]


def test_her_draft_comes_back_as_saved(client, case):
    saved = answer(client, case.id, draft(signs={"pain": "a-little"}))
    assert saved.status_code == 200
    found = client.get(f"/api/v1/questionnaires/{case.id}").json
    assert found["case"]["answer_status"] == "in-progress"
    assert found["case"]["status"] == "open"
    assert found["response"]["status"] == "in-progress"
    assert found["response"]["item"] == draft(signs={"pain": "a-little"})["item"]


# -- answering ------------------------------------------------------------------------

def test_a_draft_then_the_final_answer(client, case):
    first = answer(client, case.id, draft())
    assert first.status_code == 200 and first.json["status"] == "in-progress"
    final = answer(client, case.id, response(signs={"redness": "a-lot"}))
    assert final.status_code == 201
    assert final.json["status"] == "completed" and final.json["id"] == first.json["id"]
    assert final.json["questionnaire"] == CANONICAL
    stored = stored_answer()
    assert stored.status is AnswerStatus.FINAL and stored.channel == "web"
    assert stored.answered_by == f"person:{case.person_id}"
    assert db.session.get(FollowUp, case.id).state is CaseState.ANSWERED
    listed = client.get("/api/v1/questionnaires").json["items"][0]
    assert listed["status"] == "answered" and listed["answered_at"] == "2026-04-03T08:00:00+00:00"


def test_the_same_final_answer_again_is_200_with_the_one_stored(client, case):
    first = answer(client, case.id, response())
    again = answer(client, case.id, response())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert len(table_rows(Answer)) == 1


@pytest.mark.parametrize("later", [response(fever=True), draft()])
def test_another_answer_after_the_final_one_is_409_and_changes_nothing(client, case, later):
    first = answer(client, case.id, response())
    refused = answer(client, case.id, later)
    assert refused.status_code == 409
    assert refused.json["errors"] == {"code": ["already-answered"]}
    assert stored_answer().final_sha256 and stored_answer().response["item"] == \
        response()["item"]
    assert client.get(f"/api/v1/questionnaires/{case.id}").json["response"] == first.json


@pytest.mark.parametrize("state", [CaseState.LOST])
def test_a_closed_case_takes_no_answer(client, her, hospital, state):
    closed = make_case(her, hospital, state=state, invited_at=INVITED)
    refused = answer(client, closed.id, response())
    assert refused.status_code == 409 and refused.json["errors"] == {"code": ["not-open"]}
    assert table_rows(Answer) == []


@pytest.mark.parametrize("state", [CaseState.SCHEDULED, CaseState.CLOSED])
def test_a_case_she_is_not_shown_is_404(client, her, hospital, state):
    hidden = make_case(her, hospital, state=state)
    assert answer(client, hidden.id, response()).status_code == 404
    assert client.get(f"/api/v1/questionnaires/{hidden.id}").status_code == 404
    assert photo(client, hidden.id, png(), "image/png").status_code == 404
    assert table_rows(Answer) == [] and table_rows(Photo) == []


def test_a_final_answer_missing_required_items_is_422_naming_them(client, case):
    refused = answer(client, case.id, {**draft(), "status": "completed"})
    assert refused.status_code == 422
    assert refused.json["errors"]["code"] == ["invalid-answer"]
    assert refused.json["errors"]["QuestionnaireResponse"] == ["'care' is required"]
    assert table_rows(Answer) == []


@pytest.mark.parametrize("canonical", [
    "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|2.0",
    "https://example.org/Questionnaire/other|1.0",
])
def test_another_questionnaire_or_version_is_422(client, case, canonical):
    refused = answer(client, case.id, response(canonical=canonical))
    assert refused.status_code == 422
    assert refused.json["errors"]["code"] == ["wrong-questionnaire"]
    assert "QuestionnaireResponse.questionnaire" in refused.json["errors"]
    assert table_rows(Answer) == []


@pytest.mark.parametrize("broken", [
    {"linkId": "no-such-item", "answer": [{"valueBoolean": True}]},
    {"linkId": "fever", "answer": [{"valueString": "yes"}]},
    {"linkId": "redness", "answer": [{"valueCoding": {"code": "enormous"}}]},
])
def test_unknown_items_and_wrong_answer_types_are_422(client, case, broken):
    resource = response()
    resource["item"][0]["item"] = [i for i in resource["item"][0]["item"]
                                   if i["linkId"] != broken["linkId"]] + [broken]
    refused = answer(client, case.id, resource)
    assert refused.status_code == 422 and len(refused.json["errors"]) >= 2
    assert table_rows(Answer) == []


@pytest.mark.parametrize("body", [
    {"resourceType": "Patient", "status": "completed", "questionnaire": CANONICAL},
    {**response(), "status": "amended"},
    {**response(), "resourceType": None},
    {**response(), "subject": {"reference": "Patient/1"}},
    {**response(), "item": "all of them"},
    {"status": "completed"},
    [],
])
def test_a_body_that_is_no_questionnaire_response_is_422(client, case, body):
    refused = answer(client, case.id, body)
    assert refused.status_code == 422
    assert table_rows(Answer) == []


def test_what_a_client_carries_over_from_a_response_it_read_is_taken(client, case):
    first = answer(client, case.id, draft()).json
    again = answer(client, case.id, {**first, "item": response()["item"],
                                     "status": "completed"})
    assert again.status_code == 201


def test_not_json_is_415_and_broken_json_400(client, case):
    assert client.post(f"/api/v1/questionnaires/{case.id}/answers", data="status=completed",
                       content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.post(f"/api/v1/questionnaires/{case.id}/answers", data="{",
                       headers=JSON).status_code == 400
    assert table_rows(Answer) == []


def test_from_another_origin_nothing_is_saved(client, case):
    refused = answer(client, case.id, response(), Origin="https://evil.example")
    assert refused.status_code == 403
    refused = photo(client, case.id, png(), "image/png")
    assert refused.status_code == 201  # the same origin (no header: not a browser)
    assert client.post(f"/api/v1/questionnaires/{case.id}/photo", data=png(),
                       content_type="image/png",
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert table_rows(Answer) == [] and len(table_rows(Photo)) == 1


# -- photos ---------------------------------------------------------------------------

def test_a_photo_is_kept_cleaned_and_only_its_size_comes_back(client, case):
    sent = photo(client, case.id, phone_jpeg())
    assert sent.status_code == 201
    assert sent.json["content_type"] == "image/jpeg"
    assert (sent.json["width"], sent.json["height"]) == (20, 40)
    stored = db.session.get(Photo, sent.json["id"])
    assert SECRET not in stored.data and stored.size == sent.json["size"]
    assert client.get(f"/api/v1/questionnaires/{case.id}").json["case"]["photos"] == 1


def test_the_declared_type_is_not_trusted(client, case):
    sent = photo(client, case.id, png(), "image/jpeg")
    assert sent.status_code == 201 and sent.json["content_type"] == "image/png"


@pytest.mark.parametrize(("data", "content_type"), [
    (b"%PDF-1.7\n%%EOF", "image/jpeg"),
    (other_format("GIF"), "image/png"),
    (phone_jpeg()[:300], "image/jpeg"),
    (png(), "application/octet-stream"),
    (png(), "multipart/form-data; boundary=x"),
    (png(), "text/plain"),
])
def test_what_is_not_a_jpeg_or_png_is_415(client, case, data, content_type):
    refused = photo(client, case.id, data, content_type)
    assert refused.status_code == 415
    assert table_rows(Photo) == []


def test_a_photo_too_large_is_413(client, case, app, monkeypatch):
    data = phone_jpeg()
    monkeypatch.setitem(app.config, "WOUND_PHOTO_MAX_BYTES", len(data) - 1)
    refused = photo(client, case.id, data)
    assert refused.status_code == 413 and refused.json["errors"] == {"code": ["too-large"]}
    monkeypatch.setitem(app.config, "WOUND_PHOTO_MAX_BYTES", len(data))
    assert photo(client, case.id, data).status_code == 201
    assert len(table_rows(Photo)) == 1


def test_a_body_over_the_request_limit_is_413(client, case, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    assert photo(client, case.id, b"\xff" * 2000).status_code == 413
    assert table_rows(Photo) == []


@pytest.mark.parametrize("size", [(7000, 7000), (20000, 20000)])
def test_a_decompression_bomb_is_422(client, case, size):
    refused = photo(client, case.id, png_claiming(*size), "image/png")
    assert refused.status_code == 422
    assert refused.json["errors"] == {"code": ["too-many-pixels"]}
    assert table_rows(Photo) == []


def test_the_fourth_photo_is_409(client, case):
    for _ in range(3):
        assert photo(client, case.id, png(), "image/png").status_code == 201
    refused = photo(client, case.id, png(), "image/png")
    assert refused.status_code == 409 and refused.json["errors"] == {"code": ["too-many-photos"]}
    assert len(table_rows(Photo)) == 3


def test_a_photo_after_her_final_answer_while_staff_review(client, case):
    answer(client, case.id, response())
    assert photo(client, case.id, png(), "image/png").status_code == 201
    db.session.get(FollowUp, case.id).state = CaseState.CLASSIFIED
    db.session.commit()
    refused = photo(client, case.id, png(), "image/png")
    assert refused.status_code == 409 and refused.json["errors"] == {"code": ["not-open"]}


# -- the receipt ----------------------------------------------------------------------

def receipt_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_no_receipt_until_the_answer_is_final(client, case):
    assert client.get(f"/api/v1/questionnaires/{case.id}/receipt.pdf").status_code == 404
    answer(client, case.id, draft())
    assert client.get(f"/api/v1/questionnaires/{case.id}/receipt.pdf").status_code == 404


def test_the_receipt_is_her_answers_in_her_language(client, case):
    answer(client, case.id, response(signs={"pus": "a-little"}, opened=True,
                                     sought_advice=True, antibiotics=True))
    got = client.get(f"/api/v1/questionnaires/{case.id}/receipt.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Cache-Control"] == "no-store"
    assert "attachment" in got.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(got.data))
    assert reader.trailer["/Root"]["/Lang"] == "nb"
    assert reader.metadata.title == "Svarene dine om såret"
    text = receipt_text(got.data)
    assert "St. Olavs hospital HF" in text and "2. mars 2026" in text
    assert "3. april 2026 kl. 10.00" in text
    receipt_id = client.get("/api/v1/questionnaires").json["items"][0]["receipt_id"]
    assert receipt_id in text
    assert "Tykk, gul eller grønn væske (puss) fra såret" in text
    assert "Ja, litt" in text
    assert "Har du fått antibiotika for såret?" in text
    assert "Kunne du se vevet under huden" in text  # asked because the wound opened
    assert "Omtrent når merket du" not in text  # not answered: not on the receipt
    reads = [e for e in table_rows(AuditEvent) if e.resource_type == "QuestionnaireResponse"
             and e.action == "read"]
    assert [e.resource_id for e in reads] == [str(stored_answer().id)]


def test_the_receipt_in_english(client, case):
    answer(client, case.id, response())
    text = receipt_text(client.get(f"/api/v1/questionnaires/{case.id}/receipt.pdf?lang=en").data)
    assert "Your answers about the wound" in text
    assert "No, not at all" in text and "2 March 2026" in text
    assert "Ja, litt" not in text


# -- whose ----------------------------------------------------------------------------

def test_another_persons_case_is_404_everywhere_and_untouched(api_client, case):
    log_in_as(api_client, make_person(date(1990, 1, 1), given_name="Fremmed"))
    base = f"/api/v1/questionnaires/{case.id}"
    assert api_client.get(base).status_code == 404
    assert answer(api_client, case.id, response()).status_code == 404
    assert photo(api_client, case.id, png(), "image/png").status_code == 404
    assert api_client.get(f"{base}/receipt.pdf").status_code == 404
    assert api_client.get("/api/v1/questionnaires").json["items"] == []
    assert table_rows(Answer) == [] and table_rows(Photo) == []


def test_a_parent_answers_for_a_child(api_client, hospital):
    child, parent = make_person(date(2014, 5, 5)), make_person(date(1984, 1, 1))
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.system("hospital"))
    child_case = make_case(child, hospital, state=CaseState.INVITED, invited_at=INVITED)
    log_in_as(api_client, parent, acting_for=child)
    assert [i["id"] for i in api_client.get("/api/v1/questionnaires").json["items"]] == [
        child_case.id]
    assert answer(api_client, child_case.id, response()).status_code == 201
    assert stored_answer().answered_by == f"person:{parent.id}"


def test_a_child_who_withholds_questionnaires_keeps_them_from_the_parent(api_client,
                                                                        hospital):
    child, parent = make_person(date(2012, 5, 5)), make_person(date(1984, 1, 1))
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.system("hospital"))
    db.session.add(GuardianRestriction(child_id=child.id, area=Area.QUESTIONNAIRES))
    db.session.commit()
    child_case = make_case(child, hospital, state=CaseState.INVITED, invited_at=INVITED)
    log_in_as(api_client, parent, acting_for=child)
    # The appointments are still the parent's; the questionnaires are not.
    _refused_everywhere(api_client, child_case)


def test_a_fullmakt_without_questionnaires_is_refused(api_client, her, case):
    holder = make_person(date(1970, 3, 3))
    db.session.add(Fullmakt(giver=her, recipient=holder, areas=[Area.RECORDS.value],
                            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)))
    db.session.commit()
    log_in_as(api_client, holder, acting_for=her)
    _refused_everywhere(api_client, case)


def test_a_fullmakt_with_questionnaires_may_answer(api_client, her, case):
    holder = make_person(date(1970, 3, 3))
    db.session.add(Fullmakt(giver=her, recipient=holder, areas=[Area.QUESTIONNAIRES.value],
                            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)))
    db.session.commit()
    log_in_as(api_client, holder, acting_for=her)
    assert answer(api_client, case.id, response()).status_code == 201


def _refused_everywhere(client, case):
    assert client.get("/api/v1/questionnaires").status_code == 403
    base = f"/api/v1/questionnaires/{case.id}"
    assert client.get(base).status_code == 404
    assert answer(client, case.id, response()).status_code == 404
    assert photo(client, case.id, png(), "image/png").status_code == 404
    assert client.get(f"{base}/receipt.pdf").status_code == 404
    assert table_rows(Answer) == [] and table_rows(Photo) == []


def test_without_a_session_it_is_401(api_client, case):
    assert api_client.get("/api/v1/questionnaires").status_code == 401
    assert answer(api_client, case.id, response()).status_code == 401
    assert photo(api_client, case.id, png(), "image/png").status_code == 401
    assert table_rows(Answer) == []


def test_an_id_out_of_range_is_404(client):
    assert client.get(f"/api/v1/questionnaires/{2**31}").status_code == 404
    assert client.get("/api/v1/questionnaires/0").status_code == 404


def test_a_case_answered_in_time_says_by_when(client, her, hospital):
    late = make_case(her, hospital, state=CaseState.NON_RESPONDER,
                     invited_at=INVITED - timedelta(days=20))
    item = next(i for i in client.get("/api/v1/questionnaires").json["items"]
                if i["id"] == late.id)
    assert item["status"] == "open" and item["answer_by"] == "2026-03-25"
