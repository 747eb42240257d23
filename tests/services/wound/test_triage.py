"""The automatic triage of a final answer: red flags for answers that inform an NHSN
criterion by themselves, a score of weighted answers, flagged at the threshold."""

from __future__ import annotations

import pytest

from services.actors import Actor
from services.wound import answers, triage
from services.wound.models import AnswerChannel, CaseState, FollowUp
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case


def assess(**answers_given):
    return triage.assess(response(**answers_given)["item"])


def test_nothing_to_report_is_no_flag_and_no_score():
    assert assess() == triage.Assessment(red_flags=[], score=0, flagged=False)


@pytest.mark.parametrize(("given", "flag"), [
    ({"signs": {"pus": "a-little"}}, "pus"),
    ({"sought_advice": True, "antibiotics": True}, "antibiotics"),
])
def test_an_answer_informing_a_criterion_is_a_red_flag_whatever_the_score(given, flag):
    found = assess(**given)
    assert found.red_flags == [flag] and found.flagged


def test_each_red_flag_of_the_rules_raises_one():
    rules = triage.rules()
    assert set(rules.red_flags) == {"pus", "opened-deep", "antibiotics", "opened-by-doctor",
                                    "readmitted", "reoperated"}
    items = [{"linkId": "care", "item": [
        {"linkId": link, "answer": [{"valueBoolean": True}]}
        for link in ("opened-by-doctor", "readmitted", "reoperated")]}]
    assert triage.assess(items).red_flags == ["opened-by-doctor", "readmitted", "reoperated"]


def test_a_nested_answer_counts_the_deep_opening_under_opened():
    items = [{"linkId": "signs", "item": [{"linkId": "opened", "answer": [
        {"valueBoolean": True, "item": [{"linkId": "opened-deep",
                                         "answer": [{"valueBoolean": True}]}]}]}]}]
    found = triage.assess(items)
    assert found.red_flags == ["opened-deep"] and found.score == 2 + 3


RULES = triage.Rules(threshold=4, weights={"redness": {"a-little": 1, "a-lot": 3},
                                           "fever": {"true": 1}},
                     red_flags={"pus": frozenset({"a-lot"})})


@pytest.mark.parametrize(("redness", "fever", "score", "flagged"), [
    ("a-lot", False, 3, False),   # one below the threshold
    ("a-lot", True, 4, True),     # at it
    ("a-little", True, 2, False),
    ("none", False, 0, False),
])
def test_the_score_is_flagged_from_the_threshold(redness, fever, score, flagged):
    items = response(signs={"redness": redness}, fever=fever)["item"]
    found = triage.assess(items, using=RULES)
    assert (found.score, found.flagged, found.red_flags) == (score, flagged, [])


def test_above_the_threshold_is_flagged():
    rules = triage.Rules(threshold=3, weights=RULES.weights, red_flags={})
    found = triage.assess(response(signs={"redness": "a-lot"}, fever=True)["item"],
                          using=rules)
    assert (found.score, found.flagged) == (4, True)


def test_a_red_flag_answer_not_listed_raises_none():
    found = triage.assess(response(signs={"pus": "a-little"})["item"], using=RULES)
    assert found.red_flags == [] and not found.flagged


def test_a_date_carries_no_weight():
    found = triage.assess(response(signs={"redness": "a-little"}, onset="2026-03-20")["item"],
                          using=RULES)
    assert found.score == 1


def test_the_weights_in_the_file_add_up_as_documented():
    found = assess(signs={"redness": "quite-a-bit", "pain": "a-little"}, fever=True)
    assert found.score == 2 + 1 + 2 and not found.flagged
    assert assess(signs={"redness": "a-lot", "warmth": "a-lot"}).flagged  # 6: the threshold


def test_the_final_answer_stores_its_triage_on_the_case(db):
    case = make_case(make_person(), make_organisation(), state=CaseState.INVITED)
    answers.save(case_id=case.id, response=response(complete=False), final=False,
                 channel=AnswerChannel.WEB, actor=Actor.person(case.person_id))
    assert db.session.get(FollowUp, case.id).triage_score is None  # a draft is not triaged
    answers.save(case_id=case.id, response=response(signs={"pus": "a-lot"}, fever=True),
                 final=True, channel=AnswerChannel.WEB, actor=Actor.person(case.person_id))
    db.session.commit()
    stored = db.session.get(FollowUp, case.id)
    assert stored.red_flags == ["pus"] and stored.triage_score == 5 + 2


def test_a_no_can_carry_weight_too():
    rules = triage.Rules(threshold=9, weights={"fever": {"false": 1}}, red_flags={})
    assert triage.assess(response(fever=False)["item"], using=rules).score == 1
    assert triage.assess(response(fever=True)["item"], using=rules).score == 0
