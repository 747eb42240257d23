"""Infection-control staff's worklist: the cases of their hospital in the order they are
worked, each with why it is where it is.

Order: flagged answers not yet classified (highest triage score first, then the oldest
answer), then the non-responders to call (longest without an answer first), then the rest
(answered, triaged, under review, awaiting information, classified), newest operation first,
and last the cases still waiting for her answer (invited, reminded). One query for the page
and one for the counts per state.

Reading the worklist is audited per patient shown (the page of at most ``limit`` entries,
one multi-row INSERT), as the ultrasound clinic's lists are: a name beside red flags is
health data. Cases not on the page are not audited: nobody saw them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import NORWAY, day_ends, day_starts, today_in_norway
from services.db import db
from services.people.models import Person
from services.wound import catalogue, questionnaires
from services.wound.answered import text_in
from services.wound.models import CaseState as S
from services.wound.models import FollowUp, Operation
from services.wound.staff import organisations_of
from services.wound.states import PURPOSE

#: What the worklist shows without a state filter: every case with work or an answer to come.
OPEN = frozenset(set(S) - {S.SCHEDULED, S.CLOSED, S.LOST})
#: States in which a flagged answer goes first: not yet classified, not waiting on others.
FLAGGED_STATES = frozenset({S.ANSWERED, S.TRIAGED, S.UNDER_REVIEW})
WAITING = frozenset({S.INVITED, S.REMINDED})
FLAGGED, TO_CALL, REST, WAITING_RANK = 0, 1, 2, 3
MAX_LIMIT = 200


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    #: The operation's Norwegian day, both ends included.
    operated_from: date | None = None
    operated_to: date | None = None
    unit_id: int | None = None
    state: S | None = None


@dataclass(frozen=True)
class Entry:
    case: FollowUp
    operation: Operation
    person: Person
    rank: int
    operated_on: date
    #: Days since the operation (the day of follow-up).
    day: int
    #: The questionnaire's texts of the answers that raised a red flag.
    red_flags: list[str]
    score: int | None
    #: Days since the invitation, for a case without an answer.
    days_without_answer: int | None

    @property
    def cursor(self) -> list[Any]:
        """The entry's place in the order (``after=`` of the next page)."""
        case = self.case
        moment = (case.answered_at if self.rank == FLAGGED else
                  case.invited_at or case.created_at if self.rank == TO_CALL else
                  self.operation.performed_at)
        return [self.rank, case.triage_score or 0, moment.isoformat(), case.id]

    def category_name(self, language: str) -> str:
        return catalogue.load().name_of(self.operation.category, language)


@dataclass(frozen=True)
class Worklist:
    entries: list[Entry]
    #: Cases per state under the filters (the state filter aside), open states only.
    counts: dict[S, int]
    #: Flagged answers waiting (the first group), under the same filters.
    flagged: int
    #: The cursor of the next page; None on the last.
    next: list[Any] | None


def _rank():
    return sa.case(
        (sa.and_(FollowUp.flagged, FollowUp.state.in_(FLAGGED_STATES)), FLAGGED),
        (FollowUp.state == S.NON_RESPONDER, TO_CALL),
        (FollowUp.state.in_(WAITING), WAITING_RANK), else_=REST)


def _filtered(statement: sa.Select, reach: set[int], filters: Filters) -> sa.Select:
    statement = statement.where(FollowUp.organisation_id.in_(reach))
    if filters.category:
        statement = statement.where(Operation.category == filters.category.upper())
    if filters.operated_from and (start := day_starts(filters.operated_from)):
        statement = statement.where(Operation.performed_at >= start)
    if filters.operated_to and (end := day_ends(filters.operated_to)):
        statement = statement.where(Operation.performed_at < end)
    if filters.unit_id is not None:
        statement = statement.where(Operation.unit_id == filters.unit_id)
    return statement


