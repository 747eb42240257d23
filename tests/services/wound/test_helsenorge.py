"""The questionnaire through helsenorge, over the real protocol against its HTTP queue
stand-in: a form task out when the case is invited, her answer back as a signed message;
redelivery handled once, every refusal a 422 that keeps nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.helsenorge.envelope import Envelope
from services.helsenorge.models import InboundMessage
from services.helsenorge.service import signature_for
from services.outbox.models import OutboxMessage
from services.outbox.tasks import deliver
from services.people.identity import FNR_SYSTEM
from services.people.service import national_id_of
from services.wound import answers, helsenorge, states
from services.wound.config import set_channel_settings
from services.wound.invitations import take_due_steps
from services.wound.models import Answer, AnswerChannel, AnswerStatus, CaseState, FollowUp
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person
from tests.services.test_helsenorge import queue_server  # noqa: F401  (a fixture)
from tests.services.wound.answering import CANONICAL, response
from tests.services.wound.factories import make_case

#: 10:00 in Oslo on the due day (1 April 2026).
INVITED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    person = make_person(given_name="Ola", family_name="Hansen")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


@pytest.fixture
def invited(patient, hospital, notify_rules):
    """A case invited by the due job, its task on the outbox."""
    case = make_case(patient, hospital)
    take_due_steps(now=INVITED)
    db.session.commit()
    return case


def task_messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.channel == helsenorge.CHANNEL)))


def taken_off_the_queue(server) -> Envelope:
    """helsenorge's side: take our message off its queue, as the HTTP transport does."""
    got = requests.get(f"{server.url}/helsenorge-in", timeout=5)
    assert got.status_code == 200
    return Envelope.from_xml(got.content)


def test_the_invitation_sends_the_form_task_built_when_it_leaves(invited, patient,
                                                                 queue_server):  # noqa: F811
    [message] = task_messages()
    assert message.payload == {"case_id": invited.id}
    assert national_id_of(patient) not in json.dumps(message.payload)
    assert deliver.run(message.id) == "sent"

    envelope = taken_off_the_queue(queue_server)
    assert envelope.message_function == "SKJEMA_OPPGAVE"
    assert envelope.content_type == "application/fhir+json"
    assert envelope.correlation_id == f"wound-form-{invited.id}"
    task = json.loads(envelope.payload)
    assert (task["resourceType"], task["status"], task["intent"]) == ("Task", "requested",
                                                                     "order")
    assert task["focus"] == {"type": "Questionnaire", "reference": CANONICAL}
    assert task["for"]["identifier"] == {"system": FNR_SYSTEM,
                                         "value": national_id_of(patient)}
    assert task["identifier"] == [{"system": helsenorge.FOLLOW_UP_SYSTEM,
                                   "value": str(invited.id)}]
    assert task["meta"]["security"] == [{"system": helsenorge.CONFIDENTIALITY_SYSTEM,
                                         "code": "N"}]
    assert task["requester"]["display"] == "St. Olavs hospital"
    assert task["reasonReference"]["identifier"]["value"] == (
        invited.operation.identifier_value)
    assert task["authoredOn"] == "2026-04-01T08:00:00Z"


def test_running_the_job_again_queues_no_second_task(invited):
    take_due_steps(now=INVITED)
    db.session.commit()
    assert len(task_messages()) == 1


def test_a_sensitive_sender_is_labelled_restricted_and_not_named(patient, hospital,
                                                                 notify_rules, queue_server):  # noqa: F811
    hospital.name_is_sensitive = True
    set_channel_settings(helsenorge_service_area="E7")
    try:
        make_case(patient, hospital)
        take_due_steps(now=INVITED)
        db.session.commit()
        [message] = task_messages()
        deliver.run(message.id)
    finally:
        set_channel_settings(helsenorge_service_area=None)
    task = json.loads(taken_off_the_queue(queue_server).payload)
    assert task["meta"]["security"] == [
        {"system": helsenorge.CONFIDENTIALITY_SYSTEM, "code": "R"},
        {"system": "urn:oid:2.16.578.1.12.4.1.1.7618", "code": "E7"}]
    assert "display" not in task["requester"]
    assert "St. Olavs" not in json.dumps(task)


def test_a_muted_case_sends_no_task(patient, hospital, notify_rules):
    make_case(patient, hospital, muted_reason="readmitted")
    take_due_steps(now=INVITED)
    db.session.commit()
    assert task_messages() == []


