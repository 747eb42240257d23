"""Infection-control staff's worklist: the cases of their hospital in the order they are
worked, each with why it is where it is.

Order: flagged answers not yet classified (highest triage score first, then the oldest
answer), then the non-responders to call (longest without an answer first), then the rest
(answered, triaged, under review, awaiting information, classified), newest operation first,
and last the cases still waiting for her answer (invited, reminded). A query per group
until the page is full, one for the page's rows and one for the counts per state.

Reading the worklist is audited per patient shown (the page of at most ``limit`` entries,
one multi-row INSERT), as the ultrasound clinic's lists are: a name beside red flags is
health data. Cases not on the page are not audited: nobody saw them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

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


class ListedCase(NamedTuple):
    """What an entry shows of its case: the columns, not the ORM object (loading 150
    objects of every column with their identity map was ~1.1 ms of CPU a page)."""
    id: int
    person_id: int
    state: S
    version_id: int
    invited_at: datetime | None
    answered_at: datetime | None
    triage_score: int | None
    red_flags: list[str] | None
    questionnaire_url: str
    questionnaire_version: str


class ListedOperation(NamedTuple):
    category: str
    performed_at: datetime

    operated_on = Operation.operated_on


class ListedPerson(NamedTuple):
    """What ``person_label`` needs: the name, or the birth date without one."""
    id: int
    given_name: str
    family_name: str
    birth_date: date

    name = Person.name


#: The page's rows by case id: the columns of the three, in the order of the tuples above.
_ROWS = (sa.select(*(getattr(FollowUp, name) for name in ListedCase._fields),
                   *(getattr(Operation, name) for name in ListedOperation._fields),
                   *(getattr(Person, name) for name in ListedPerson._fields))
         .join(Operation, Operation.id == FollowUp.operation_id)
         .join(Person, Person.id == FollowUp.person_id)
         .where(FollowUp.id.in_(sa.bindparam("ids", expanding=True))))
_CASE, _OPERATION = len(ListedCase._fields), len(ListedCase._fields) + len(
    ListedOperation._fields)


@dataclass(frozen=True)
class Entry:
    case: ListedCase
    operation: ListedOperation
    person: ListedPerson
    rank: int
    operated_on: date
    #: Days since the operation (the day of follow-up).
    day: int
    #: The questionnaire's texts of the answers that raised a red flag.
    red_flags: list[str]
    score: int | None
    #: Days since the invitation, for a case without an answer.
    days_without_answer: int | None

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


_flagged = sa.and_(FollowUp.flagged, FollowUp.state.in_(FLAGGED_STATES))
_score = sa.func.coalesce(FollowUp.triage_score, 0)
_waited = sa.func.coalesce(FollowUp.invited_at, FollowUp.created_at)


@dataclass(frozen=True)
class _Group:
    """One group of the worklist: which cases, and their order within it (then by id)."""
    rank: int
    where: sa.ColumnElement[bool]
    #: The moment the group is ordered by (after the score, for flagged answers).
    moment: sa.ColumnElement[datetime]
    newest_first: bool = False
    by_score: bool = False

    @property
    def needs_operation(self) -> bool:
        return self.moment is Operation.performed_at

    def order(self) -> tuple:
        return ((_score.desc(),) if self.by_score else ()) + (
            self.moment.desc() if self.newest_first else self.moment.asc(), FollowUp.id)

    def after(self, score: int, moment: datetime, case_id: int) -> sa.ColumnElement[bool]:
        """Cases after ``[score, moment, case_id]`` in this group's order."""
        later = self.moment < moment if self.newest_first else self.moment > moment
        within = sa.or_(later, sa.and_(self.moment == moment, FollowUp.id > case_id))
        if not self.by_score:
            return within
        return sa.or_(_score < score, sa.and_(_score == score, within))


#: The groups in the order they are worked; each case is in exactly one.
GROUPS = (
    _Group(FLAGGED, _flagged, FollowUp.answered_at, by_score=True),
    _Group(TO_CALL, FollowUp.state == S.NON_RESPONDER, _waited),
    _Group(REST, sa.and_(sa.not_(_flagged), FollowUp.state.not_in(WAITING | {S.NON_RESPONDER})),
           Operation.performed_at, newest_first=True),
    _Group(WAITING_RANK, FollowUp.state.in_(WAITING), Operation.performed_at,
           newest_first=True),
)


def _bounds(reach: set[int], filters: Filters) -> dict[str, Any]:
    """The filters' values as the statements bind them; a filter without a value (none
    given, or the calendar's first or last day) is not in the statement at all."""
    values: dict[str, Any] = {"reach": sorted(reach)}
    if filters.category:
        values["category"] = filters.category.upper()
    if filters.operated_from and (start := day_starts(filters.operated_from)):
        values["start"] = start
    if filters.operated_to and (end := day_ends(filters.operated_to)):
        values["end"] = end
    if filters.unit_id is not None:
        values["unit_id"] = filters.unit_id
    return values


_ON_OPERATION = {"category": Operation.category.__eq__,
                 "start": Operation.performed_at.__ge__,
                 "end": Operation.performed_at.__lt__,
                 "unit_id": Operation.unit_id.__eq__}


def _filtered(statement: sa.Select, bound: frozenset[str]) -> sa.Select:
    """``statement`` within the reach and the filters named in ``bound`` (of ``_bounds``)."""
    statement = statement.where(FollowUp.organisation_id.in_(
        sa.bindparam("reach", expanding=True)))
    for name, condition in _ON_OPERATION.items():
        if name in bound:
            statement = statement.where(condition(sa.bindparam(name)))
    return statement