def worklist(*, actor: Actor, filters: Filters = Filters(), after: list[Any] | None = None,
             limit: int = 50, language: str = "nb") -> Worklist:
    """A page of the worklist of ``actor``'s hospital, audited per patient shown."""
    limit = max(1, min(limit, MAX_LIMIT))
    reach = organisations_of(actor)
    rank = _rank()
    score = sa.func.coalesce(FollowUp.triage_score, 0)
    waited = sa.func.coalesce(FollowUp.invited_at, FollowUp.created_at)
    ascending = sa.case((rank == FLAGGED, FollowUp.answered_at), (rank == TO_CALL, waited))
    descending = sa.case((rank >= REST, Operation.performed_at))
    by_score = sa.case((rank == FLAGGED, -score))
    # The page's places are found over narrow rows and only they are joined to their full
    # rows: sorting every open case's joined row (people's and operations' columns) was
    # most of the query's time.
    places = _filtered(
        sa.select(FollowUp.id, rank.label("rank"), by_score.label("by_score"),
                  ascending.label("ascending"), descending.label("descending"))
        .join(Operation, Operation.id == FollowUp.operation_id), reach, filters)
    places = places.where(FollowUp.state == filters.state if filters.state
                          else FollowUp.state.in_(OPEN))
    if after is not None:
        places = places.where(_after(after, rank, score, ascending, descending))
    places = places.order_by(rank, by_score, ascending.asc(), descending.desc(),
                             FollowUp.id).limit(limit + 1).subquery()
    rows = db.session.execute(
        sa.select(FollowUp, Operation, Person, places.c.rank)
        .join(places, places.c.id == FollowUp.id)
        .join(Operation, Operation.id == FollowUp.operation_id)
        .join(Person, Person.id == FollowUp.person_id)
        .order_by(places.c.rank, places.c.by_score, places.c.ascending.asc(),
                  places.c.descending.desc(), FollowUp.id)).all()
    more = len(rows) > limit
    today = today_in_norway()
    entries = [_entry(case, operation, person, rank_of, today, language)
               for case, operation, person, rank_of in rows[:limit]]
    audit.record_many(actor=actor, action="read", resource_type="WoundFollowUp",
                      accesses=[(e.case.id, e.person.id) for e in entries], purpose=PURPOSE)
    counts, flagged = _counts(reach, filters)
    return Worklist(entries, counts, flagged, entries[-1].cursor if more else None)


def _after(after: list[Any], rank, score, ascending, descending):
    """Rows after the cursor ``[rank, score, moment, id]`` in the worklist's order."""
    last_rank, last_score, moment, last_id = after
    moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("a moment without its offset")
    same = FollowUp.id > last_id
    if last_rank == FLAGGED:
        within = sa.or_(score < last_score, sa.and_(score == last_score, sa.or_(
            ascending > moment, sa.and_(ascending == moment, same))))
    elif last_rank == TO_CALL:
        within = sa.or_(ascending > moment, sa.and_(ascending == moment, same))
    else:
        within = sa.or_(descending < moment, sa.and_(descending == moment, same))
    return sa.or_(rank > last_rank, sa.and_(rank == last_rank, within))


def _counts(reach: set[int], filters: Filters) -> tuple[dict[S, int], int]:
    flagged = sa.func.sum(sa.case((sa.and_(FollowUp.flagged,
                                           FollowUp.state.in_(FLAGGED_STATES)), 1), else_=0))
    statement = sa.select(FollowUp.state, sa.func.count(), flagged).where(
        FollowUp.state.in_(OPEN)).group_by(FollowUp.state)
    if filters.category or filters.operated_from or filters.operated_to or filters.unit_id:
        statement = statement.join(Operation, Operation.id == FollowUp.operation_id)
    counts, total_flagged = {}, 0
    for state, count, flagged_count in db.session.execute(_filtered(statement, reach, filters)):
        counts[S(state)] = count
        total_flagged += flagged_count or 0
    return counts, total_flagged


def _entry(case: FollowUp, operation: Operation, person: Person, rank: int, today: date,
           language: str) -> Entry:
    operated_on = operation.operated_on
    waiting = case.invited_at is not None and case.answered_at is None
    return Entry(case=case, operation=operation, person=person, rank=rank,
                 operated_on=operated_on, day=(today - operated_on).days,
                 red_flags=red_flag_texts(case, language), score=case.triage_score,
                 days_without_answer=(today - case.invited_at.astimezone(NORWAY).date()).days
                 if waiting else None)


def red_flag_texts(case: FollowUp, language: str) -> list[str]:
    """The questionnaire's own texts of the case's red flags (a linkId it lacks as itself)."""
    texts = _texts(case.questionnaire_url, case.questionnaire_version, language)
    return [texts.get(link, link) for link in case.red_flags or []]


@cache
def _texts(url: str, version: str, language: str) -> dict[str, str]:
    found = questionnaires.questionnaire(url, version) or {}
    return {item["linkId"]: text_in(item, "text", language) or item["linkId"]
            for item in questionnaires.items(found)}


def home_counts(*, actor: Actor) -> dict[str, int]:
    """What the staff home says: flagged answers, patients to call, cases under review and
    cases awaiting information."""
    counts, flagged = _counts(organisations_of(actor), Filters())
    return {"flagged": flagged, "to_call": counts.get(S.NON_RESPONDER, 0),
            "in_review": counts.get(S.UNDER_REVIEW, 0),
            "awaiting_information": counts.get(S.AWAITING_INFORMATION, 0)}
