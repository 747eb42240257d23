"""QuestionnaireResponse: her answer to a wound follow-up, sent by an authorised client (an
app, helsenorge) or read back; one per case (``services.wound.answers``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.errors import FhirError
from citizen.fhir.ingest import allow_synthetic, domain_errors
from citizen.fhir.params import AnyOf, at, codes_of
from citizen.fhir.registry import Existing, ResourceHandler, SearchParam, Stored, register
from citizen.fhir.resources._wound import case_search_params
from services.actors import Actor
from services.wound import answers, states
from services.wound.fhir_response import (
    CHANNEL,
    case_named,
    is_final,
    response_query,
    to_questionnaire_response,
)
from services.wound.models import Answer, AnswerChannel, AnswerStatus, FollowUp


def _questionnaire(statement: sa.Select, values: list[str]) -> sa.Select:
    """``url`` or ``url|version``: every value given must hold (commas: any of them)."""
    for value in values:
        wanted = []
        for canonical in filter(None, value.split(",")):
            url, _, version = canonical.partition("|")
            wanted.append(sa.and_(FollowUp.questionnaire_url == url,
                                  FollowUp.questionnaire_version == version) if version
                          else FollowUp.questionnaire_url == url)
        statement = statement.where(sa.or_(sa.false(), *wanted))
    return statement


@register
class QuestionnaireResponseHandler(ResourceHandler):
    resource_type = "QuestionnaireResponse"
    model = Answer
    interactions = ("read", "search-type", "create")
    purpose = states.PURPOSE
    documentation = (
        "The patient's answer to the wound follow-up questionnaire, one per operation. "
        "questionnaire: the canonical of the case's version (url|version, or the url). "
        "subject: the patient by fødselsnummer or D-number, or Patient/<id>. partOf: the "
        "operation's Procedure, Procedure/<id> or {type: Procedure, identifier: "
        "{system, value}} with the hospital's identifier; it must be the subject's. "
        "status: completed (the answer, checked in full against the Questionnaire) or "
        "in-progress (a draft, replaced by the next one). The same completed answer again "
        "is 200 with the stored one; a different one after it is 409, as is an answer to "
        "a case that is not open (not yet, or closed). An answer that does not fit the "
        "Questionnaire is 422 naming each item. Create only: the stored answer is never "
        f"changed by a client. Written by us: {CHANNEL.url} (how it came), authored (when "
        "it was stored).")
    search_params = {
        **case_search_params("part-of"),
        "questionnaire": SearchParam("uri", "the Questionnaire's canonical url, or "
                                     "url|version", _questionnaire),
        "status": SearchParam("token", "completed, in-progress",
                              AnyOf(Answer.status, codes_of(AnswerStatus))),
        "authored": SearchParam("date", "when it was submitted (a draft: last saved; eq, "
                                "gt, lt, ge, le)",
                                at(sa.func.coalesce(Answer.submitted_at, Answer.saved_at))),
    }

    def base_query(self) -> sa.Select:
        return response_query()

    def last_updated(self) -> sa.ColumnElement:
        return Answer.saved_at

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_questionnaire_response(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int | Existing:
        with domain_errors():
            case = case_named(resource, allow_synthetic=allow_synthetic())
            final = is_final(resource)
        had_one = answers.answer_of(case.id) is not None
        try:
            saved = answers.save(case_id=case.id, response=resource, final=final,
                                 channel=AnswerChannel.FHIR, actor=actor)
        except (answers.AlreadyFinal, answers.NotOpen) as exc:
            raise FhirError(409, str(exc), code="conflict") from None
        except answers.AnswerRefused as exc:
            raise refusal(exc) from None
        return Existing(saved.answer.id) if had_one else saved.answer.id


def refusal(exc: answers.AnswerRefused) -> FhirError:
    """422 naming every item that does not fit (one issue; its expressions point at each)."""
    if not exc.problems:
        return FhirError(422, str(exc), code="processing")
    details = "; ".join(f"{p.expression}: {p.message}" for p in exc.problems)
    return FhirError(422, f"{exc}: {details}", code="processing",
                     expression=[p.expression for p in exc.problems])
