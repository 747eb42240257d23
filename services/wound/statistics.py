"""Wound-infection statistics for infection-control staff (issue 13): per operation
category and period, and for the period before it, the operations, follow-up completeness,
response (overall and by channel), time to answer, SSI cumulative incidence with Wilson's
95 % interval, superficial against deep and organ/space, the share found after discharge,
the incidence density of in-hospital SSIs per 1,000 post-operative days (ECDC's measure,
robust to how hard the hospital looks after discharge), and the rates by NNIS risk index.

Counted by the database (two GROUP BY queries a period), never by loading cases: the
figures are aggregates, not a read of any one patient, so nothing is audited per patient.
The definitions are docs/wound-statistics.md's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import floor

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from services.actors import Actor
from services.db import db, prefer_index_lookups
from services.sql_time import days_between, norwegian_day, whole_hours
from services.wound import catalogue
from services.wound.models import (
    AnswerChannel,
    Classification,
    Detection,
    FollowUp,
    Operation,
    SSILevel,
)
from services.wound.periods import BadPeriod, Period
from services.wound.staff import organisations_of, surveilled_operations
from services.wound.wilson import wilson_interval

NNIS_INDEXES = (-1, 0, 1, 2, 3)
CHANNELS = tuple(AnswerChannel)
INFECTED = (SSILevel.SUPERFICIAL, SSILevel.DEEP, SSILevel.ORGAN_SPACE)
DEEP = (SSILevel.DEEP, SSILevel.ORGAN_SPACE)
AFTER_DISCHARGE = (Detection.AFTER_DISCHARGE, Detection.READMISSION)


class UnknownCategory(ValueError):
    """Not a category of the procedure catalogue."""


@dataclass(frozen=True)
class Proportion:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.numerator, self.denominator)


@dataclass(frozen=True)
class Density:
    """Events per post-operative day in hospital."""

    events: int
    days: int

    @property
    def per_1000(self) -> float | None:
        return 1000 * self.events / self.days if self.days else None


@dataclass
class Counts:
    """What the database counted for one group; groups add up."""

    operations: int = 0
    known: int = 0
    invited: int = 0
    answered: int = 0
    channels: Counter = field(default_factory=Counter)
    infected: int = 0
    superficial: int = 0
    deep: int = 0
    after_discharge: int = 0
    in_hospital: int = 0
    #: Post-operative days in hospital, of the operations with a discharge day.
    days_in_hospital: int = 0
    #: Whole hours from invitation to answer → how many answers took that long.
    hours: Counter = field(default_factory=Counter)

    def __iadd__(self, other: Counts) -> Counts:
        for name in ("operations", "known", "invited", "answered", "infected", "superficial",
                     "deep", "after_discharge", "in_hospital", "days_in_hospital"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.channels.update(other.channels)
        self.hours.update(other.hours)
        return self


@dataclass(frozen=True)
class Stratum:
    nnis_index: int
    operations: int
    ssi: Proportion
    superficial: Proportion
    deep: Proportion


@dataclass(frozen=True)
class Figures:
    """One category's figures for one period (``category`` None: all categories)."""

    category: str | None
    operations: int
    completeness: Proportion
    response: Proportion
    by_channel: tuple[tuple[AnswerChannel, Proportion], ...]
    median_days: float | None
    p90_days: float | None
    ssi: Proportion
    superficial: Proportion
    deep: Proportion
    after_discharge: Proportion
    #: In-hospital SSIs per post-operative day in hospital (operations with a discharge day).
    in_hospital: Density
    strata: tuple[Stratum, ...]


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    categories: tuple[Figures, ...]
    total: Figures


@dataclass(frozen=True)
class Report:
    category: str | None
    current: PeriodFigures
    #: The period before (``Period.previous``); None when it would start before year 1.
    previous: PeriodFigures | None


def statistics(*, actor: Actor, period: Period, category: str | None) -> Report:
    """The report of ``actor``'s hospital (and its units) for ``period``, with the period
    before for comparison; ``category`` None: every category."""
    if category is not None and catalogue.load().by_key(category) is None:
        raise UnknownCategory("not a category of the procedure catalogue")
    reach = organisations_of(actor)
    prefer_index_lookups()
    try:
        before = period.previous()
    except (BadPeriod, OverflowError):
        before = None
    return Report(category=category,
                  current=_period_figures(reach, period, category),
                  previous=_period_figures(reach, before, category) if before else None)


