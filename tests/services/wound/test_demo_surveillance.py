"""The demo's surveillance at St. Olavs: every worklist group filled, notes and calls,
classifications the proposal agrees with, statistics and an export for this tertial and
the one before, all through the real services and all in the past."""

from __future__ import annotations

from collections import Counter

import pytest

from services.actors import Actor
from services.demo import seed_demo_data
from services.people.demo import demo_citizen_names, demo_staff_national_id
from services.people.identity import parse_national_id
from services.people.models import Person, Role
from services.people.service import find_staff
from services.wound import reporting, statistics, worklist
from services.wound.models import (
    AnswerChannel,
    CallOutcome,
    CaseNote,
    CaseState,
    Classification,
    FollowUp,
    NoteKind,
    SSILevel,
)
from services.wound.periods import tertial_containing
from tests.plugins.clock import T0
from tests.plugins.db import table_rows

SURVEILLANCE = {"surveillance patients": 273, "surveillance operations": 273,
                "surveillance answers": 206, "surveillance notes and calls": 112,
                "surveillance classifications": 192}


@pytest.fixture
def seeded(db, frozen_clock, notify_rules):
    created = seed_demo_data()
    nurse = find_staff(national_id=parse_national_id(demo_staff_national_id(0),
                                                     allow_synthetic=True))
    assert nurse.name == "Siri Smittevern"
    assert Role.INFECTION_CONTROL in {r.role for r in nurse.roles}
    return created, Actor.staff(nurse.id, organisation_id=nurse.roles[0].organisation_id)


def test_the_surveillance_fills_every_staff_page_and_a_second_seed_adds_nothing(seeded):
    # One seed for every check: it takes a few seconds.
    created, nurse = seeded
    assert {k: created[k] for k in SURVEILLANCE} == SURVEILLANCE
    _worklist_has_every_group(nurse)
    _notes_and_calls_are_on_cases()
    _classifications_are_what_the_proposal_says()
    _every_step_taken_is_in_the_past()
    _statistics_and_export_for_this_tertial_and_the_one_before(nurse)
    _patients_are_not_the_named_demo_people()
    cases = len(table_rows(FollowUp))
    again = seed_demo_data()
    assert {k: again[k] for k in SURVEILLANCE} == dict.fromkeys(SURVEILLANCE, 0)
    assert len(table_rows(FollowUp)) == cases


def _worklist_has_every_group(nurse: Actor) -> None:
    listed = worklist.worklist(actor=nurse, limit=worklist.MAX_LIMIT)
    assert listed.next is None
    groups = Counter(entry.rank for entry in listed.entries)
    assert groups[worklist.FLAGGED] >= 5 and groups[worklist.TO_CALL] >= 3
    assert groups[worklist.REST] >= 5 and groups[worklist.WAITING_RANK] >= 2
    flagged = [e for e in listed.entries if e.rank == worklist.FLAGGED]
    assert len({tuple(e.case.red_flags) for e in flagged}) >= 4  # different red flags
    assert len({e.score for e in flagged}) >= 4
    assert any(not e.case.red_flags for e in flagged)  # flagged by its score alone
    assert [e.score for e in flagged] == sorted((e.score for e in flagged), reverse=True)
    assert {CaseState.ANSWERED, CaseState.TRIAGED, CaseState.UNDER_REVIEW} <= {
        e.case.state for e in flagged}
    assert {CaseState.ANSWERED, CaseState.TRIAGED, CaseState.AWAITING_INFORMATION,
            CaseState.CLASSIFIED} <= {e.case.state for e in listed.entries
                                      if e.rank == worklist.REST}
    assert {CaseState.INVITED, CaseState.REMINDED} <= {
        e.case.state for e in listed.entries if e.rank == worklist.WAITING_RANK}


def _notes_and_calls_are_on_cases() -> None:
    notes = table_rows(CaseNote)
    kinds = Counter(n.kind for n in notes)
    assert kinds[NoteKind.NOTE] > 10 and kinds[NoteKind.CALL] > 10
    assert {CallOutcome.NO_ANSWER, CallOutcome.WRONG_NUMBER, CallOutcome.REACHED,
            CallOutcome.ANSWERED_BY_PHONE} <= {n.outcome for n in notes}
    assert {"patient-contacted", "records-requested", "culture-requested"} <= {
        n.topic for n in notes}
    assert all(n.written_at < T0 for n in notes)  # moved to the days they were written


def _classifications_are_what_the_proposal_says() -> None:
    stored = table_rows(Classification)
    levels = Counter(c.level for c in stored)
    assert levels[SSILevel.NONE] > 0.9 * len(stored)
    assert levels[SSILevel.SUPERFICIAL] >= 3
    assert levels[SSILevel.DEEP] >= 1 and levels[SSILevel.ORGAN_SPACE] >= 1
    assert all(c.level is c.proposed_level and c.override_reason is None for c in stored)
    assert all(c.criterion for c in stored if c.level is not SSILevel.NONE)
    assert all(c.organ_site for c in stored if c.level is SSILevel.ORGAN_SPACE)
    assert all(c.classified_at < T0 for c in stored)


def _every_step_taken_is_in_the_past() -> None:
    cases = table_rows(FollowUp)
    assert all(c.invited_at <= T0 for c in cases if c.invited_at)  # Ola: by the due job
    assert all(c.invited_at < c.answered_at < T0 for c in cases if c.answered_at)
    waiting = [c for c in cases if c.state in (CaseState.INVITED, CaseState.REMINDED)]
    # a case still waiting was invited less than 14 days ago, reminded as the schedule says
    assert all((T0 - c.invited_at).days < 14 for c in waiting)
    assert all(c.reminders_sent == sum(1 for d in (3, 7) if (T0 - c.invited_at).days >= d)
               for c in waiting)


def _statistics_and_export_for_this_tertial_and_the_one_before(nurse: Actor) -> None:
    report = statistics.statistics(actor=nurse, period=tertial_containing(T0.date()),
                                   category=None)
    assert report.current.total.operations > 50
    previous = report.previous.total
    assert previous.operations > 100
    assert 0.01 < previous.ssi.value < 0.08  # a few per cent
    by_category = {f.category: f for f in report.previous.categories}
    assert sum(1 for f in by_category.values() if f.operations >= 5) >= 5
    assert by_category["COLO"].ssi.value > by_category["HPRO"].ssi.value
    assert by_category["CSEC"].ssi.value > by_category["HPRO"].ssi.value
    channels = dict(previous.by_channel)
    assert all(channels[c].numerator > 0 for c in (
        AnswerChannel.WEB, AnswerChannel.SMS, AnswerChannel.HELSENORGE, AnswerChannel.PHONE))
    assert sum(1 for s in previous.strata if s.operations) >= 4  # several NNIS indices
    for period in (report.current.period, report.previous.period):
        made = reporting.export(actor=nurse, period=period, format="csv", secret="s")
        assert made.operations > 50
        assert len(made.body.decode().splitlines()) == made.operations + 1


def _patients_are_not_the_named_demo_people() -> None:
    named = set(demo_citizen_names())
    people = table_rows(Person)
    assert sum(1 for p in people if (p.given_name, p.family_name) in named) == len(named)
    # nor is any generated name a named one with more letters (a label search finds it)
    labels = {f"{given} {family}" for given, family in named}
    generated = [p for p in people if (p.given_name, p.family_name) not in named]
    assert not [p.name for p in generated if any(label in p.name for label in labels)]
    assert not {p.given_name for p in generated} & {given for given, _family in named}
