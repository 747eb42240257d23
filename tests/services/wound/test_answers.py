"""Her one answer per case: drafts replaced, the final answer checked in full, kept, audited
and acknowledged; repeats recognised, anything else after it refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.fhir.mapping import instant
from services.notify.models import Notification
from services.wound import answers
from services.wound.models import Answer, AnswerChannel, AnswerStatus, CaseState, FollowUp
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case

WEB = AnswerChannel.WEB


@pytest.fixture
def patient(db):
    person = make_person(given_name="Ola", family_name="Hansen")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


@pytest.fixture
def case(patient):
    return make_case(patient, make_organisation(), state=CaseState.INVITED)


def save(case, resource, *, final=True, actor=None, channel=WEB):
    saved = answers.save(case_id=case.id, response=resource, final=final, channel=channel,
                         actor=actor or Actor.person(case.person_id))
    db.session.commit()
    return saved


def test_a_final_answer_is_stored_answers_the_case_and_sends_a_receipt(case, notify_rules,
                                                                      outbox_worker):
    saved = save(case, response(signs={"pus": "a-little"}))
    # The receipt is decided by a worker, after the commit: not in her request.
    assert table_rows(Notification) == []
    assert outbox_worker() == ["sent", "sent"]  # the decision, then the SMS it queued
    stored = db.session.get(Answer, saved.answer.id)
    assert stored.status is AnswerStatus.FINAL and stored.channel is WEB
    assert stored.answered_by == f"person:{case.person_id}"
    assert stored.response["item"][0]["item"][6] == {
        "linkId": "pus", "answer": [{"valueCoding": {
            "system": "https://minhelse.no/fhir/CodeSystem/wound-sign-severity",
            "code": "a-little"}}]}
    case = db.session.get(FollowUp, case.id)
    assert case.state is CaseState.ANSWERED and case.answered_via is WEB
    assert case.answered_at is not None
    assert {n.dedupe_key.rsplit(":", 1)[0] for n in table_rows(Notification)
            if n.event == "wound.answer-received"} == {f"wound-case:{case.id}:answered"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "QuestionnaireResponse", AuditEvent.action == "create",
        AuditEvent.subject_person_id == case.person_id)) == 1


def test_a_draft_is_saved_without_its_required_items_and_replaced_by_the_next(case):
    first = save(case, response(complete=False), final=False)
    assert first.answer.status is AnswerStatus.DRAFT
    assert db.session.get(FollowUp, case.id).state is CaseState.INVITED
    second = save(case, response(signs={"pain": "a-lot"}, complete=False), final=False)
    assert second.answer.id == first.answer.id
    assert len(table_rows(Answer)) == 1
    final = save(case, response())
    assert final.answer.id == first.answer.id and final.answer.status is AnswerStatus.FINAL


def test_a_final_answer_needs_every_required_item(case):
    with pytest.raises(answers.AnswerRefused) as refused:
        save(case, response(complete=False))
    assert any(p.code == "required" for p in refused.value.problems)
    assert table_rows(Answer) == []
    assert db.session.get(FollowUp, case.id).state is CaseState.INVITED


def test_the_same_final_answer_again_is_the_same_and_changes_nothing(case, notify_rules,
                                                                    outbox_worker):
    first = save(case, response())
    outbox_worker()
    receipts = [n.id for n in table_rows(Notification) if n.event == "wound.answer-received"]
    again = save(case, response(), channel=AnswerChannel.HELSENORGE)
    assert outbox_worker() == []  # nothing new to deliver
    assert again.repeated and again.answer.id == first.answer.id
    assert again.answer.channel is WEB
    assert receipts and [n.id for n in table_rows(Notification)
                         if n.event == "wound.answer-received"] == receipts
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "QuestionnaireResponse")) == 1


@pytest.mark.parametrize("later", [
    {"final": True, "resource": response(fever=True)},
    {"final": False, "resource": response(complete=False)},
])
def test_nothing_else_replaces_a_final_answer(case, later):
    first = save(case, response())
    # The messages below are what a system reads in the FHIR API's OperationOutcome.
    with pytest.raises(answers.AlreadyFinal, match=r"^this questionnaire is answered already$"):
        save(case, later["resource"], final=later["final"])
    db.session.rollback()
    stored = db.session.get(Answer, first.answer.id)
    assert stored.response["item"][0]["item"][8] == {"linkId": "fever",
                                                     "answer": [{"valueBoolean": False}]}


@pytest.mark.parametrize("state", [CaseState.SCHEDULED, CaseState.CLOSED, CaseState.LOST])
def test_a_case_not_open_takes_no_answer(patient, state):
    case = make_case(patient, make_organisation(), state=state)
    with pytest.raises(answers.NotOpen, match=f"^the case takes no answer while {state.value}$"):
        save(case, response())
    assert table_rows(Answer) == []


@pytest.mark.parametrize("state", [CaseState.INVITED, CaseState.REMINDED,
                                   CaseState.NON_RESPONDER])
def test_she_may_answer_when_invited_reminded_or_late(patient, state):
    case = make_case(patient, make_organisation(), state=state)
    save(case, response())
    assert db.session.get(FollowUp, case.id).state is CaseState.ANSWERED


@pytest.mark.parametrize("canonical", [
    "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|0.9",
    "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|2.0",
    "https://example.org/Questionnaire/other|1.0",
])
def test_another_questionnaire_or_version_is_refused(case, canonical):
    with pytest.raises(answers.WrongQuestionnaire, match=re.escape(
            "this case is answered with "
            "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|1.0")):
        save(case, response(canonical=canonical))
    assert table_rows(Answer) == []


def test_a_canonical_without_version_is_the_cases_version(case):
    """Refero sends the url alone."""
    save(case, response(canonical="https://minhelse.no/fhir/Questionnaire/"
                                  "wound-infection-followup"))
    assert db.session.get(FollowUp, case.id).state is CaseState.ANSWERED


@pytest.mark.parametrize("broken", [
    {"linkId": "no-such-item", "answer": [{"valueBoolean": True}]},
    {"linkId": "fever", "answer": [{"valueString": "yes"}]},
    {"linkId": "redness", "answer": [{"valueCoding": {"code": "enormous"}}]},
])
def test_unknown_items_and_wrong_answer_types_are_refused(case, broken):
    resource = response()
    resource["item"][0]["item"] = [i for i in resource["item"][0]["item"]
                                   if i["linkId"] != broken["linkId"]] + [broken]
    with pytest.raises(answers.AnswerRefused) as refused:
        save(case, resource)
    assert refused.value.problems
    assert str(refused.value) == "the answer does not fit the questionnaire"
    assert table_rows(Answer) == []


def test_an_unknown_case_is_a_lookup_error(db):
    with pytest.raises(LookupError, match=r"^no such follow-up case$"):
        answers.save(case_id=999_999, response=response(), final=True, channel=WEB,
                     actor=Actor.person(1))


def test_as_resource_is_the_stored_questionnaire_response(case):
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    draft = save(case, response(complete=False), final=False).answer
    as_draft = answers.as_resource(db.session.get(FollowUp, case.id), draft)
    assert as_draft["status"] == "in-progress"
    assert as_draft["authored"] == as_draft["meta"]["lastUpdated"]  # not submitted yet
    saved = save(case, response())
    resource = answers.as_resource(db.session.get(FollowUp, case.id), saved.answer)
    assert resource == {
        "resourceType": "QuestionnaireResponse", "id": str(saved.answer.id),
        "meta": {"versionId": str(saved.answer.version_id),
                 "lastUpdated": instant(saved.answer.saved_at)},
        "questionnaire": "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|1.0",
        "status": "completed", "authored": instant(saved.answer.submitted_at),
        "item": response()["item"]}
    assert resource["authored"].endswith("Z")
    QuestionnaireResponse.model_validate(resource)


def test_the_draft_is_audited_as_created_and_the_final_answer_as_its_update(case):
    draft = save(case, response(complete=False), final=False)
    save(case, response())
    rows = db.session.execute(sa.select(AuditEvent.action, AuditEvent.resource_id).where(
        AuditEvent.resource_type == "QuestionnaireResponse").order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("create", str(draft.answer.id)),
                                        ("update", str(draft.answer.id))]


def test_the_same_answer_with_its_keys_in_another_order_is_the_same(case):
    save(case, response())
    reordered = response()
    reordered["item"] = [{key: item[key] for key in reversed(list(item))}
                         for item in reordered["item"]]
    assert save(case, reordered).repeated


def test_another_questionnaire_is_named_where_the_response_says_which(case):
    with pytest.raises(answers.WrongQuestionnaire) as refused:
        save(case, response(canonical="https://example.org/Questionnaire/other|1.0"))
    [problem] = refused.value.problems
    assert (problem.expression, problem.code) == ("QuestionnaireResponse.questionnaire",
                                                  "value")
    assert problem.message == ("expected "
                               "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|1.0")


def test_the_fingerprint_of_an_answer_never_changes_between_releases():
    """Stored final answers keep their fingerprint (``final_sha256``): "the same answer
    again" is found by it, so its canonical JSON (sorted keys, no spaces, UTF-8 as is) is
    fixed. Keys in any order, and the same digest."""
    items = [{"linkId": "fever", "answer": [{"valueBoolean": True}]},
             {"text": "Rødhet", "linkId": "redness",
              "answer": [{"valueCoding": {"code": "a-lot"}}]}]
    digest = "db1a94dc204dc986f83be1ab16b7c700a3d69c997d14b2c4170e9e8baa3223a2"
    assert answers.fingerprint(items) == digest
    reordered = [dict(reversed(item.items())) for item in items]
    assert answers.fingerprint(reordered) == digest


def test_a_case_naming_a_questionnaire_no_longer_published_is_a_lookup_error(case):
    case.questionnaire_version = "9.9"
    with pytest.raises(LookupError, match=re.escape(
            "questionnaire https://minhelse.no/fhir/Questionnaire/wound-infection-followup|9.9"
            " is not published")):
        answers.questionnaire_of(case)


@pytest.mark.parametrize("not_a_resource", [[], "QuestionnaireResponse", None])
def test_what_is_not_a_resource_is_refused_and_nothing_stored(case, not_a_resource):
    with pytest.raises(answers.AnswerRefused):
        save(case, not_a_resource)
    assert table_rows(Answer) == []
