"""The worklist: its order, its filters, its counts, its reach, its audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.wound.models import CaseState as S
from services.wound.worklist import Filters, home_counts, worklist
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import make_case

pytestmark = pytest.mark.usefixtures("frozen_clock")


def _case(hospital, state, *, days_ago=30, **fields):
    return make_case(make_person(), hospital, state=state,
                     performed_at=T0 - timedelta(days=days_ago), **fields)


def test_the_order_flagged_then_to_call_then_the_rest_then_waiting(hospital, nurse):
    waiting = _case(hospital, S.INVITED, invited_at=T0)
    old_rest = _case(hospital, S.TRIAGED, days_ago=40)
    new_rest = _case(hospital, S.ANSWERED, days_ago=31, answered_at=T0)
    late_call = _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=14))
    early_call = _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=20))
    low = _case(hospital, S.ANSWERED, flagged=True, triage_score=6, answered_at=T0,
                red_flags=["pus"])
    high_new = _case(hospital, S.UNDER_REVIEW, flagged=True, triage_score=9,
                     answered_at=T0 - timedelta(hours=1))
    high_old = _case(hospital, S.TRIAGED, flagged=True, triage_score=9,
                     answered_at=T0 - timedelta(hours=5))
    flagged_waiting = _case(hospital, S.AWAITING_INFORMATION, flagged=True, triage_score=9,
                            days_ago=35)
    _case(hospital, S.SCHEDULED)
    _case(hospital, S.CLOSED)

    found = worklist(actor=nurse)

    assert [e.case.id for e in found.entries] == [
        high_old.id, high_new.id, low.id, early_call.id, late_call.id, new_rest.id,
        flagged_waiting.id, old_rest.id, waiting.id]
    entry = next(e for e in found.entries if e.case.id == low.id)
    assert entry.red_flags == ["Tykk, gul eller grønn væske (puss) fra såret"]
    assert entry.day == 30 and entry.score == 6
    call = next(e for e in found.entries if e.case.id == early_call.id)
    assert call.days_without_answer == 20
    assert found.flagged == 3 and found.counts[S.NON_RESPONDER] == 2
    assert S.SCHEDULED not in found.counts
    reads = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp", AuditEvent.action == "read")).all()
    assert len(reads) == 9


def test_paging_follows_the_order_without_repeats(hospital, nurse):
    for _n in range(3):
        _case(hospital, S.ANSWERED, flagged=True, triage_score=7, answered_at=T0)
    for n in range(3):
        _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=14 + n))
    for n in range(3):
        _case(hospital, S.TRIAGED, days_ago=30 + n)
    everything = [e.case.id for e in worklist(actor=nurse, limit=50).entries]
    seen, after = [], None
    while True:
        page = worklist(actor=nurse, limit=2, after=after)
        seen += [e.case.id for e in page.entries]
        if page.next is None:
            break
        after = page.next
    assert seen == everything and len(seen) == 9


def test_filters_and_another_hospitals_cases(hospital, nurse):
    other = make_organisation(name="Helse Nord", org_number="974749025")
    _case(other, S.ANSWERED, flagged=True)
    chol = _case(hospital, S.TRIAGED, category="CHOL")
    _case(hospital, S.TRIAGED, days_ago=60)
    lost = _case(hospital, S.LOST)
    assert [e.case.id for e in worklist(actor=nurse, filters=Filters(category="chol")).entries
            ] == [chol.id]
    day = (T0 - timedelta(days=30)).date()
    assert [e.case.id for e in worklist(actor=nurse, filters=Filters(
        operated_from=day, operated_to=day)).entries] == [chol.id]
    assert [e.case.id for e in worklist(actor=nurse, filters=Filters(state=S.LOST)).entries
            ] == [lost.id]
    assert len(worklist(actor=nurse).entries) == 2
    assert worklist(actor=nurse, filters=Filters(unit_id=12345)).entries == []
    assert home_counts(actor=nurse) == {"flagged": 0, "to_call": 0, "in_review": 0,
                                        "awaiting_information": 0}


def test_the_home_counts_each_kind_of_work(hospital, nurse):
    _case(hospital, S.ANSWERED, flagged=True, triage_score=6, answered_at=T0)
    _case(hospital, S.TRIAGED, flagged=True, triage_score=7, answered_at=T0)
    _case(hospital, S.CLASSIFIED, flagged=True, triage_score=9, answered_at=T0)  # done
    _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=20))
    _case(hospital, S.UNDER_REVIEW)
    _case(hospital, S.UNDER_REVIEW)
    _case(hospital, S.AWAITING_INFORMATION)
    _case(make_organisation("Helse Nord", "974749025"), S.UNDER_REVIEW)
    assert home_counts(actor=nurse) == {"flagged": 2, "to_call": 1, "in_review": 2,
                                        "awaiting_information": 1}


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_paging_through_every_group_with_ties_in_each(hospital, nurse, limit):
    """Each group's own order, ties broken by id, a page boundary anywhere: one page at a
    time gives the whole list once, in order, under a filter on the operation too."""
    same = T0 - timedelta(hours=3)
    ids = {
        "flagged": [_case(hospital, S.ANSWERED, flagged=True, triage_score=score,
                          answered_at=same).id for score in (7, 7, 9)],
        "call": [_case(hospital, S.NON_RESPONDER, invited_at=same).id for _ in range(2)],
        "rest": [_case(hospital, state, days_ago=31).id
                 for state in (S.CLASSIFIED, S.TRIAGED, S.AWAITING_INFORMATION)],
        "waiting": [_case(hospital, state, days_ago=days, invited_at=T0).id
                    for state, days in ((S.REMINDED, 31), (S.INVITED, 30))],
    }
    flagged, call, rest, waiting = ids.values()
    expected = [flagged[2], flagged[0], flagged[1], *call, *rest, waiting[1], waiting[0]]

    def pages(filters):
        seen, after = [], None
        for _ in range(len(expected) + 1):
            page = worklist(actor=nurse, limit=limit, after=after, filters=filters)
            seen += [e.case.id for e in page.entries]
            if page.next is None:
                return seen
            after = page.next
        raise AssertionError("paging does not end")

    assert pages(Filters()) == expected
    assert pages(Filters(category="csec")) == expected  # the factory's category
    assert pages(Filters(state=S.NON_RESPONDER)) == call
    assert pages(Filters(state=S.ANSWERED)) == [flagged[2], flagged[0], flagged[1]]