def _on_operation(bound: frozenset[str]) -> bool:
    return not bound.isdisjoint(_ON_OPERATION)


# The statements are built once for each shape (the group, which filters are given, a
# state or the open ones, a cursor in this group) with every value bound: building a
# Select and its cache key per request was ~0.5 ms of a page's CPU.
@cache
def _place_statement(index: int, bound: frozenset[str], one_state: bool,
                     after: bool) -> sa.Select:
    group = GROUPS[index]
    statement = sa.select(_score, group.moment, FollowUp.id).where(
        group.where, FollowUp.state == sa.bindparam("state") if one_state
        else FollowUp.state.in_(OPEN))
    if group.needs_operation or _on_operation(bound):
        statement = statement.join(Operation, Operation.id == FollowUp.operation_id)
    if after:
        statement = statement.where(group.after(sa.bindparam("after_score"),
                                                sa.bindparam("after_moment"),
                                                sa.bindparam("after_id")))
    return _filtered(statement, bound).order_by(*group.order()).limit(
        sa.bindparam("limit", type_=sa.Integer))


@cache
def _counts_statement(bound: frozenset[str]) -> sa.Select:
    flagged = sa.func.sum(sa.case((sa.and_(FollowUp.flagged,
                                           FollowUp.state.in_(FLAGGED_STATES)), 1), else_=0))
    statement = sa.select(FollowUp.state, sa.func.count(), flagged).where(
        FollowUp.state.in_(OPEN))
    if _on_operation(bound):
        statement = statement.join(Operation, Operation.id == FollowUp.operation_id)
    return _filtered(statement, bound).group_by(FollowUp.state)


def worklist(*, actor: Actor, filters: Filters = Filters(), after: list[Any] | None = None,
             limit: int = 50, language: str = "nb") -> Worklist:
    """A page of the worklist of ``actor``'s hospital, audited per patient shown."""
    limit = max(1, min(limit, MAX_LIMIT))
    values = _bounds(organisations_of(actor), filters)
    places = _places(values, filters, after, wanted=limit + 1)
    found = {row[0]: (ListedCase._make(row[:_CASE]),
                      ListedOperation._make(row[_CASE:_OPERATION]),
                      ListedPerson._make(row[_OPERATION:]))
             for row in db.session.execute(
                 _ROWS, {"ids": [case_id for *_, case_id in places[:limit]]})}
    today = today_in_norway()
    entries = [_entry(*found[case_id], rank, today, language)
               for rank, *_, case_id in places[:limit]]
    audit.record_many(actor=actor, action="read", resource_type="WoundFollowUp",
                      accesses=[(e.case.id, e.person.id) for e in entries], purpose=PURPOSE)
    counts, flagged = _counts(values)
    return Worklist(entries, counts, flagged, places[limit - 1] if len(places) > limit else None)


def _places(values: dict[str, Any], filters: Filters, after: list[Any] | None, *,
            wanted: int) -> list[list[Any]]:
    """The page's cases as their places in the order, ``[rank, score, moment, id]`` (the
    cursor ``after=`` takes), at most ``wanted``: a query per group, in the order
    they are worked, until the page is full. A first page of flagged answers reads only
    them (one CASE order over every open case had PostgreSQL join and sort them all)."""
    values = dict(values)
    if filters.state:
        values["state"] = filters.state
    if after is not None:
        last_rank, last_score, moment, last_id = after
        moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            raise ValueError("a moment without its offset")
        values.update(after_score=last_score, after_moment=moment, after_id=last_id)
    bound = frozenset(values) - {"reach", "state", "after_score", "after_moment", "after_id"}
    places: list[list[Any]] = []
    for index, group in enumerate(GROUPS):
        if after is not None and group.rank < last_rank:
            continue
        statement = _place_statement(index, bound, filters.state is not None,
                                     after is not None and group.rank == last_rank)
        places += [[group.rank, score, moment.isoformat(), case_id]
                   for score, moment, case_id in db.session.execute(
                       statement, {**values, "limit": wanted - len(places)})]
        if len(places) >= wanted:
            break
    return places


def _counts(values: dict[str, Any]) -> tuple[dict[S, int], int]:
    counts, total_flagged = {}, 0
    bound = frozenset(values) - {"reach"}
    for state, count, flagged_count in db.session.execute(_counts_statement(bound), values):
        counts[S(state)] = count
        total_flagged += flagged_count or 0
    return counts, total_flagged


def _entry(case: ListedCase, operation: ListedOperation, person: ListedPerson, rank: int,
           today: date, language: str) -> Entry:
    operated_on = operation.operated_on
    waiting = case.invited_at is not None and case.answered_at is None
    return Entry(case=case, operation=operation, person=person, rank=rank,
                 operated_on=operated_on, day=(today - operated_on).days,
                 red_flags=red_flag_texts(case, language), score=case.triage_score,
                 days_without_answer=(today - case.invited_at.astimezone(NORWAY).date()).days
                 if waiting else None)


def red_flag_texts(case: FollowUp | ListedCase, language: str) -> list[str]:
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
    counts, flagged = _counts(_bounds(organisations_of(actor), Filters()))
    return {"flagged": flagged, "to_call": counts.get(S.NON_RESPONDER, 0),
            "in_review": counts.get(S.UNDER_REVIEW, 0),
            "awaiting_information": counts.get(S.AWAITING_INFORMATION, 0)}
