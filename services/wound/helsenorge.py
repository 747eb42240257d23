"""The questionnaire through helsenorge.no: a form task out when the case is invited, her
answer back as a message.

Out: a FHIR ``Task`` (helsenorge's skjemaoppgave, message function ``SKJEMA_OPPGAVE``)
whose ``focus`` is the case's Questionnaire (``url|version``), ``for`` the patient by
identity number and ``reasonReference`` the operation's Procedure by the hospital's
identifier. ``meta.security`` carries the v3 Confidentiality label: R (restricted) when
the sender is sensitive, so helsenorge's notices name no sender (and ``requester`` has no
name), else N; and helsenorge's Tjenesteområde (Volven 7618) where it is configured. The
outbox row holds only the case id: the task is built when it is sent, with the identity
number read from the vault then, and not at all once the case takes no answer.

When she stops being asked (she answered on another channel, the hospital withdrew the
operation, staff gave up on her), the task that went out is taken back: the same Task
(same identifier and CorrelationId) again, ``completed`` when she answered elsewhere and
``cancelled`` otherwise, so helsenorge no longer shows her a form nobody waits for. Our
notes on helsenorge describe sending a form task, not withdrawing one; a Task with a
final status under the task's own identifier is FHIR's update of it. Nothing is sent when
she answered on helsenorge (it closed the task itself) or the task never left.

In: ``SKJEMA_SVAR`` carrying the QuestionnaireResponse. helsenorge delivers only what she
submitted (Refero sends ``in-progress`` on submit), so it is her final answer. The case is
the one the response's ``partOf`` names, else the one our task's CorrelationId
(``wound-form-<case id>``) names; its ``subject`` must be the case's patient. A
redelivery is handled once by the gateway, and a repeat of the same answer under another
CorrelationId is recognised as the same; anything refused is answered 422 and kept
nowhere, so helsenorge is told and may send it again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from services.actors import Actor
from services.db import db
from services.fhir.mapping import MappingError, instant, resource_id
from services.helsenorge.envelope import Envelope
from services.helsenorge.service import RefusedMessage, deliver_envelope, inbound_handler
from services.notify.content import sender_name
from services.outbox import NewMessage, PermanentFailure, enqueue, enqueue_many, sender
from services.outbox.models import OutboxMessage, OutboxStatus
from services.people.fhir import national_identifier
from services.people.lookups import ORG_NUMBER_SYSTEM
from services.people.models import Organisation, Person
from services.wound import answers
from services.wound.config import channel_settings
from services.wound.fhir_response import NO_CASE, is_subject, operation_named
from services.wound.models import AnswerChannel, FollowUp
from services.wound.states import when_asking_ends

CHANNEL = "helsenorge-wound-form"
END_CHANNEL = "helsenorge-wound-form-end"
TASK_FUNCTION = "SKJEMA_OPPGAVE"
ANSWER_FUNCTION = "SKJEMA_SVAR"
CONTENT_TYPE = "application/fhir+json"
ACTOR = Actor.system("helsenorge")
#: The task's identifier: our follow-up case.
FOLLOW_UP_SYSTEM = "https://minhelse.no/fhir/NamingSystem/wound-follow-up"
SERVICE_AREA_SYSTEM = "urn:oid:2.16.578.1.12.4.1.1.7618"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_CORRELATION_PREFIX = "wound-form-"


def queue_form_tasks(cases: Sequence[FollowUp]) -> None:
    """Queue each case's form task for helsenorge (once per case; sent after the commit)."""
    enqueue_many([NewMessage(channel=CHANNEL, dedupe_key=_task_key(case),
                             payload={"case_id": case.id}) for case in cases])


def _task_key(case: FollowUp) -> str:
    return f"wound-case:{case.id}:helsenorge-task"


@when_asking_ends
def _take_the_task_back(case: FollowUp) -> None:
    if case.answered_via is AnswerChannel.HELSENORGE:
        return
    task = db.session.scalar(sa.select(OutboxMessage.status).where(
        OutboxMessage.dedupe_key == _task_key(case)))
    # A task still pending never leaves now (its sender refuses a case that takes no
    # answer); one being sent may have.
    if task in (OutboxStatus.SENT, OutboxStatus.SENDING):
        enqueue(channel=END_CHANNEL, dedupe_key=f"{_task_key(case)}-end",
                payload={"case_id": case.id})


def ended_status(case: FollowUp) -> str:
    """The task's final status: completed when she answered (elsewhere), else cancelled."""
    return "completed" if case.answered_at is not None else "cancelled"


def correlation_id(case: FollowUp) -> str:
    return f"{_CORRELATION_PREFIX}{case.id}"


