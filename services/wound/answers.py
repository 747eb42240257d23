"""Her answer to a follow-up case's questionnaire, however it comes (web form, helsenorge,
an app over FHIR, SMS, staff on the phone): one stored QuestionnaireResponse per case.

- A draft may be saved and replaced until the answer is final; it is checked as a draft
  (no required items).
- A final answer is checked in full, moves the case to *answered* and is audited. Sending
  the same final answer again is accepted as the same (a retry, a double click, helsenorge's
  redelivery); anything else after it is refused: a final answer is never overwritten.
- The case's questionnaire version is the only one accepted: an answer to another
  version, or to another questionnaire, is refused.
- A case that is closed, lost to follow-up, or not yet open takes no answer.

Concurrent saves for one case are serialised on the case's row (``FOR UPDATE``), so two
submissions never both become the final answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.fhir.mapping import instant
from services.fhir.problem import Problem
from services.fhir.questionnaire import questionnaire_matches, validate_response
from services.notify.later import notify_later
from services.wound import questionnaires, states, triage
from services.wound.events import ANSWER_RECEIVED
from services.wound.models import Answer, AnswerChannel, AnswerStatus, CaseState, FollowUp

#: States in which she may answer: invited, reminded, and late (a non-responder answering
#: after all, or staff filling it in on the phone).
OPEN = frozenset({CaseState.INVITED, CaseState.REMINDED, CaseState.NON_RESPONDER})
#: States after a final answer: a repeat of it is still recognised as the same.
ANSWERED = frozenset({CaseState.ANSWERED, CaseState.TRIAGED, CaseState.UNDER_REVIEW,
                      CaseState.AWAITING_INFORMATION, CaseState.CLASSIFIED, CaseState.CLOSED})
RESOURCE = "QuestionnaireResponse"


class AnswerRefused(ValueError):
    """The answer cannot be taken; ``problems`` say where, ``code`` what kind (the API's
    error code)."""

    code = "invalid-answer"

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class NotOpen(AnswerRefused):
    """The case takes no answer now (not open yet, closed, lost to follow-up)."""

    code = "not-open"


class AlreadyFinal(AnswerRefused):
    """A final answer is stored and this one differs from it."""

    code = "already-answered"


class WrongQuestionnaire(AnswerRefused):
    """The answer names another questionnaire, or another version of this one."""

    code = "wrong-questionnaire"


@dataclass(frozen=True)
class Saved:
    answer: Answer
    #: True when this call changed nothing: the same final answer was already stored.
    repeated: bool = False


def questionnaire_of(case: FollowUp) -> dict[str, Any]:
    """The questionnaire version the case was created with."""
    found = questionnaires.questionnaire(case.questionnaire_url, case.questionnaire_version)
    if found is None:  # a data file removed while cases still name it
        raise LookupError(f"questionnaire {canonical(case)} is not published")
    return found


def canonical(case: FollowUp) -> str:
    return f"{case.questionnaire_url}|{case.questionnaire_version}"


def answer_of(case_id: int) -> Answer | None:
    return db.session.scalar(sa.select(Answer).where(Answer.follow_up_id == case_id))


def save(*, case_id: int, response: dict[str, Any], final: bool, channel: AnswerChannel,
         actor: Actor, now: datetime | None = None) -> Saved:
    """Check ``response`` (a QuestionnaireResponse as a dict) against the case's
    questionnaire and store it as the case's draft or final answer.

    Raises :class:`AnswerRefused` (or one of its kinds) and stores nothing when it cannot
    be taken; :class:`LookupError` when there is no such case.
    """
    now = now or utcnow()
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.id == case_id)
                             .with_for_update())
    if case is None:
        raise LookupError("no such follow-up case")
    questionnaire = questionnaire_of(case)
    stored = answer_of(case.id)
    items = response.get("item", []) if isinstance(response, dict) else []
    digest = fingerprint(items)
    if stored is not None and stored.status is AnswerStatus.FINAL:
        if final and digest == stored.final_sha256:
            return Saved(stored, repeated=True)
        raise AlreadyFinal("this questionnaire is answered already")
    if case.state not in OPEN:
        raise NotOpen(f"the case takes no answer while {case.state.value}")
    if not questionnaire_matches(response, questionnaire):
        raise WrongQuestionnaire(f"this case is answered with {canonical(case)}", [Problem(
            "QuestionnaireResponse.questionnaire", f"expected {canonical(case)}", "value")])
    problems = validate_response(response, questionnaire, check_required=final)
    if problems:
        raise AnswerRefused("the answer does not fit the questionnaire", problems)
    created = stored is None
    if created:
        stored = Answer(follow_up_id=case.id)
        db.session.add(stored)
    stored.response = {"item": items}
    stored.channel = channel
    stored.answered_by = actor.ref
    stored.saved_at = now
    if final:
        stored.status = AnswerStatus.FINAL
        stored.submitted_at = now
        stored.final_sha256 = digest
        case.answered_at, case.answered_via = now, channel
        assessed = triage.assess(items)
        case.red_flags, case.triage_score = assessed.red_flags, assessed.score
        case.flagged = assessed.flagged
        states.move(case, CaseState.ANSWERED, actor=actor)  # its flush: one UPDATE of all
    db.session.flush()
    audit.record(actor=actor, action="create" if created else "update",
                 resource_type=RESOURCE, resource_id=str(stored.id),
                 subject_person_id=case.person_id, purpose=states.PURPOSE)
    if final:
        # A receipt of her own answer: decided by a worker, so her request waits for none
        # of the decision's reads (nor KRR's answer).
        notify_later(person_id=case.person_id, event=ANSWER_RECEIVED.name, context={},
                     actor=actor, key=f"wound-case:{case.id}:answered",
                     organisation_id=case.organisation_id)
    return Saved(stored)


def fingerprint(items: Any) -> str:
    """SHA-256 of the answer items' canonical JSON: the same answer, however it was sent."""
    text = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def as_resource(case: FollowUp, answer: Answer) -> dict[str, Any]:
    """The stored answer as a FHIR R4 QuestionnaireResponse."""
    return {"resourceType": RESOURCE, "id": str(answer.id),
            "meta": {"versionId": str(answer.version_id), "lastUpdated": instant(answer.saved_at)},
            "questionnaire": canonical(case), "status": answer.status.value,
            "authored": instant(answer.submitted_at or answer.saved_at),
            "item": answer.response.get("item", [])}
