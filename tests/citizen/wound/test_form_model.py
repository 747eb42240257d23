"""The form's pages and fields drawn from a Questionnaire: which page an item goes on,
what a posted field becomes, and where the answer service's problems belong."""

from __future__ import annotations

from datetime import date

import pytest

from citizen.wound import form
from services.fhir.problem import Problem
from services.wound import questionnaires

TODAY, OPERATED = date(2026, 3, 2), date(2026, 1, 31)


@pytest.fixture
def shipped():
    return questionnaires.questionnaire(
        "https://minhelse.no/fhir/Questionnaire/wound-infection-followup", "1.0")


def links(page: form.Page) -> list[str]:
    return [item["linkId"] for item in page.items]


def test_each_group_is_a_page_and_same_page_conditions_a_follow_up_page(shipped):
    pages = form.pages_of(shipped)
    assert [(p.number, p.group["linkId"], p.follow_up) for p in pages] == [
        (1, "signs", False), (2, "signs", True), (3, "care", False), (4, "care", True)]
    assert links(pages[0]) == ["signs-intro", "redness", "warmth", "swelling", "pain",
                               "clear-fluid", "bloody-fluid", "pus", "opened", "fever"]
    assert links(pages[1]) == ["opened-deep", "onset"]
    assert links(pages[3]) == ["antibiotics", "opened-by-doctor", "readmitted", "reoperated"]


def _q(*items):
    return {"resourceType": "Questionnaire", "url": "urn:t", "version": "1", "item": list(items)}


def test_a_condition_on_an_earlier_page_stays_on_its_page_and_chains_go_deeper():
    q = _q({"linkId": "a", "type": "group", "item": [
               {"linkId": "a1", "type": "boolean"}]},
           {"linkId": "b", "type": "group", "item": [
               {"linkId": "b1", "type": "boolean",
                "enableWhen": [{"question": "a1", "operator": "=", "answerBoolean": True}]},
               {"linkId": "b2", "type": "boolean",
                "enableWhen": [{"question": "b1", "operator": "=", "answerBoolean": True}]},
               {"linkId": "b3", "type": "integer",
                "enableWhen": [{"question": "b2", "operator": "=", "answerBoolean": True}]}]})
    pages = form.pages_of(q)
    assert [links(p) for p in pages] == [["a1"], ["b1"], ["b2"], ["b3"]]
    shown = form.enabled(q, {"a1": {"valueBoolean": False}})
    assert not pages[1].applies(shown)
    assert form.next_page(pages, 1, shown) is None  # on to the review


def test_resume_is_the_first_page_missing_a_required_answer_or_never_answered(shipped):
    pages = form.pages_of(shipped)
    answers = {link: {"valueCoding": {"code": "none"}} for link in (
        "redness", "warmth", "swelling", "pain", "clear-fluid", "bloody-fluid", "pus")}
    shown = form.enabled(shipped, answers)
    assert form.resume_page(pages, answers, shown).number == 1  # opened, fever missing
    answers |= {"opened": {"valueBoolean": False}, "fever": {"valueBoolean": True}}
    shown = form.enabled(shipped, answers)
    assert form.resume_page(pages, answers, shown).number == 2  # onset: never answered
    answers |= {"sought-advice": {"valueBoolean": False}}
    shown = form.enabled(shipped, answers)
    assert form.resume_page(pages, answers, shown, after=2) is None


@pytest.mark.parametrize(("kind", "raw", "value", "error"), [
    ("boolean", "yes", {"valueBoolean": True}, None),
    ("boolean", "no", {"valueBoolean": False}, None),
    ("boolean", "true", None, "yes-or-no"),
    ("date", "1.2.2026", {"valueDate": "2026-02-01"}, None),
    ("date", "2026-02-01", {"valueDate": "2026-02-01"}, None),
    ("date", "31.2.2026", None, "date"),
    ("date", "3.3.2026", None, "date-future"),
    ("date", "30.1.2026", None, "date-before-operation"),
    ("integer", "3", {"valueInteger": 3}, None),
    ("integer", "3,5", None, "whole-number"),
    ("integer", "NaN", None, "number"),
    ("decimal", "37,8", {"valueDecimal": 37.8}, None),
    ("decimal", "Infinity", None, "number"),
    ("decimal", "tre", None, "number"),
])
def test_a_posted_field_becomes_its_answer_or_an_error(kind, raw, value, error):
    q = _q({"linkId": "g", "type": "group", "item": [{"linkId": "x", "type": kind}]})
    [page] = form.pages_of(q)
    posted = form.read_page(page, {"q-x": raw}, answers={}, shown=form.enabled(q, {}),
                            operated_on=OPERATED, today=TODAY)
    assert posted.answers.get("x") == value and posted.errors.get("x") == error


def test_an_emptied_field_removes_its_answer_and_unshown_fields_are_ignored(shipped):
    [first, second, *_] = form.pages_of(shipped)
    before = {"redness": {"valueCoding": {"code": "a-lot"}}}
    shown = form.enabled(shipped, before)
    posted = form.read_page(first, {"q-redness": " "}, answers=before, shown=shown,
                            operated_on=OPERATED, today=TODAY)
    assert "redness" not in posted.answers
    nothing = form.enabled(shipped, {})
    posted = form.read_page(second, {"q-opened-deep": "yes"}, answers={}, shown=nothing,
                            operated_on=OPERATED, today=TODAY)
    assert posted.answers == {} and posted.errors == {}


def test_a_stored_response_round_trips_to_the_same_items(shipped):
    given = {"redness": {"valueCoding": {"system": "s", "code": "a-little"}},
             "opened": {"valueBoolean": True}, "opened-deep": {"valueBoolean": False},
             "sought-advice": {"valueBoolean": False}}
    response = form.response_of(shipped, given, canonical="urn:x|1", final=False)
    assert response["status"] == "in-progress" and response["questionnaire"] == "urn:x|1"
    assert form.answers_in(response) == given
    assert form.response_of(shipped, form.answers_in(response), canonical="urn:x|1",
                            final=False) == response


def test_the_services_problems_are_placed_on_the_question_they_name(shipped):
    response = form.response_of(shipped, {"redness": {"valueCoding": {"code": "x"}},
                                          "fever": {"valueBoolean": True}},
                                canonical="urn:x|1", final=True)
    placed = form.problem_fields([
        Problem("QuestionnaireResponse.item[0].item[0].answer[0]", "not an option",
                "code-invalid"),
        Problem("QuestionnaireResponse.item[0]", "'warmth' is required", "required"),
        Problem("QuestionnaireResponse.item[7].item[0]", "nowhere", "structure"),
        Problem("QuestionnaireResponse.questionnaire", "expected", "value"),
    ], response)
    assert placed == {"redness": "code-invalid", "signs": "required", "": "structure"}
