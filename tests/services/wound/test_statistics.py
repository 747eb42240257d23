"""The statistics service: each figure at its boundaries, Wilson's interval against
Newcombe's published values, another hospital's operations left out, empty periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.actors import Actor
from services.db import db
from services.people.models import Role
from services.wound.models import (
    AnswerChannel,
    CaseState,
    Classification,
    Detection,
    OperationStatus,
    SSILevel,
)
from services.wound.periods import Period, parse_tertial
from services.wound.statistics import UnknownCategory, _percentile_days, statistics
from services.wound.wilson import wilson_interval
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case

T1 = parse_tertial("2026-1")
INVITED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718), (29, 29, 0.8830, 1.0)])
def test_wilson_matches_newcombe_1998(k, n, low, high):
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_without_trials_is_none():
    assert wilson_interval(0, 0) is None


@pytest.fixture
def world(db):
    hospital = make_organisation()
    other = make_organisation("Helse Bergen HF", "983974910")
    nurse = make_staff(hospital, Role.INFECTION_CONTROL)
    elsewhere = make_staff(other, Role.INFECTION_CONTROL)
    return (hospital, other, Actor.staff(nurse.id, organisation_id=hospital.id),
            Actor.staff(elsewhere.id, organisation_id=other.id))


def classify(case, level, detected=Detection.AFTER_DISCHARGE):
    db.session.add(Classification(follow_up_id=case.id, level=level, detected=detected,
                                  classified_by="staff 1"))
    db.session.commit()


def answered(person, hospital, hours, channel=AnswerChannel.WEB, **kw):
    return make_case(person, hospital, state=CaseState.ANSWERED, invited_at=INVITED,
                     answered_at=INVITED + timedelta(hours=hours), answered_via=channel, **kw)


def test_the_figures_of_one_category(world):
    hospital, _other, actor, _ = world
    person = make_person()
    a = answered(person, hospital, 24)
    classify(a, SSILevel.SUPERFICIAL)
    b = answered(person, hospital, 48, AnswerChannel.SMS)
    classify(b, SSILevel.DEEP, Detection.IN_HOSPITAL)
    answered(person, hospital, 72, AnswerChannel.PHONE)  # not flagged: known, no SSI
    answered(person, hospital, 96, flagged=True)  # flagged, not classified: unknown
    make_case(person, hospital, state=CaseState.NON_RESPONDER, invited_at=INVITED)
    make_case(person, hospital, state=CaseState.LOST, invited_at=INVITED)
    make_case(person, hospital)  # scheduled, never invited
    withdrawn = make_case(person, hospital)
    withdrawn.operation.status = OperationStatus.ENTERED_IN_ERROR
    db.session.commit()

    report = statistics(actor=actor, period=T1, category="CSEC")
    csec = report.current.categories[0]
    assert csec.category == "CSEC" and csec.operations == 7
    assert (csec.completeness.numerator, csec.completeness.denominator) == (3, 7)
    assert (csec.response.numerator, csec.response.denominator) == (4, 6)
    assert dict(csec.by_channel)[AnswerChannel.SMS].numerator == 1
    assert csec.median_days == 2.5 and csec.p90_days == pytest.approx(3.7)
    assert (csec.ssi.numerator, csec.superficial.numerator, csec.deep.numerator) == (2, 1, 1)
    assert csec.ssi.value == pytest.approx(2 / 7)
    assert csec.after_discharge.numerator == 1
    assert [s.operations for s in csec.strata] == [0, 7, 0, 0, 0]
    assert report.current.total.operations == 7
    assert report.previous.period == parse_tertial("2025-3")
    assert report.previous.total.operations == 0


def test_each_rate_over_its_own_denominator(world):
    hospital, _other, actor, _ = world
    person = make_person()
    classify(answered(person, hospital, 24), SSILevel.SUPERFICIAL)  # found after discharge
    classify(answered(person, hospital, 24, AnswerChannel.SMS), SSILevel.DEEP,
             Detection.IN_HOSPITAL)
    classify(answered(person, hospital, 24), SSILevel.NONE)
    make_case(person, hospital, state=CaseState.NON_RESPONDER, invited_at=INVITED)
    make_case(person, hospital)  # never invited
    csec = statistics(actor=actor, period=T1, category="CSEC").current.categories[0]

    def fraction(proportion):
        return proportion.numerator, proportion.denominator

    assert csec.operations == 5  # of the operations: the SSIs, superficial and deep
    assert (fraction(csec.ssi), fraction(csec.superficial), fraction(csec.deep)) == (
        (2, 5), (1, 5), (1, 5))
    assert fraction(csec.after_discharge) == (1, 2)  # of the SSIs
    channels = dict(csec.by_channel)  # of those invited
    assert (fraction(channels[AnswerChannel.WEB]), fraction(channels[AnswerChannel.SMS])) == (
        (2, 4), (1, 4))


def test_answers_within_the_hour_or_before_the_invitation_are_zero_hours(world):
    hospital, _other, actor, _ = world
    person = make_person()
    answered(person, hospital, 0.5)  # within the hour: 0 whole hours
    answered(person, hospital, -1)  # before the invitation (a clock off): counted as 0
    answered(person, hospital, 48)
    # Answered on the phone before any invitation: no time to answer at all.
    make_case(person, hospital, state=CaseState.ANSWERED, answered_at=INVITED,
              answered_via=AnswerChannel.PHONE)
    report = statistics(actor=actor, period=T1, category=None).current
    [csec] = [c for c in report.categories if c.category == "CSEC"]
    # 0, 0 and 2 days: the median is 0 only if both zero-hour answers count.
    assert csec.median_days == 0 and report.total.median_days == 0
    assert csec.p90_days == report.total.p90_days == pytest.approx(0.8 * 2)


def test_a_category_counts_its_own_operations_only(world):
    hospital, _other, actor, _ = world
    person = make_person()
    classify(answered(person, hospital, 24), SSILevel.SUPERFICIAL)
    classify(answered(person, hospital, 72, category="HPRO"), SSILevel.DEEP)
    in_2025 = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
    make_case(person, hospital, performed_at=in_2025)
    make_case(person, hospital, performed_at=in_2025, category="HPRO")
    whole = statistics(actor=actor, period=T1, category="CSEC")
    assert whole.category == "CSEC" and whole.previous.total.operations == 1
    report = whole.current
    assert [c.category for c in report.categories] == ["CSEC"]
    assert report.total.operations == 1 and report.total.ssi.numerator == 1
    assert report.total.deep.numerator == 0 and report.total.median_days == 1


def test_in_hospital_ssis_per_1000_post_operative_days(world):
    hospital, _other, actor, _ = world
    person = make_person()  # operated on 2 March, 09:00 in Oslo
    five_days = make_case(person, hospital, discharged_on=date(2026, 3, 7))
    classify(five_days, SSILevel.SUPERFICIAL, Detection.IN_HOSPITAL)
    make_case(person, hospital, discharged_on=date(2026, 3, 2))  # the same day: 0 days
    make_case(person, hospital, discharged_on=date(2026, 3, 12))  # 10 days
    undated = make_case(person, hospital)  # no discharge day: neither events nor days
    classify(undated, SSILevel.DEEP, Detection.IN_HOSPITAL)
    later = make_case(person, hospital, discharged_on=date(2026, 3, 4))
    classify(later, SSILevel.DEEP, Detection.AFTER_DISCHARGE)  # 2 days, not an event
    typo = make_case(person, hospital, discharged_on=date(2026, 3, 1))  # before: left out
    classify(typo, SSILevel.DEEP, Detection.IN_HOSPITAL)

    density = statistics(actor=actor, period=T1, category=None).current.total.in_hospital

    assert (density.events, density.days) == (1, 17)
    assert density.per_1000 == pytest.approx(1000 / 17)


@pytest.mark.parametrize(("discharged_on", "events", "days", "per_1000"), [
    (date(2026, 3, 1), 0, 0, None),  # before the operation's day: a data error, in neither
    (date(2026, 3, 2), 1, 0, None),  # the same day: her SSI counts, her days are 0
    (date(2026, 3, 3), 1, 1, 1000.0)])
def test_an_in_hospital_ssi_at_0_and_1_post_operative_days(world, discharged_on, events,
                                                          days, per_1000):
    hospital, _other, actor, _ = world
    case = make_case(make_person(), hospital, discharged_on=discharged_on)
    classify(case, SSILevel.SUPERFICIAL, Detection.IN_HOSPITAL)
    density = statistics(actor=actor, period=T1, category=None).current.total.in_hospital
    assert (density.events, density.days, density.per_1000) == (events, days, per_1000)


def test_the_rates_by_nnis_index(world):
    hospital, _other, actor, _ = world
    person = make_person()
    cases = [answered(person, hospital, 24) for _ in range(3)]
    for case, index in zip(cases, (0, 2, 2), strict=True):
        case.operation.nnis_index = index
    db.session.commit()
    classify(cases[0], SSILevel.SUPERFICIAL)
    classify(cases[1], SSILevel.DEEP)
    strata = statistics(actor=actor, period=T1, category="CSEC").current.total.strata

    def fractions(stratum):
        return [(p.numerator, p.denominator) for p in (stratum.ssi, stratum.superficial,
                                                       stratum.deep)]

    assert [s.nnis_index for s in strata] == [-1, 0, 1, 2, 3]
    assert [s.operations for s in strata] == [0, 1, 0, 2, 0]
    assert fractions(strata[1]) == [(1, 1), (1, 1), (0, 1)]
    assert fractions(strata[3]) == [(1, 2), (0, 2), (1, 2)]
    assert strata[3].ssi.value == 0.5 and strata[0].ssi.value is None


@pytest.mark.parametrize(("performed_at", "discharged_on", "days"), [
    # 00:30 on 2 March in Oslo (winter, UTC+1) is 1 March 23:30 UTC.
    (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), date(2026, 3, 2), 0),
    (datetime(2026, 3, 1, 22, 30, tzinfo=UTC), date(2026, 3, 2), 1),
    # 00:30 on 1 April in Oslo (summer, UTC+2) is 31 March 22:30 UTC.
    (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), date(2026, 4, 1), 0),
    (datetime(2026, 3, 31, 21, 30, tzinfo=UTC), date(2026, 4, 1), 1)])
def test_post_operative_days_count_norwegian_days(world, performed_at, discharged_on, days):
    hospital, _other, actor, _ = world
    make_case(make_person(), hospital, performed_at=performed_at, discharged_on=discharged_on)
    density = statistics(actor=actor, period=T1, category=None).current.total.in_hospital
    assert density.days == days and density.per_1000 == (0 if days else None)


def test_another_hospital_sees_only_its_own(world):
    hospital, other, actor, elsewhere = world
    make_case(make_person(), hospital)
    make_case(make_person(), other)
    make_case(make_person(), other)
    assert statistics(actor=actor, period=T1, category=None).current.total.operations == 1
    assert statistics(actor=elsewhere, period=T1, category=None).current.total.operations == 2


def test_norwegian_days_bound_the_period(world):
    hospital, _other, actor, _ = world
    person = make_person()
    # 1 May 00:30 in Oslo is 30 April 22:30 UTC: the second tertial's.
    make_case(person, hospital, performed_at=datetime(2026, 4, 30, 22, 30, tzinfo=UTC))
    make_case(person, hospital, performed_at=datetime(2026, 4, 30, 21, 30, tzinfo=UTC))
    assert statistics(actor=actor, period=T1, category=None).current.total.operations == 1
    report = statistics(actor=actor, period=parse_tertial("2026-2"), category=None)
    assert report.current.total.operations == 1 and report.previous.total.operations == 1


def test_a_period_starts_and_ends_at_midnight_in_oslo(world):
    hospital, _other, actor, _ = world
    person = make_person()
    make_case(person, hospital, performed_at=datetime(2025, 12, 31, 22, 59, 59, tzinfo=UTC))
    first = make_case(person, hospital, performed_at=datetime(2025, 12, 31, 23, tzinfo=UTC))
    last = make_case(person, hospital,  # 23:59:59 on 30 April, summer time
                     performed_at=datetime(2026, 4, 30, 21, 59, 59, tzinfo=UTC))
    make_case(person, hospital, performed_at=datetime(2026, 4, 30, 22, tzinfo=UTC))
    classify(first, SSILevel.SUPERFICIAL)
    classify(last, SSILevel.DEEP)
    total = statistics(actor=actor, period=T1, category=None).current.total
    assert total.operations == 2 and total.ssi.numerator == 2


def test_the_time_to_answer_is_per_category_and_of_this_hospital_only(world):
    hospital, other, actor, _ = world
    person = make_person()
    answered(person, hospital, 24)
    answered(person, hospital, 24, category="HPRO")
    answered(person, other, 240)  # another hospital's
    answered(person, hospital, 240, performed_at=datetime(2025, 10, 1, 8, tzinfo=UTC))
    withdrawn = answered(person, hospital, 240)
    withdrawn.operation.status = OperationStatus.ENTERED_IN_ERROR
    db.session.commit()
    report = statistics(actor=actor, period=T1, category=None).current
    medians = {c.category: c.median_days for c in report.categories}
    assert medians["CSEC"] == medians["HPRO"] == report.total.median_days == 1
    assert report.total.p90_days == 1


def test_an_empty_period_has_zeros_and_no_rates(world):
    _h, _o, actor, _ = world
    total = statistics(actor=actor, period=T1, category=None).current.total
    assert total.operations == 0 and total.ssi.value is None and total.ssi.interval is None
    assert total.median_days is None and total.response.value is None


def test_the_calendars_edges(world):
    _h, _o, actor, _ = world
    report = statistics(actor=actor, period=Period(datetime.min.date(), datetime.max.date()),
                        category=None)
    assert report.previous is None and report.current.total.operations == 0
    assert statistics(actor=actor, period=parse_tertial("0001-1"), category=None).previous is None


def test_an_unknown_category_is_refused(world):
    with pytest.raises(UnknownCategory, match="not a category of the procedure catalogue"):
        statistics(actor=world[2], period=T1, category="NOPE")


def test_a_citizen_is_refused(world):
    with pytest.raises(PermissionError):
        statistics(actor=Actor.person(make_person().id), period=T1, category=None)


def test_percentiles_interpolate():
    from collections import Counter

    assert _percentile_days(Counter({24: 1}), 0.9) == 1
    assert _percentile_days(Counter({0: 1, 48: 1}), 0.5) == 1
    assert _percentile_days(Counter(), 0.5) is None
