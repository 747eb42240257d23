"""The follow-up's timing at its boundaries: the due day, each reminder, the non-responder
day, catching up after downtime, and muted cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.wound import catalogue
from services.wound.models import CaseState
from services.wound.schedule import Due, Step, answer_by, due_on, next_due

INVITED = date(2026, 4, 1)


@pytest.fixture
def csec():
    return catalogue.parse({"categories": [{
        "key": "CSEC", "codes": ["CSEC"], "implant": False,
        "names": {"nb": "Keisersnitt", "nn": "Keisarsnitt", "en": "Caesarean section"},
        "follow_up_days": 30, "deep_window_days": 30, "duration_cutoff_minutes": 60,
        "laparoscopic_adjustment": False}]}).by_key("CSEC")


def test_the_due_day_is_the_norwegian_operation_day_plus_the_window(csec):
    assert due_on(performed_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), category=csec) == date(
        2026, 4, 1)
    # 23:00 UTC on 1 March is already 2 March in Oslo; 22:59 is still 1 March.
    assert due_on(performed_at=datetime(2026, 3, 1, 23, 0, tzinfo=UTC), category=csec) == (
        date(2026, 4, 1))
    assert due_on(performed_at=datetime(2026, 3, 1, 22, 59, tzinfo=UTC), category=csec) == (
        date(2026, 3, 31))
    ninety = catalogue.Category(**{**csec.__dict__, "follow_up_days": 90})
    assert due_on(performed_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), category=ninety) == (
        date(2026, 5, 31))


def _scheduled(today, *, muted=False):
    return next_due(state=CaseState.SCHEDULED, due=INVITED, invited_on=None,
                    reminders_sent=0, muted=muted, today=today)


def test_the_invitation_goes_on_the_due_day_not_before(csec):
    assert _scheduled(INVITED - timedelta(days=1)) is None
    assert _scheduled(INVITED) == Due(Step.INVITE)
    assert _scheduled(INVITED + timedelta(days=1)) == Due(Step.INVITE)  # late: still asked
    assert _scheduled(INVITED, muted=True) == Due(Step.INVITE, send=False)


def _waiting(day, sent=0, *, state=CaseState.INVITED, muted=False):
    return next_due(state=state, due=INVITED, invited_on=INVITED, reminders_sent=sent,
                    muted=muted, today=INVITED + timedelta(days=day))


@pytest.mark.parametrize(("day", "sent", "expected"), [
    (0, 0, None), (2, 0, None), (3, 0, Due(Step.REMIND, reminder=1)), (4, 1, None),
    (6, 1, None), (7, 1, Due(Step.REMIND, reminder=2)), (8, 2, None), (13, 2, None),
    (14, 2, Due(Step.NON_RESPONDER, send=False)), (30, 2, Due(Step.NON_RESPONDER, send=False)),
])
def test_reminders_on_day_3_and_7_then_a_call_task_from_day_14(day, sent, expected):
    assert _waiting(day, sent, state=CaseState.REMINDED if sent else CaseState.INVITED) == (
        expected)


def test_after_downtime_only_the_latest_step_is_taken():
    assert _waiting(9, 0) == Due(Step.REMIND, reminder=2)  # not the first, then the second
    assert _waiting(15, 0) == Due(Step.NON_RESPONDER, send=False)  # no stale reminder
    assert _waiting(7, 2) is None


def test_a_muted_case_moves_on_without_messages():
    assert _waiting(3, muted=True) == Due(Step.REMIND, reminder=1, send=False)
    assert _waiting(14, 2, muted=True) == Due(Step.NON_RESPONDER, send=False)


@pytest.mark.parametrize("state", [s for s in CaseState if s not in (
    CaseState.SCHEDULED, CaseState.INVITED, CaseState.REMINDED)])
def test_an_answered_or_handled_case_takes_no_step(state):
    assert _waiting(20, 0, state=state) is None


def test_a_waiting_case_without_an_invitation_day_takes_no_step():
    assert next_due(state=CaseState.INVITED, due=INVITED, invited_on=None, reminders_sent=0,
                    muted=False, today=INVITED + timedelta(days=20)) is None


def test_the_last_day_to_answer_is_the_day_before_the_call_task():
    last = answer_by(invited_on=INVITED)
    assert last == date(2026, 4, 14)
    days = (last - INVITED).days
    assert _waiting(days, 2) is None  # still waiting on her last day
    assert _waiting(days + 1, 2) == Due(Step.NON_RESPONDER, send=False)
