"""Her follow-up cases as she sees them (the citizen's pages and API): the ones she has
been asked to answer, and the ones she has answered; each read audited.

What she sees of a case is hers to know: that the hospital asks, when, about which
operation (the day and the hospital), her answer and its receipt. Not staff's work on it:
triage, review and classification stay with staff, so a case she has answered is simply
*answered* to her, and one given up on (lost to follow-up, or the operation withdrawn after
she was asked) is *closed*. A case exists for her once she has been asked: one not yet
open (scheduled), or withdrawn before the invitation, is not shown (404): for her, it was
never asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import NORWAY
from services.db import db
from services.people.models import Organisation
from services.wound import catalogue
from services.wound.answers import OPEN, answer_of
from services.wound.models import (
    Answer,
    AnswerStatus,
    CaseState,
    FollowUp,
    Operation,
    Photo,
)
from services.wound.schedule import answer_by

PURPOSE = "self-service"
RESOURCE = "WoundFollowUp"


class Status(StrEnum):
    """Where a case stands, as she sees it."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class CaseNotFound(LookupError):
    """No such case of hers (or not one she is shown)."""


class NotAnswered(CaseNotFound):
    """Her case has no final answer (so no receipt) yet."""


@dataclass(frozen=True)
class Case:
    case: FollowUp
    operation: Operation
    hospital: Organisation
    answer: Answer | None
    photos: int

    @property
    def status(self) -> Status:
        if self.answer is not None and self.answer.status is AnswerStatus.FINAL:
            return Status.ANSWERED
        return Status.OPEN if self.case.state in OPEN else Status.CLOSED

    @property
    def is_open(self) -> bool:
        """She may answer it now (late too: a non-responder still may)."""
        return self.status is Status.OPEN

    @property
    def is_answered(self) -> bool:
        return self.status is Status.ANSWERED

    @property
    def has_draft(self) -> bool:
        return self.answer is not None and self.answer.status is AnswerStatus.DRAFT

    def operation_name(self, language: str) -> str:
        """The kind of operation in ``language`` (the catalogue's name), for her pages."""
        category = catalogue.load().by_key(self.operation.category)
        return category.name(language) if category else self.operation.category

    @property
    def operated_on(self) -> date:
        """The operation's day in Norway."""
        return self.operation.operated_on

    @property
    def answer_by(self) -> date:
        """The last day to answer in time (``schedule.answer_by``): after it, the hospital
        calls her (she may still answer)."""
        invited = self.case.invited_at
        return answer_by(invited_on=invited.astimezone(NORWAY).date() if invited
                         else self.case.due_on)

    @property
    def receipt_id(self) -> str | None:
        """What the receipt is known by: the answer's number and the start of its digest,
        so a receipt shown later can be checked against the answer stored."""
        if self.status is not Status.ANSWERED:
            return None
        return f"{self.answer.id}-{self.answer.final_sha256[:8].upper()}"


def _shown():
    """Cases she is shown: those she has been asked to answer (open, answered, given up
    on, or withdrawn after the invitation)."""
    return sa.and_(FollowUp.state != CaseState.SCHEDULED, sa.or_(
        FollowUp.state != CaseState.CLOSED, FollowUp.invited_at.is_not(None),
        FollowUp.answered_at.is_not(None)))


def cases_statement(*, person_id: int) -> sa.Select:
    """Her cases she is shown (for paging, newest due first)."""
    return sa.select(FollowUp).where(FollowUp.person_id == person_id, _shown())


def cases_for(*, person_id: int, cases: Sequence[FollowUp], actor: Actor) -> list[Case]:
    """``cases`` (a page of :func:`cases_statement`) with what she sees of each; the list
    is audited as one search."""
    found = _with_details(cases)
    audit.record(actor=actor, action="search", resource_type=RESOURCE,
                 subject_person_id=person_id, purpose=PURPOSE)
    return found


def cases_of(*, person_id: int, actor: Actor) -> list[Case]:
    """Her pages' list: the questionnaires open to her (the first to answer first), then
    those she has answered (the latest first); audited as one search."""
    found = cases_for(person_id=person_id, actor=actor, cases=db.session.scalars(
        cases_statement(person_id=person_id).order_by(FollowUp.due_on, FollowUp.id)).all())
    answered = sorted((c for c in found if c.is_answered),
                      key=lambda c: (c.answer.submitted_at, c.case.id), reverse=True)
    return [c for c in found if c.is_open] + answered


def case_of(*, case_id: int, person_id: int, actor: Actor) -> Case:
    """Her case ``case_id`` with its answer; audited. :class:`CaseNotFound` unless it is one
    of hers she is shown."""
    found = _with_details([own_case(case_id=case_id, person_id=person_id)])[0]
    audit.record(actor=actor, action="read", resource_type=RESOURCE, resource_id=case_id,
                 subject_person_id=person_id, purpose=PURPOSE)
    return found


def receipt_of(*, case_id: int, person_id: int, actor: Actor) -> Case:
    """Her case with its final answer, for the receipt; the answer's read is audited.
    :class:`NotAnswered` until the answer is final."""
    found = _with_details([own_case(case_id=case_id, person_id=person_id)])[0]
    if found.status is not Status.ANSWERED:
        raise NotAnswered("no final answer yet")
    audit.record(actor=actor, action="read", resource_type="QuestionnaireResponse",
                 resource_id=found.answer.id, subject_person_id=person_id, purpose=PURPOSE)
    return found


def own_case(*, case_id: int, person_id: int) -> FollowUp:
    """The case if it is one of hers she is shown (no audit: nothing of it is read);
    :class:`CaseNotFound` otherwise. For the views that then call a service on it."""
    case = db.session.scalar(cases_statement(person_id=person_id).where(
        FollowUp.id == case_id))
    if case is None:
        raise CaseNotFound("no such case")
    return case


def _with_details(cases: Sequence[FollowUp]) -> list[Case]:
    if not cases:
        return []
    ids = [case.id for case in cases]
    operations = {o.id: o for o in db.session.scalars(sa.select(Operation).where(
        Operation.id.in_({case.operation_id for case in cases})))}
    hospitals = {o.id: o for o in db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_({case.organisation_id for case in cases})))}
    answers = ({a.follow_up_id: a for a in db.session.scalars(
        sa.select(Answer).where(Answer.follow_up_id.in_(ids)))}
        if len(ids) > 1 else {ids[0]: answer_of(ids[0])})
    counts = dict(db.session.execute(
        sa.select(Photo.follow_up_id, sa.func.count()).where(
            Photo.follow_up_id.in_(ids)).group_by(Photo.follow_up_id)).all())
    return [Case(case=case, operation=operations[case.operation_id],
                 hospital=hospitals[case.organisation_id], answer=answers.get(case.id),
                 photos=counts.get(case.id, 0)) for case in cases]