def test_a_case_answered_before_the_task_leaves_sends_nothing(invited, queue_server):  # noqa: F811
    case = db.session.get(FollowUp, invited.id)
    case.state = CaseState.ANSWERED
    db.session.commit()
    [message] = task_messages()
    assert deliver.run(message.id) == "dead"
    assert not queue_server.queues["helsenorge-in"]


# -- taking the task back -------------------------------------------------------------


def end_messages() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.channel == helsenorge.END_CHANNEL)))


def sent_task(case, server) -> dict:
    [message] = task_messages()
    assert deliver.run(message.id) == "sent"
    return json.loads(taken_off_the_queue(server).payload)


def test_an_answer_on_another_channel_completes_the_task(invited, patient, queue_server):  # noqa: F811
    asked = sent_task(invited, queue_server)
    answers.save(case_id=invited.id, response=response(), final=True,
                 channel=AnswerChannel.WEB, actor=Actor.person(patient.id))
    db.session.commit()

    [message] = end_messages()
    assert message.payload == {"case_id": invited.id}
    assert deliver.run(message.id) == "sent"
    envelope = taken_off_the_queue(queue_server)
    task = json.loads(envelope.payload)
    assert envelope.message_function == "SKJEMA_OPPGAVE"
    assert envelope.correlation_id == f"wound-form-{invited.id}"
    assert task["status"] == "completed"
    assert {k: v for k, v in task.items() if k != "status"} == {
        k: v for k, v in asked.items() if k != "status"}


@pytest.mark.parametrize("to", [CaseState.CLOSED, CaseState.NON_RESPONDER])
def test_a_withdrawal_or_giving_up_cancels_the_task(invited, queue_server, to):  # noqa: F811
    sent_task(invited, queue_server)
    case = db.session.get(FollowUp, invited.id)
    states.move(case, to, actor=helsenorge.ACTOR)
    db.session.commit()
    if to is CaseState.NON_RESPONDER:  # still asked: she may answer late
        assert end_messages() == []
        states.move(case, CaseState.LOST, actor=helsenorge.ACTOR)
        db.session.commit()
    [message] = end_messages()
    assert deliver.run(message.id) == "sent"
    assert json.loads(taken_off_the_queue(queue_server).payload)["status"] == "cancelled"


def test_an_answer_on_helsenorge_needs_no_taking_back(invited, patient, queue_server):  # noqa: F811
    sent_task(invited, queue_server)
    answers.save(case_id=invited.id, response=response(), final=True,
                 channel=AnswerChannel.HELSENORGE, actor=helsenorge.ACTOR)
    db.session.commit()
    assert end_messages() == []


def test_a_task_that_never_left_is_not_taken_back(invited, queue_server):  # noqa: F811
    case = db.session.get(FollowUp, invited.id)
    states.move(case, CaseState.CLOSED, actor=helsenorge.ACTOR)
    db.session.commit()
    assert end_messages() == []
    [message] = task_messages()
    assert deliver.run(message.id) == "dead"
    assert not queue_server.queues["helsenorge-in"]


# -- the answer coming back ------------------------------------------------------------


def refero_answer(patient, **answers) -> dict:
    """What helsenorge's Refero submits: status in-progress, the canonical without its
    version, the patient by identity number, and no partOf."""
    resource = response(**answers)
    resource.update(status="in-progress",
                    questionnaire=CANONICAL.split("|")[0],
                    subject={"identifier": {"system": FNR_SYSTEM,
                                            "value": national_id_of(patient)}})
    return resource


def answer_message(resource, correlation_id: str, *, payload: str | None = None) -> bytes:
    return Envelope(message_function="SKJEMA_SVAR", from_her_id="8142519",
                    to_her_id="8142987", message_id=str(uuid.uuid4()),
                    correlation_id=correlation_id,
                    payload=payload if payload is not None else json.dumps(resource)).to_xml()


def post(client, body: bytes):
    return client.post("/helsenorge/messages", data=body, headers={
        "Content-Type": "application/xml", "X-Helsenorge-Signature": signature_for(body)})


def creates_audited(case) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "QuestionnaireResponse", AuditEvent.action == "create",
        AuditEvent.subject_person_id == case.person_id))


