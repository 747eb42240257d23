"""Her follow-up cases as she (or someone acting for her) sees them: the questionnaires
open to her and those she has answered, each read audited.

A case not yet open (scheduled), closed without an answer (the operation withdrawn) or
lost to follow-up is not listed; asked for by id it is hers all the same, shown as a case
that takes no answer. Anyone else's case is :class:`CaseNotFound`, whatever its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services import audit
from services.actors import Actor
from services.clock import NORWAY
from services.db import db
from services.wound import catalogue
from services.wound.answers import OPEN, answer_of
from services.wound.models import Answer, AnswerStatus, FollowUp, Operation
from services.wound.schedule import answer_by

PURPOSE = "self-service"
RESOURCE = "WoundFollowUp"


class CaseNotFound(LookupError):
    """No such case of hers."""


@dataclass(frozen=True)
class HerCase:
    case: FollowUp
    #: Her stored answer (a draft or final), if any.
    answer: Answer | None

    @property
    def is_open(self) -> bool:
        """She may answer it now (late too: a non-responder still may)."""
        return self.case.state in OPEN and not self.is_answered

    @property
    def is_answered(self) -> bool:
        return self.answer is not None and self.answer.status is AnswerStatus.FINAL

    @property
    def has_draft(self) -> bool:
        return self.answer is not None and self.answer.status is AnswerStatus.DRAFT

    @property
    def answer_by(self) -> date | None:
        """The last day to answer in time; None before the invitation."""
        invited = self.case.invited_at
        return answer_by(invited_on=invited.astimezone(NORWAY).date()) if invited else None

    @property
    def operated_on(self) -> date:
        return self.case.operation.performed_at.astimezone(NORWAY).date()

    def operation_name(self, language: str) -> str:
        category = catalogue.load().by_key(self.case.operation.category)
        return category.name(language) if category else self.case.operation.category

    @property
    def hospital(self) -> str:
        return self.case.operation.organisation.name


def cases_of(*, person_id: int, actor: Actor) -> list[HerCase]:
    """Her open questionnaires (the first to answer first), then those she has answered
    (the latest first)."""
    found = db.session.scalars(_hers(person_id).order_by(FollowUp.due_on, FollowUp.id)).all()
    answers = {a.follow_up_id: a for a in db.session.scalars(sa.select(Answer).where(
        Answer.follow_up_id.in_([case.id for case in found])))} if found else {}
    audit.record(actor=actor, action="search", resource_type=RESOURCE,
                 subject_person_id=person_id, purpose=PURPOSE)
    mine = [HerCase(case, answers.get(case.id)) for case in found]
    answered = sorted((c for c in mine if c.is_answered),
                      key=lambda c: (c.answer.submitted_at, c.case.id), reverse=True)
    return [c for c in mine if c.is_open] + answered


def case_of(*, case_id: int, person_id: int, actor: Actor) -> HerCase:
    """One of her cases, whatever its state; :class:`CaseNotFound` for anyone else's."""
    case = db.session.scalar(_with_operation(sa.select(FollowUp)).where(
        FollowUp.id == case_id, FollowUp.person_id == person_id))
    if case is None:
        raise CaseNotFound("no such case")
    audit.record(actor=actor, action="read", resource_type=RESOURCE, resource_id=case.id,
                 subject_person_id=person_id, purpose=PURPOSE)
    return HerCase(case, answer_of(case.id))


def _hers(person_id: int) -> sa.Select:
    """Her cases that are open, or answered (whatever staff have done since)."""
    answered = sa.select(Answer.follow_up_id).where(Answer.status == AnswerStatus.FINAL)
    return _with_operation(sa.select(FollowUp)).where(
        FollowUp.person_id == person_id,
        sa.or_(FollowUp.state.in_(OPEN), FollowUp.id.in_(answered)))


def _with_operation(statement: sa.Select) -> sa.Select:
    return statement.options(joinedload(FollowUp.operation).joinedload(Operation.organisation))