def _period_figures(reach: set[int], period: Period, category: str | None) -> PeriodFigures:
    groups: dict[tuple[str, int], Counts] = {}
    for row in db.session.execute(_counts_statement(reach, period, category)):
        counts = Counts(operations=row.operations, known=row.known, invited=row.invited,
                        answered=row.answered, infected=row.infected,
                        superficial=row.superficial, deep=row.deep,
                        after_discharge=row.after_discharge, in_hospital=row.in_hospital,
                        days_in_hospital=row.days_in_hospital or 0,
                        channels=Counter({c: getattr(row, f"via_{c.value}") for c in CHANNELS}))
        groups[(row.category, row.nnis_index)] = counts
    hours: dict[str, Counter] = {}
    for key, took, answers in db.session.execute(_hours_statement(reach, period, category)):
        hours.setdefault(key, Counter())[max(0, int(took))] += answers
    keys = [c.key for c in catalogue.load().categories if category in (None, c.key)]
    keys += sorted({k for k, _ in groups} - set(keys))
    per_category = []
    for key in keys:
        strata = {i: groups.get((key, i), Counts()) for i in NNIS_INDEXES}
        total = Counts()
        for counts in strata.values():
            total += counts
        total.hours.update(hours.get(key, Counter()))
        per_category.append((key, total, strata))
    everything, all_strata = Counts(), {i: Counts() for i in NNIS_INDEXES}
    for _key, total, strata in per_category:
        everything += total
        for index, counts in strata.items():
            all_strata[index] += counts
    return PeriodFigures(
        period=period,
        categories=tuple(_figures(key, total, strata) for key, total, strata in per_category),
        total=_figures(None, everything, all_strata))


def _figures(key: str | None, counts: Counts, strata: dict[int, Counts]) -> Figures:
    n = counts.operations
    return Figures(
        category=key, operations=n,
        completeness=Proportion(counts.known, n),
        response=Proportion(counts.answered, counts.invited),
        by_channel=tuple((c, Proportion(counts.channels[c], counts.invited)) for c in CHANNELS),
        median_days=_percentile_days(counts.hours, 0.5),
        p90_days=_percentile_days(counts.hours, 0.9),
        ssi=Proportion(counts.infected, n), superficial=Proportion(counts.superficial, n),
        deep=Proportion(counts.deep, n),
        after_discharge=Proportion(counts.after_discharge, counts.infected),
        in_hospital=Density(counts.in_hospital, counts.days_in_hospital),
        strata=tuple(Stratum(i, s.operations, Proportion(s.infected, s.operations),
                             Proportion(s.superficial, s.operations),
                             Proportion(s.deep, s.operations)) for i, s in strata.items()))


def _percentile_days(hours: Counter, q: float) -> float | None:
    """The ``q`` quantile of the answers' whole hours, interpolated linearly between order
    statistics (PostgreSQL's ``percentile_cont``, numpy's default), in days."""
    total = sum(hours.values())
    if not total:
        return None
    position = (total - 1) * q
    below, fraction = floor(position), position - floor(position)
    values = sorted(hours.items())

    def nth(rank: int) -> int:
        seen = 0
        for value, count in values:
            seen += count
            if rank < seen:
                return value
        return values[-1][0]

    low = nth(below)
    high = nth(below + 1) if fraction else low
    return (low + (high - low) * fraction) / 24


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.count(sa.case((condition, 1)))


def _counts_statement(reach: set[int], period: Period, category: str | None) -> sa.Select:
    invited = FollowUp.invited_at.is_not(None)
    answered = invited & FollowUp.answered_at.is_not(None)
    classified = Classification.id.is_not(None)
    # Known at day 30: classified (any level, "none" included), or answered with nothing the
    # triage flags; a flagged answer not yet classified, a non-responder and a lost case
    # are unknown.
    known = classified | (FollowUp.answered_at.is_not(None) & sa.not_(FollowUp.flagged))
    infected = Classification.level.in_(INFECTED)
    days = days_between(norwegian_day(Operation.performed_at), Operation.discharged_on)
    discharged = Operation.discharged_on.is_not(None) & (days >= 0)
    return (
        sa.select(
            Operation.category, Operation.nnis_index,
            sa.func.count().label("operations"), _count(known).label("known"),
            _count(invited).label("invited"), _count(answered).label("answered"),
            *[_count(answered & (FollowUp.answered_via == c)).label(f"via_{c.value}")
              for c in CHANNELS],
            _count(infected).label("infected"),
            _count(Classification.level == SSILevel.SUPERFICIAL).label("superficial"),
            _count(Classification.level.in_(DEEP)).label("deep"),
            _count(infected & Classification.detected.in_(AFTER_DISCHARGE))
            .label("after_discharge"),
            _count(infected & discharged & (Classification.detected == Detection.IN_HOSPITAL))
            .label("in_hospital"),
            sa.func.sum(sa.case((discharged, days), else_=0)).label("days_in_hospital"))
        .select_from(Operation)
        .outerjoin(FollowUp, FollowUp.operation_id == Operation.id)
        .outerjoin(Classification, Classification.follow_up_id == FollowUp.id)
        .where(*surveilled_operations(reach, period, category))
        .group_by(Operation.category, Operation.nnis_index))


def _hours_statement(reach: set[int], period: Period, category: str | None) -> sa.Select:
    hours = whole_hours(FollowUp.invited_at, FollowUp.answered_at)
    return (sa.select(Operation.category, hours, sa.func.count())
            .select_from(Operation)
            .join(FollowUp, FollowUp.operation_id == Operation.id)
            .where(*surveilled_operations(reach, period, category),
                   FollowUp.invited_at.is_not(None), FollowUp.answered_at.is_not(None))
            .group_by(Operation.category, hours))