def test_round_trip_task_out_answer_back_and_a_redelivery_is_handled_once(
        client, invited, patient, queue_server):  # noqa: F811
    [message] = task_messages()
    deliver.run(message.id)
    ours = taken_off_the_queue(queue_server)
    body = answer_message(refero_answer(patient, signs={"redness": "a-little"}),
                          ours.correlation_id)

    accepted = post(client, body)
    assert accepted.status_code == 202, accepted.json
    [answer] = table_rows(Answer)
    assert (answer.status, answer.channel, answer.answered_by) == (
        AnswerStatus.FINAL, AnswerChannel.HELSENORGE, "system:helsenorge")
    assert answer.response["item"][0]["item"][0]["answer"][0]["valueCoding"]["code"] == (
        "a-little")
    case = db.session.get(FollowUp, invited.id)
    assert (case.state, case.answered_via) == (CaseState.ANSWERED, AnswerChannel.HELSENORGE)

    again = post(client, body)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert len(table_rows(Answer)) == 1 and creates_audited(case) == 1


def test_the_same_answer_under_another_correlation_naming_the_operation_is_the_same(
        client, invited, patient):
    operation = invited.operation
    resource = refero_answer(patient)
    assert post(client, answer_message(resource, f"wound-form-{invited.id}")).status_code == 202
    resource["partOf"] = [{"type": "Procedure", "identifier": {
        "system": operation.identifier_system, "value": operation.identifier_value}}]
    assert post(client, answer_message(resource, "helsenorge-resend-1")).status_code == 202
    assert len(table_rows(Answer)) == 1 and creates_audited(invited) == 1

    different = refero_answer(patient, fever=True)
    different["partOf"] = resource["partOf"]
    refused = post(client, answer_message(different, "helsenorge-resend-2"))
    assert refused.status_code == 422
    assert "answered already" in refused.json["detail"]
    [answer] = table_rows(Answer)
    assert answer.response["item"][0]["item"][8]["answer"] == [{"valueBoolean": False}]
    assert {m.correlation_id for m in table_rows(InboundMessage)} == {
        f"wound-form-{invited.id}", "helsenorge-resend-1"}


def _refused(client, body: bytes, words: str):
    refused = post(client, body)
    assert refused.status_code == 422, refused.json
    assert refused.mimetype == "application/problem+json"
    assert words in refused.json["detail"]
    assert table_rows(Answer) == [] and table_rows(InboundMessage) == []
    again = post(client, body)  # nothing was kept: a redelivery is refused alike
    assert again.status_code == 422 and table_rows(InboundMessage) == []


def test_an_unknown_case_is_refused(client, invited, patient):
    _refused(client, answer_message(refero_answer(patient), "wound-form-999999"),
             "no follow-up")
    _refused(client, answer_message(refero_answer(patient), "wound-form-99999999999999999"),
             "no follow-up")
    _refused(client, answer_message(refero_answer(patient), "someone-elses-task"),
             "no follow-up")


def test_an_answer_naming_another_patient_is_refused(client, invited, hospital):
    someone_else = make_person(given_name="Kari")
    _refused(client, answer_message(refero_answer(someone_else), f"wound-form-{invited.id}"),
             "QuestionnaireResponse.subject")
    assert db.session.get(FollowUp, invited.id).state is CaseState.INVITED


def test_another_patients_operation_is_refused(client, invited, patient, hospital):
    theirs = make_case(make_person(given_name="Kari"), hospital, state=CaseState.INVITED)
    resource = refero_answer(patient)
    resource["partOf"] = [{"reference": f"Procedure/{theirs.operation_id}"}]
    _refused(client, answer_message(resource, "c-1"), "QuestionnaireResponse.subject")
    assert db.session.get(FollowUp, theirs.id).state is CaseState.INVITED


@pytest.mark.parametrize(("payload", "words"), [
    ("not json", "not JSON"),
    ('{"resourceType": "Task"}', "not a QuestionnaireResponse"),
    ("[]", "not a QuestionnaireResponse"),
])
def test_a_payload_that_is_no_answer_is_refused(client, invited, payload, words):
    _refused(client, answer_message(None, f"wound-form-{invited.id}", payload=payload), words)


@pytest.mark.parametrize(("change", "words"), [
    (lambda r: r["item"][0]["item"].append({"linkId": "mood", "answer": [
        {"valueBoolean": True}]}), "'mood' is not an item"),
    (lambda r: r["item"].pop(1), "'care' is required"),
    (lambda r: r.update(questionnaire=CANONICAL.replace("1.0", "0.9")), "1.0"),
    (lambda r: r.update(status="entered-in-error"), "status"),
    (lambda r: r.update(partOf=[{"reference": "Observation/1"}]), "name the operation"),
])
def test_an_answer_that_does_not_fit_is_refused_naming_it(client, invited, patient, change,
                                                          words):
    resource = refero_answer(patient)
    change(resource)
    _refused(client, answer_message(resource, f"wound-form-{invited.id}"), words)
    assert db.session.get(FollowUp, invited.id).state is CaseState.INVITED
