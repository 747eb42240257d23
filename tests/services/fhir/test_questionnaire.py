"""A QuestionnaireResponse against its Questionnaire: one rule at a time, then the wound
infection form as the renderers send it."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from services.fhir import Problem
from services.fhir.bindings import check_bindings
from services.fhir.questionnaire import (
    enabled_link_ids,
    questionnaire_matches,
    validate_response,
)
from tests.services.fhir import sarinfeksjon
from tests.services.fhir.sarinfeksjon import FEBER, JA, JA_NEI, LEGEVAKT, NEI, SMERTER

QR = "QuestionnaireResponse"


def form(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active",
            "url": "http://minhelse.test/fhir/Questionnaire/t", "item": list(items)}


def reply(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": list(items)}


def question(link_id: str, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": type_, "text": link_id, **extra}


def group(link_id: str, *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": "group", "text": link_id, "item": list(items), **extra}


def answered(link_id: str, *values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "answer": list(values), **extra}


def items(link_id: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link_id, "item": list(children)}


def when(question_id: str, operator: str, **answer: Any) -> dict[str, Any]:
    return {"question": question_id, "operator": operator, **answer}


def only(problems: list[Problem]) -> tuple[str, str]:
    [problem] = problems
    return problem.expression, problem.code


# --- linkIds and nesting ---


def test_a_response_that_fits_has_no_problems():
    q = form(question("a"), group("g", question("b", "integer")))
    r = reply(answered("a", {"valueString": "x"}),
              items("g", answered("b", {"valueInteger": 3})))
    assert validate_response(r, q) == []


def test_an_empty_response_to_a_form_without_required_items_is_fine():
    assert validate_response(reply(), form(question("a"))) == []
    assert validate_response({"resourceType": "QuestionnaireResponse", "status": "completed"},
                             form(question("a"))) == []


def test_an_unknown_link_id_is_a_structure_problem():
    problems = validate_response(reply(answered("zz", {"valueString": "x"})),
                                 form(question("a")))
    assert problems == [Problem(f"{QR}.item[0]",
                                "linkId 'zz' is not an item of the Questionnaire", "structure")]


def test_an_item_at_the_wrong_nesting_names_where_it_belongs():
    q = form(question("a"), group("g", question("b")))
    top_level_b = reply(answered("b", {"valueString": "x"}))
    assert validate_response(top_level_b, q) == [
        Problem(f"{QR}.item[0]", "'b' belongs under 'g'", "structure")]
    nested_a = reply(items("g", answered("a", {"valueString": "x"})))
    assert validate_response(nested_a, q) == [
        Problem(f"{QR}.item[0].item[0]", "'a' belongs at the top level", "structure")]


def test_an_item_under_the_wrong_group_is_misplaced():
    q = form(group("g1", question("a")), group("g2", question("b")))
    r = reply(items("g1", answered("b", {"valueString": "x"})))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].item[0]", "'b' belongs under 'g2'", "structure")]


def test_an_item_without_link_id_is_a_structure_problem():
    assert only(validate_response(reply({"answer": [{"valueString": "x"}]}),
                                  form(question("a")))) == (f"{QR}.item[0]", "structure")


def test_children_of_a_question_may_sit_under_its_answer_or_under_the_item():
    q = form(question("a", "boolean", item=[question("a1")]))
    under_answer = reply({"linkId": "a", "answer": [
        {"valueBoolean": True, "item": [answered("a1", {"valueString": "x"})]}]})
    under_item = reply({"linkId": "a", "answer": [{"valueBoolean": True}],
                        "item": [answered("a1", {"valueString": "x"})]})
    assert validate_response(under_answer, q) == []
    assert validate_response(under_item, q) == []


def test_a_misplaced_item_under_an_answer_is_reported_at_its_place():
    q = form(question("a", "boolean", item=[question("a1")]), question("b"))
    r = reply({"linkId": "a", "answer": [
        {"valueBoolean": True, "item": [answered("b", {"valueString": "x"})]}]})
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].answer[0].item[0]", "'b' belongs at the top level", "structure")]


def test_a_non_repeating_group_appears_once_and_a_repeating_one_may_repeat():
    q = form(group("g", question("a")), group("rg", question("b"), repeats=True))
    r = reply(items("g", answered("a", {"valueString": "1"})),
              items("g", answered("a", {"valueString": "2"})),
              items("rg", answered("b", {"valueString": "1"})),
              items("rg", answered("b", {"valueString": "2"})))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[1]", "'g' does not repeat but appears more than once",
                "structure")]


# --- answer types ---

ANSWERS = [
    # item type, a right answer, a wrong one
    ("boolean", {"valueBoolean": True}, {"valueString": "true"}),
    ("decimal", {"valueDecimal": 37.5}, {"valueInteger": 37}),
    ("integer", {"valueInteger": 3}, {"valueDecimal": 3.0}),
    ("date", {"valueDate": "2026-03-02"}, {"valueDateTime": "2026-03-02T10:00:00+01:00"}),
    ("dateTime", {"valueDateTime": "2026-03-02T10:00:00+01:00"}, {"valueDate": "2026-03-02"}),
    ("time", {"valueTime": "10:30:00"}, {"valueString": "10:30"}),
    ("string", {"valueString": "x"}, {"valueCoding": {"code": "x"}}),
    ("text", {"valueString": "lang tekst"}, {"valueUri": "http://x"}),
    ("url", {"valueUri": "https://helsenorge.no"}, {"valueString": "https://helsenorge.no"}),
    ("choice", {"valueCoding": JA}, {"valueString": "ja"}),
    ("open-choice", {"valueString": "fritekst"}, {"valueBoolean": True}),
    ("open-choice", {"valueCoding": {"system": "s", "code": "c"}}, {"valueInteger": 1}),
    ("attachment", {"valueAttachment": {"contentType": "image/jpeg", "url": "Binary/1"}},
     {"valueUri": "Binary/1"}),
    ("reference", {"valueReference": {"reference": "Practitioner/1"}},
     {"valueString": "Practitioner/1"}),
    ("quantity", {"valueQuantity": {"value": 38.2, "unit": "Cel"}}, {"valueDecimal": 38.2}),
]


@pytest.mark.parametrize(("type_", "right", "wrong"), ANSWERS,
                         ids=[f"{t}-{next(iter(w))}" for t, _, w in ANSWERS])
def test_the_answer_value_type_must_fit_the_item_type(type_, right, wrong):
    q = form(question("a", type_))
    assert validate_response(reply(answered("a", right)), q) == []
    [problem] = validate_response(reply(answered("a", wrong)), q)
    assert (problem.expression, problem.code) == (f"{QR}.item[0].answer[0]", "value")
    assert f"'a' is a {type_} item" in problem.message
    assert f"not {next(iter(wrong))}" in problem.message


def test_the_answer_is_checked_where_it_is_nested():
    q = form(group("g", question("a", "boolean", item=[question("b", "integer")])))
    r = reply(items("g", {"linkId": "a", "answer": [
        {"valueBoolean": True, "item": [answered("b", {"valueString": "3"})]}]}))
    assert only(validate_response(r, q)) == (
        f"{QR}.item[0].item[0].answer[0].item[0].answer[0]", "value")


@pytest.mark.parametrize("type_", ["group", "display"])
def test_group_and_display_items_take_no_answers(type_):
    q = form({"linkId": "x", "type": type_, "text": "x"})
    r = reply(answered("x", {"valueString": "svar"}))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].answer", f"'x' is a {type_} item: it takes no answers",
                "structure")]


def test_a_display_item_in_the_response_without_answers_is_fine():
    q = form(question("a"), {"linkId": "info", "type": "display", "text": "Les dette"})
    r = reply(answered("a", {"valueString": "x"}), {"linkId": "info", "text": "Les dette"})
    assert validate_response(r, q) == []


def test_an_answer_without_a_value_is_a_structure_problem():
    q = form(question("a"))
    assert only(validate_response(reply(answered("a", {})), q)) == (
        f"{QR}.item[0].answer[0]", "structure")


# --- answerOption ---

CODED = question("a", "choice", answerOption=[{"valueCoding": JA}, {"valueCoding": NEI}])


@pytest.mark.parametrize("coding", [JA, {"system": JA_NEI, "code": "nei"},
                                    {"system": JA_NEI, "code": "ja", "display": "JA!"}])
def test_a_coding_among_the_options_passes_whatever_its_display(coding):
    assert validate_response(reply(answered("a", {"valueCoding": coding})), form(CODED)) == []


@pytest.mark.parametrize("coding", [
    {"system": JA_NEI, "code": "kanskje"},  # unknown code
    {"system": "http://snomed.info/sct", "code": "ja"},  # right code, other system
    {"code": "ja"},  # the option has a system; the answer must too
])
def test_a_coding_not_among_the_options_is_code_invalid(coding):
    problems = validate_response(reply(answered("a", {"valueCoding": coding})), form(CODED))
    assert only(problems) == (f"{QR}.item[0].answer[0]", "code-invalid")
    assert "is not an answerOption of 'a'" in problems[0].message


def test_an_option_without_a_system_matches_the_code_in_any_system():
    q = form(question("a", "choice", answerOption=[{"valueCoding": {"code": "1"}}]))
    assert validate_response(reply(answered("a", {"valueCoding": {"system": "s",
                                                                  "code": "1"}})), q) == []


@pytest.mark.parametrize(("key", "options", "right", "wrong"), [
    ("valueString", ["rød", "gul"], "gul", "blå"),
    ("valueInteger", [1, 2, 3], 2, 4),
    ("valueDate", ["2026-03-01", "2026-03-02"], "2026-03-02", "2026-03-03"),
    ("valueTime", ["08:00:00", "12:00:00"], "08:00:00", "09:00:00"),
    ("valueReference", [{"reference": "Location/1"}, {"reference": "Location/2"}],
     {"reference": "Location/2", "display": "Poliklinikk"}, {"reference": "Location/3"}),
])
def test_options_of_every_value_type_are_matched(key, options, right, wrong):
    q = form(question("a", "choice", answerOption=[{key: o} for o in options]))
    assert validate_response(reply(answered("a", {key: right})), q) == []
    assert only(validate_response(reply(answered("a", {key: wrong})), q)) == (
        f"{QR}.item[0].answer[0]", "code-invalid")


def test_a_choice_among_strings_is_not_answered_with_a_coding():
    q = form(question("a", "choice", answerOption=[{"valueString": "rød"}]))
    assert validate_response(reply(answered("a", {"valueString": "rød"})), q) == []
    assert only(validate_response(reply(answered("a", {"valueInteger": 1})), q)) == (
        f"{QR}.item[0].answer[0]", "value")


def test_open_choice_takes_free_text_but_not_a_foreign_coding():
    q = form(question("a", "open-choice", answerOption=[{"valueCoding": LEGEVAKT}]))
    assert validate_response(reply(answered("a", {"valueString": "Privat klinikk"})), q) == []
    assert validate_response(reply(answered("a", {"valueCoding": LEGEVAKT})), q) == []
    assert only(validate_response(reply(answered("a", {"valueCoding": JA})), q)) == (
        f"{QR}.item[0].answer[0]", "code-invalid")


def test_a_choice_bound_to_a_value_set_is_not_checked_offline():
    q = form(question("a", "choice",
                      answerValueSet="http://minhelse.test/fhir/ValueSet/kommuner"))
    assert validate_response(reply(answered("a", {"valueCoding": {"code": "5001"}})), q) == []


# --- repeats and maxLength ---


def test_a_non_repeating_item_takes_one_answer():
    q = form(question("a", "integer"))
    r = reply(answered("a", {"valueInteger": 1}, {"valueInteger": 2}, {"valueInteger": 3}))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].answer[1]", "'a' does not repeat: it takes one answer",
                "structure")]


def test_a_repeating_item_takes_many_answers_each_checked():
    q = form(question("a", "choice", repeats=True,
                      answerOption=[{"valueCoding": FEBER}, {"valueCoding": SMERTER}]))
    r = reply(answered("a", {"valueCoding": FEBER}, {"valueCoding": SMERTER},
                       {"valueCoding": JA}))
    assert only(validate_response(r, q)) == (f"{QR}.item[0].answer[2]", "code-invalid")


@pytest.mark.parametrize(("type_", "key"), [("string", "valueString"), ("text", "valueString"),
                                            ("url", "valueUri")])
def test_max_length_is_held(type_, key):
    q = form(question("a", type_, maxLength=5))
    assert validate_response(reply(answered("a", {key: "12345"})), q) == []
    problems = validate_response(reply(answered("a", {key: "123456"})), q)
    assert problems == [Problem(f"{QR}.item[0].answer[0]",
                                "longer than the 5 characters 'a' allows", "value")]


def test_max_length_counts_characters_not_bytes():
    q = form(question("a", maxLength=3))
    assert validate_response(reply(answered("a", {"valueString": "søø"})), q) == []


def test_read_only_is_ignored():
    q = form(question("a", readOnly=True))
    assert validate_response(reply(answered("a", {"valueString": "x"})), q) == []


# --- required ---


def test_a_missing_required_item_is_reported_where_it_should_be():
    q = form(question("a", required=True), group("g", question("b", required=True)))
    r = reply(items("g", answered("c", {"valueString": "x"})))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].item[0]", "linkId 'c' is not an item of the Questionnaire",
                "structure"),
        Problem(f"{QR}.item[0]", "'b' is required", "required"),
        Problem(QR, "'a' is required", "required"),
    ]


def test_a_required_item_present_without_answers_is_unanswered():
    q = form(question("a", required=True), group("g", question("b"), required=True))
    r = reply({"linkId": "a", "text": "a"}, {"linkId": "g", "text": "g"})
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0]", "'a' is required but not answered", "required"),
        Problem(f"{QR}.item[1]", "'g' is required but not answered", "required"),
    ]


def test_required_items_of_an_absent_optional_group_are_not_required():
    q = form(question("a"), group("g", question("b", required=True)))
    assert validate_response(reply(answered("a", {"valueString": "x"})), q) == []


def test_required_children_of_an_answered_question_are_required_per_answer():
    q = form(question("a", "boolean", repeats=True, item=[question("a1", required=True)]))
    r = reply({"linkId": "a", "answer": [
        {"valueBoolean": True, "item": [answered("a1", {"valueString": "x"})]},
        {"valueBoolean": False}]})
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[0].answer[1]", "'a1' is required", "required")]


def test_required_checks_can_be_skipped_for_a_draft():
    q = form(question("a", required=True), question("b", "integer"))
    r = reply(answered("b", {"valueString": "x"}))
    assert [p.code for p in validate_response(r, q, check_required=False)] == ["value"]
    assert [p.code for p in validate_response(r, q)] == ["value", "required"]


# --- enableWhen ---


def enabled(condition_answers: list[dict[str, Any]], condition: dict[str, Any],
            type_: str = "string", **extra: Any) -> bool:
    """Whether item "b" (required, enableWhen ``condition`` on item "a") is enabled when
    "a" has ``condition_answers``: a missing "b" is then a required problem."""
    q = form(question("a", type_, repeats=True),
             question("b", required=True, enableWhen=[condition], **extra))
    r = reply(answered("a", *condition_answers)) if condition_answers else reply()
    problems = validate_response(r, q)
    assert all(p.code == "required" for p in problems), problems
    return bool(problems)


OPERATORS = [
    # type, answers of "a", condition, enabled
    ("string", [{"valueString": "x"}], when("a", "exists", answerBoolean=True), True),
    ("string", [], when("a", "exists", answerBoolean=True), False),
    ("string", [{"valueString": "x"}], when("a", "exists", answerBoolean=False), False),
    ("string", [], when("a", "exists", answerBoolean=False), True),
    ("string", [{"valueString": "x"}], when("a", "=", answerString="x"), True),
    ("string", [{"valueString": "y"}], when("a", "=", answerString="x"), False),
    ("string", [], when("a", "=", answerString="x"), False),
    ("string", [{"valueString": "y"}, {"valueString": "x"}], when("a", "=", answerString="x"),
     True),
    ("string", [{"valueString": "y"}], when("a", "!=", answerString="x"), True),
    ("string", [{"valueString": "x"}], when("a", "!=", answerString="x"), False),
    ("string", [{"valueString": "y"}, {"valueString": "x"}],
     when("a", "!=", answerString="x"), False),
    ("string", [], when("a", "!=", answerString="x"), True),  # no answer equals it
    ("string", [{"valueString": "b"}], when("a", ">", answerString="a"), True),
    ("integer", [{"valueInteger": 5}], when("a", ">", answerInteger=4), True),
    ("integer", [{"valueInteger": 4}], when("a", ">", answerInteger=4), False),
    ("integer", [{"valueInteger": 4}], when("a", ">=", answerInteger=4), True),
    ("integer", [{"valueInteger": 3}], when("a", ">=", answerInteger=4), False),
    ("integer", [{"valueInteger": 3}], when("a", "<", answerInteger=4), True),
    ("integer", [{"valueInteger": 4}], when("a", "<", answerInteger=4), False),
    ("integer", [{"valueInteger": 4}], when("a", "<=", answerInteger=4), True),
    ("integer", [{"valueInteger": 5}], when("a", "<=", answerInteger=4), False),
    ("integer", [{"valueInteger": 1}, {"valueInteger": 9}], when("a", ">", answerInteger=4),
     True),
    ("integer", [], when("a", ">", answerInteger=4), False),
    ("decimal", [{"valueDecimal": 38.5}], when("a", ">=", answerDecimal=38.5), True),
    ("decimal", [{"valueDecimal": 38.4}], when("a", ">=", answerDecimal=38.5), False),
    ("decimal", [{"valueDecimal": 38.0}], when("a", "=", answerInteger=38), True),
    ("date", [{"valueDate": "2026-03-10"}], when("a", ">", answerDate="2026-03-02"), True),
    ("date", [{"valueDate": "2026-03-01"}], when("a", ">", answerDate="2026-03-02"), False),
    ("date", [{"valueDate": "2026-03"}], when("a", "=", answerDate="2026-03-02"), False),
    ("date", [{"valueDate": "2026-03"}], when("a", "<", answerDate="2026-03-02"), False),
    ("dateTime", [{"valueDateTime": "2026-03-02T10:00:00+01:00"}],
     when("a", "=", answerDateTime="2026-03-02T09:00:00Z"), True),
    ("dateTime", [{"valueDateTime": "2026-03-02T10:00:00+01:00"}],
     when("a", "<", answerDateTime="2026-03-02T09:30:00Z"), True),
    ("dateTime", [{"valueDateTime": "2026-03-02T10:00:00+01:00"}],
     when("a", "<", answerDateTime="2026-03-02T09:30:00"), False),  # naive: not comparable
    ("dateTime", [{"valueDateTime": "2026-03"}], when("a", ">", answerDateTime="2026-02"),
     True),
    ("time", [{"valueTime": "14:00:00"}], when("a", ">", answerTime="12:00:00"), True),
    ("time", [{"valueTime": "11:00:00"}], when("a", ">", answerTime="12:00:00"), False),
    ("boolean", [{"valueBoolean": True}], when("a", "=", answerBoolean=True), True),
    ("boolean", [{"valueBoolean": False}], when("a", "=", answerBoolean=True), False),
    ("boolean", [{"valueBoolean": False}], when("a", "!=", answerBoolean=True), True),
    ("boolean", [{"valueBoolean": True}], when("a", ">", answerBoolean=False), False),
    ("choice", [{"valueCoding": JA}], when("a", "=", answerCoding=JA), True),
    ("choice", [{"valueCoding": NEI}], when("a", "=", answerCoding=JA), False),
    ("choice", [{"valueCoding": NEI}], when("a", "!=", answerCoding=JA), True),
    ("choice", [{"valueCoding": {"system": "other", "code": "ja"}}],
     when("a", "=", answerCoding=JA), False),
    ("choice", [{"valueCoding": JA}], when("a", "=", answerCoding={"code": "ja"}), True),
    ("choice", [{"valueCoding": JA}], when("a", ">", answerCoding=JA), False),
    ("quantity", [{"valueQuantity": {"value": 39, "system": "http://unitsofmeasure.org",
                                     "code": "Cel"}}],
     when("a", ">", answerQuantity={"value": 38, "system": "http://unitsofmeasure.org",
                                    "code": "Cel"}), True),
    ("quantity", [{"valueQuantity": {"value": 39, "system": "http://unitsofmeasure.org",
                                     "code": "[degF]"}}],
     when("a", ">", answerQuantity={"value": 38, "system": "http://unitsofmeasure.org",
                                    "code": "Cel"}), False),
    ("quantity", [{"valueQuantity": {"value": 2, "unit": "tabletter"}}],
     when("a", "=", answerQuantity={"value": 2, "unit": "tabletter"}), True),
    ("reference", [{"valueReference": {"reference": "Location/1"}}],
     when("a", "=", answerReference={"reference": "Location/1"}), True),
    ("reference", [{"valueReference": {"reference": "Location/2"}}],
     when("a", "=", answerReference={"reference": "Location/1"}), False),
    ("integer", [{"valueInteger": 5}], when("a", "=", answerString="5"), False),  # types differ
    ("integer", [{"valueInteger": 5}], when("a", "~", answerInteger=5), False),  # no operator
    ("integer", [{"valueInteger": 5}], {"question": "a", "operator": "="}, False),  # no answer
    ("integer", [{"valueInteger": 5}], when("nowhere", "exists", answerBoolean=False), True),
]


@pytest.mark.parametrize(("type_", "answers", "condition", "expected"), OPERATORS)
def test_enable_when_operators(type_, answers, condition, expected):
    assert enabled(answers, condition, type_) is expected


@pytest.mark.parametrize(("behavior", "a", "b", "expected"), [
    (None, True, True, True), (None, True, False, False),
    ("all", True, True, True), ("all", False, True, False),
    ("any", True, False, True), ("any", False, True, True), ("any", False, False, False),
])
def test_enable_behavior_all_is_the_default(behavior, a, b, expected):
    extra = {"enableBehavior": behavior} if behavior else {}
    q = form(question("a", "boolean"), question("b", "boolean"),
             question("c", required=True, **extra,
                      enableWhen=[when("a", "=", answerBoolean=True),
                                  when("b", "=", answerBoolean=True)]))
    r = reply(answered("a", {"valueBoolean": a}), answered("b", {"valueBoolean": b}))
    assert bool(validate_response(r, q)) is expected


def test_an_answer_to_a_disabled_item_is_a_problem():
    q = form(question("a", "boolean"),
             question("b", enableWhen=[when("a", "=", answerBoolean=True)]))
    r = reply(answered("a", {"valueBoolean": False}), answered("b", {"valueString": "x"}))
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[1]", "'b' is answered but not enabled (enableWhen)", "structure")]


def test_a_disabled_group_is_reported_once_not_for_each_of_its_items():
    q = form(question("a", "boolean"),
             group("g", question("b", required=True), question("c", "integer"),
                   enableWhen=[when("a", "=", answerBoolean=True)]))
    r = reply(answered("a", {"valueBoolean": False}),
              items("g", answered("b", {"valueString": "x"}),
                    answered("c", {"valueString": "wrong type"})))
    assert only(validate_response(r, q)) == (f"{QR}.item[1]", "structure")


def test_the_answers_of_a_disabled_item_do_not_enable_others():
    q = form(question("a", "boolean"),
             question("b", "boolean", enableWhen=[when("a", "=", answerBoolean=True)]),
             question("c", required=True, enableWhen=[when("b", "=", answerBoolean=True)]))
    r = reply(answered("a", {"valueBoolean": False}), answered("b", {"valueBoolean": True}))
    # b is answered though disabled (a problem), and so does not make c required
    assert validate_response(r, q) == [
        Problem(f"{QR}.item[1]", "'b' is answered but not enabled (enableWhen)", "structure")]


def test_enable_when_may_look_at_a_later_item():
    q = form(question("b", required=True, enableWhen=[when("a", "exists", answerBoolean=True)]),
             question("a"))
    assert only(validate_response(reply(answered("a", {"valueString": "x"})), q)) == (
        QR, "required")


def test_enable_when_in_a_repeating_group_looks_at_its_own_instance():
    q = form(group("operasjon",
                   question("infeksjon", "boolean"),
                   question("dato", "date", required=True,
                            enableWhen=[when("infeksjon", "=", answerBoolean=True)]),
                   repeats=True))
    r = reply(items("operasjon", answered("infeksjon", {"valueBoolean": True}),
                    answered("dato", {"valueDate": "2026-03-02"})),
              items("operasjon", answered("infeksjon", {"valueBoolean": False})),
              items("operasjon", answered("infeksjon", {"valueBoolean": True})))
    assert validate_response(r, q) == [Problem(f"{QR}.item[2]", "'dato' is required",
                                               "required")]


def test_a_child_under_an_answer_may_depend_on_its_parent_question():
    q = form(question("a", "boolean", item=[
        question("a1", required=True, enableWhen=[when("a", "=", answerBoolean=True)])]))
    yes = reply({"linkId": "a", "answer": [{"valueBoolean": True}]})
    no = reply({"linkId": "a", "answer": [{"valueBoolean": False}]})
    assert only(validate_response(yes, q)) == (f"{QR}.item[0].answer[0]", "required")
    assert validate_response(no, q) == []


def test_an_enable_when_cycle_ends():
    q = form(question("a", enableWhen=[when("b", "exists", answerBoolean=True)]),
             question("b", enableWhen=[when("a", "exists", answerBoolean=True)]))
    r = reply(answered("a", {"valueString": "x"}), answered("b", {"valueString": "y"}))
    assert validate_response(r, q) == []


def test_enabled_link_ids_say_what_a_form_shows_for_the_answers_so_far():
    q = form(group("g", question("a", "boolean", item=[
        question("a1", enableWhen=[when("a", "=", answerBoolean=True)])]),
        question("b", "boolean", enableWhen=[when("a", "=", answerBoolean=True)]),
        question("c", enableWhen=[when("b", "=", answerBoolean=True)])))
    yes = reply(items("g", answered("a", {"valueBoolean": True})))
    assert enabled_link_ids(yes, q) == {"g", "a", "a1", "b"}
    assert enabled_link_ids(reply(), q) == {"g", "a"}
    # "b" answered yes while "a" says no: b is disabled, so its answer enables nothing.
    no = reply(items("g", answered("a", {"valueBoolean": False}),
                     answered("b", {"valueBoolean": True})))
    assert enabled_link_ids(no, q) == {"g", "a"}
    assert enabled_link_ids({"item": "not a list"}, q) == {"g", "a"}
    with pytest.raises(ValueError):
        enabled_link_ids(reply(), {"resourceType": "Patient"})


# --- inputs ---


@pytest.mark.parametrize("response", [None, [], {}, {"resourceType": "Patient"}])
def test_something_that_is_not_a_response_is_a_structure_problem(response):
    assert only(validate_response(response, form())) == ("resourceType", "structure")


@pytest.mark.parametrize("questionnaire", [None, {}, {"resourceType": "Patient"}])
def test_a_questionnaire_that_is_not_one_is_a_programming_error(questionnaire):
    with pytest.raises(ValueError, match="Questionnaire"):
        validate_response(reply(), questionnaire)


# --- questionnaire_matches ---


@pytest.mark.parametrize(("canonical", "url", "version", "expected"), [
    ("http://x/Questionnaire/q|2.0", "http://x/Questionnaire/q", "2.0", True),
    ("http://x/Questionnaire/q", "http://x/Questionnaire/q", "2.0", True),  # Refero
    ("http://x/Questionnaire/q", "http://x/Questionnaire/q", None, True),
    ("http://x/Questionnaire/q|", "http://x/Questionnaire/q", "2.0", True),
    ("http://x/Questionnaire/q|1.0", "http://x/Questionnaire/q", "2.0", False),
    ("http://x/Questionnaire/q|1.0", "http://x/Questionnaire/q", None, False),
    ("http://x/Questionnaire/other", "http://x/Questionnaire/q", "2.0", False),
    ("http://x/Questionnaire/q2", "http://x/Questionnaire/q", None, False),
    (None, "http://x/Questionnaire/q", "2.0", False),
    ("http://x/Questionnaire/q", None, None, False),
])
def test_questionnaire_matches(canonical, url, version, expected):
    response = {"resourceType": "QuestionnaireResponse", "status": "completed"}
    if canonical is not None:
        response["questionnaire"] = canonical
    questionnaire = {"resourceType": "Questionnaire", "status": "active"}
    if url is not None:
        questionnaire["url"] = url
    if version is not None:
        questionnaire["version"] = version
    assert questionnaire_matches(response, questionnaire) is expected


# --- the wound infection form ---


def test_the_completed_wound_form_is_valid_everywhere():
    questionnaire, response = sarinfeksjon.questionnaire(), sarinfeksjon.response()
    assert validate_response(response, questionnaire) == []
    assert questionnaire_matches(response, questionnaire)
    assert check_bindings(response) == [] and check_bindings(questionnaire) == []
    QuestionnaireResponse.model_validate(response)


def test_no_to_everything_leaves_the_follow_ups_disabled():
    assert validate_response(sarinfeksjon.response_all_no(), sarinfeksjon.questionnaire()) == []


def test_redness_makes_the_first_symptom_date_required():
    response = sarinfeksjon.response_all_no()
    response["item"][0]["item"][0]["answer"] = [{"valueCoding": JA}]
    assert validate_response(response, sarinfeksjon.questionnaire()) == [
        Problem(f"{QR}.item[0]", "'forste-symptom' is required", "required")]


def test_pus_alone_makes_it_required_too_enable_behavior_any():
    response = sarinfeksjon.response_all_no()
    response["item"][0]["item"][1]["answer"] = [{"valueCoding": JA}]
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[0]", "required")


def test_a_first_symptom_date_without_any_symptom_is_answered_but_not_enabled():
    response = sarinfeksjon.response_all_no()
    response["item"][0]["item"].append(
        {"linkId": "forste-symptom", "answer": [{"valueDate": "2026-03-12"}]})
    assert validate_response(response, sarinfeksjon.questionnaire()) == [
        Problem(f"{QR}.item[0].item[3]",
                "'forste-symptom' is answered but not enabled (enableWhen)", "structure")]


def test_the_first_symptom_date_must_be_a_date():
    response = sarinfeksjon.response()
    response["item"][0]["item"][3]["answer"] = [{"valueString": "for en uke siden"}]
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[0].item[3].answer[0]", "value")


def test_redness_is_answered_once():
    response = sarinfeksjon.response()
    response["item"][0]["item"][0]["answer"].append({"valueCoding": NEI})
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[0].item[0].answer[1]", "structure")


def test_complaints_repeat_but_must_be_among_the_options():
    response = sarinfeksjon.response()
    plager = response["item"][0]["item"][4]["answer"]
    plager.append({"valueCoding": {"system": sarinfeksjon.PLAGER, "code": "hodepine"}})
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[0].item[4].answer[2]", "code-invalid")


def test_a_temperature_without_fever_among_the_complaints_is_not_enabled():
    response = sarinfeksjon.response()
    response["item"][0]["item"][4]["answer"] = [{"valueCoding": SMERTER}]
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[0].item[5]", "structure")


def test_the_spread_of_redness_belongs_under_the_redness_answer():
    response = sarinfeksjon.response()
    nested = response["item"][0]["item"][0]["answer"][0].pop("item")
    response["item"][0]["item"].extend(nested)
    assert validate_response(response, sarinfeksjon.questionnaire()) == [
        Problem(f"{QR}.item[0].item[6]", "'rodhet-spredning' belongs under 'rodhet'",
                "structure")]


def test_the_spread_of_redness_is_not_asked_after_no_redness():
    response = sarinfeksjon.response()
    redness = response["item"][0]["item"][0]["answer"][0]
    redness["valueCoding"] = NEI
    # and with neither redness, pus nor an opened wound, no date of first symptoms either
    assert [(p.expression, p.code) for p in
            validate_response(response, sarinfeksjon.questionnaire())] == [
        (f"{QR}.item[0].item[0].answer[0].item[0]", "structure"),
        (f"{QR}.item[0].item[3]", "structure"),
    ]


def test_the_place_of_examination_takes_free_text():
    response = sarinfeksjon.response()
    response["item"][1]["item"][1]["answer"] = [{"valueString": "Privat klinikk i Oslo"}]
    assert validate_response(response, sarinfeksjon.questionnaire()) == []


def test_seeing_a_doctor_makes_the_antibiotics_question_required():
    response = sarinfeksjon.response()
    del response["item"][1]["item"][2]
    assert validate_response(response, sarinfeksjon.questionnaire()) == [
        Problem(f"{QR}.item[1]", "'antibiotika' is required", "required")]


def test_the_comment_has_a_maximum_length():
    response = sarinfeksjon.response()
    response["item"][2]["answer"] = [{"valueString": "å" * 501}]
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[2].answer[0]", "value")


def test_the_thank_you_text_takes_no_answer():
    response = sarinfeksjon.response()
    response["item"].append({"linkId": "takk", "answer": [{"valueBoolean": True}]})
    assert only(validate_response(response, sarinfeksjon.questionnaire())) == (
        f"{QR}.item[3].answer", "structure")


def test_missing_required_answers_are_all_reported():
    response = sarinfeksjon.response()
    response["item"] = []
    assert validate_response(response, sarinfeksjon.questionnaire()) == []  # groups optional
    response["item"] = [{"linkId": "om-saret", "item": []}, {"linkId": "behandling",
                                                             "item": []}]
    assert [(p.expression, p.message) for p in
            validate_response(response, sarinfeksjon.questionnaire())] == [
        (f"{QR}.item[0]", "'rodhet' is required"),
        (f"{QR}.item[0]", "'puss' is required"),
        (f"{QR}.item[0]", "'saret-apnet' is required"),
        (f"{QR}.item[1]", "'lege' is required"),
    ]


# --- what the real renderers send ---


def test_lhc_forms_profile_is_tolerated():
    """LHC-Forms labels its output with the FHIR 4.0 base profile of the resource."""
    response = sarinfeksjon.response()
    response["meta"] = {
        "profile": ["http://hl7.org/fhir/4.0/StructureDefinition/QuestionnaireResponse"]}
    response["questionnaire"] = sarinfeksjon.URL + "|" + sarinfeksjon.VERSION
    assert validate_response(response, sarinfeksjon.questionnaire()) == []
    assert check_bindings(response) == []
    QuestionnaireResponse.model_validate(response)


def test_refero_submits_in_progress_without_a_version():
    """helsenorge.no's Refero submits with status in-progress and an unversioned canonical:
    the answers are still checked, and the status is the caller's business."""
    response = sarinfeksjon.response()
    response["status"] = "in-progress"
    response["questionnaire"] = sarinfeksjon.URL
    questionnaire = sarinfeksjon.questionnaire()
    assert questionnaire_matches(response, questionnaire)
    assert validate_response(response, questionnaire) == []
    assert check_bindings(response) == []
    response["item"][0]["item"][1]["answer"] = [{"valueCoding": {"code": "nei"}}]
    assert only(validate_response(response, questionnaire)) == (
        f"{QR}.item[0].item[1].answer[0]", "code-invalid")


def test_a_response_to_another_version_does_not_match():
    response = sarinfeksjon.response()
    response["questionnaire"] = f"{sarinfeksjon.URL}|0.9"
    assert not questionnaire_matches(response, sarinfeksjon.questionnaire())