def form_task(case: FollowUp) -> dict[str, Any]:
    """The skjemaoppgave for ``case``, as helsenorge takes it."""
    person = db.session.get(Person, case.person_id)
    hospital = db.session.get(Organisation, case.organisation_id)
    named = sender_name(hospital)
    security = [{"system": CONFIDENTIALITY_SYSTEM, "code": "N" if named else "R"}]
    if channel_settings().helsenorge_service_area:
        security.append({"system": SERVICE_AREA_SYSTEM,
                         "code": channel_settings().helsenorge_service_area})
    requester: dict[str, Any] = {"type": "Organization", "identifier": {
        "system": ORG_NUMBER_SYSTEM, "value": hospital.org_number}}
    if named:
        requester["display"] = named
    operation = case.operation
    return {
        "resourceType": "Task", "meta": {"security": security},
        "identifier": [{"system": FOLLOW_UP_SYSTEM, "value": str(case.id)}],
        "status": "requested", "intent": "order",
        "focus": {"type": "Questionnaire", "reference": answers.canonical(case)},
        "for": {"type": "Patient", "identifier": national_identifier(person)},
        "authoredOn": instant(case.invited_at or case.created_at),
        "requester": requester,
        "reasonReference": {"type": "Procedure", "identifier": {
            "system": operation.identifier_system, "value": operation.identifier_value}},
    }


@sender(CHANNEL)
def _deliver(payload: dict[str, Any], message_id: int) -> str:
    case = db.session.get(FollowUp, payload["case_id"])
    if case is None:
        raise PermanentFailure("the follow-up case is gone")
    if case.state not in answers.OPEN:
        raise PermanentFailure(f"the case takes no answer while {case.state.value}")
    return deliver_envelope(message_function=TASK_FUNCTION,
                            payload=json.dumps(form_task(case), ensure_ascii=False),
                            correlation_id=correlation_id(case), content_type=CONTENT_TYPE,
                            outbox_message_id=message_id)


@sender(END_CHANNEL)
def _deliver_end(payload: dict[str, Any], message_id: int) -> str:
    case = db.session.get(FollowUp, payload["case_id"])
    if case is None:
        raise PermanentFailure("the follow-up case is gone")
    task = form_task(case) | {"status": ended_status(case)}
    return deliver_envelope(message_function=TASK_FUNCTION,
                            payload=json.dumps(task, ensure_ascii=False),
                            correlation_id=correlation_id(case), content_type=CONTENT_TYPE,
                            outbox_message_id=message_id)


@inbound_handler(ANSWER_FUNCTION)
def receive_answer(envelope: Envelope) -> None:
    """Store the answer in ``envelope`` as the final answer of the case it names."""
    resource = _response_in(envelope)
    case = _case_of(resource, envelope)
    person = db.session.get(Person, case.person_id)
    if not is_subject(resource.get("subject"), person):
        raise RefusedMessage(f"QuestionnaireResponse.subject: {NO_CASE}")
    try:
        answers.save(case_id=case.id, response=resource, final=True,
                     channel=AnswerChannel.HELSENORGE, actor=ACTOR)
    except answers.AnswerRefused as exc:
        details = "; ".join(f"{p.expression}: {p.message}" for p in exc.problems)
        raise RefusedMessage(f"{exc}: {details}" if details else str(exc)) from None


def _response_in(envelope: Envelope) -> dict[str, Any]:
    try:
        resource = json.loads(envelope.payload)
    except ValueError:
        raise RefusedMessage("the payload is not JSON") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise RefusedMessage("the payload is not a QuestionnaireResponse")
    if resource.get("status") not in ("completed", "in-progress"):
        raise RefusedMessage("QuestionnaireResponse.status: a submitted answer is completed "
                             "(or in-progress, as Refero sends it)")
    return resource


def _case_of(resource: dict[str, Any], envelope: Envelope) -> FollowUp:
    """The case ``partOf`` names, else the one of our task's CorrelationId."""
    case = None
    if resource.get("partOf") is not None:
        try:
            operation_id = operation_named(resource["partOf"])
        except MappingError as exc:
            raise RefusedMessage(f"{exc.expression}: {exc}") from None
        if operation_id is not None:
            case = db.session.scalar(sa.select(FollowUp).where(
                FollowUp.operation_id == operation_id))
    elif envelope.correlation_id.startswith(_CORRELATION_PREFIX):
        case_id = resource_id(envelope.correlation_id.removeprefix(_CORRELATION_PREFIX))
        case = db.session.get(FollowUp, case_id) if case_id is not None else None
    if case is None:
        raise RefusedMessage(f"QuestionnaireResponse.partOf: {NO_CASE}")
    return case
