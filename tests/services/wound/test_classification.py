"""Staff classify a case: stored with the proposal beside it, moved to classified, audited;
refused for another hospital, an older version, a case not ready, a contradiction and an
override without a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.wound import staff
from services.wound.classification import (
    Refused,
    WrongState,
    classification_of,
    classify,
    proposal_for,
)
from services.wound.models import (
    CaseState,
    Classification,
    Detection,
    ReportedEvent,
    ReportedEventKind,
    SSILevel,
)
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case

LATER = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
DEEP_PUS = {"purulent_from": ["deep", "superficial"]}


@pytest.fixture(autouse=True)
def later(frozen_clock):
    frozen_clock.move_to(LATER)


@pytest.fixture
def case(hospital):
    return make_case(make_person(), hospital, state=CaseState.TRIAGED)


def decision(**kw):
    return {"level": "deep", "onset_on": date(2026, 3, 20), "detected": "after_discharge",
            "findings": DEEP_PUS} | kw


def test_a_classification_is_stored_with_its_proposal_and_moves_the_case(case, nurse):
    db.session.add(ReportedEvent(operation_id=case.operation_id, kind=ReportedEventKind.READMITTED,
                                 occurred_on=date(2026, 3, 21), reported_by="system test"))
    db.session.flush()
    stored = classify(case_id=case.id, decision=decision(microorganism=" S. aureus "),
                      version=case.version_id, actor=nurse)
    assert (stored.level, stored.criterion) == (SSILevel.DEEP, "deep-purulent")
    assert (stored.proposed_level, stored.proposed_criterion) == (SSILevel.DEEP,
                                                                  "deep-purulent")
    assert stored.detected is Detection.AFTER_DISCHARGE and stored.microorganism == "S. aureus"
    assert (stored.readmitted, stored.reoperated, stored.died) == (True, False, False)
    assert stored.findings["onset_on"] == "2026-03-20"
    assert stored.override_reason is None and stored.classified_by == nurse.ref
    assert case.state is CaseState.CLASSIFIED
    audits = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "WoundClassification")).all()
    assert [(a.action, a.purpose) for a in audits] == [("create", "quality-surveillance")]


def test_a_classified_case_is_classified_again_in_place(case, nurse, frozen_clock):
    classify(case_id=case.id, decision=decision(), version=case.version_id, actor=nurse)
    before = case.version_id
    frozen_clock.shift(60)
    again = classify(case_id=case.id, decision=decision(consequences={
        "readmitted": False, "reoperated": True, "died": False}), version=before, actor=nurse)
    assert again.reoperated and case.state is CaseState.CLASSIFIED
    assert case.version_id > before
    assert db.session.scalar(sa.select(sa.func.count(Classification.id))) == 1
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.resource_type == "WoundClassification")).all()
    assert actions == ["create", "update"]


def test_an_override_needs_its_reason(case, nurse):
    with pytest.raises(Refused) as refused:
        classify(case_id=case.id, decision=decision(level="superficial"),
                 version=case.version_id, actor=nurse)
    assert [p.field for p in refused.value.problems] == ["override_reason"]
    stored = classify(case_id=case.id, decision=decision(
        level="superficial", override_reason="The deep layer was intact at revision."),
        version=case.version_id, actor=nurse)
    assert (stored.level, stored.criterion) == (SSILevel.SUPERFICIAL, "superficial-purulent")
    assert stored.proposed_level is SSILevel.DEEP
    assert stored.override_reason == "The deep layer was intact at revision."


@pytest.mark.parametrize("changes, field", [
    ({"level": "organ_space", "organ_site": "IAB"}, "level"),
    ({"level": "none", "detected": None}, "level"),
    ({"criterion": "deep-abscess"}, "criterion"),
    ({"criterion": "no-such"}, "criterion"),
    ({"onset_on": None}, "onset_on"),
    ({"onset_on": date(2026, 4, 21)}, "onset_on"),
    ({"detected": None}, "detected"),
    ({"organ_site": "IAB"}, "organ_site"),
    ({"findings": {"purulent_from": ["organ_space"]}, "level": "organ_space"}, "organ_site"),
    ({"findings": {"culture": "positive"}}, "findings.culture_from"),
    ({"microorganism": "x" * 201}, "microorganism"),
], ids=str)
def test_what_the_findings_cannot_support_is_refused(case, nurse, changes, field):
    with pytest.raises(Refused) as refused:
        classify(case_id=case.id, decision=decision(**changes), version=case.version_id,
                 actor=nurse)
    assert field in [p.field for p in refused.value.problems]
    assert classification_of(case) is None and case.state is CaseState.TRIAGED


def test_no_ssi_with_nothing_found(case, nurse):
    stored = classify(case_id=case.id, decision={"level": "none"}, version=case.version_id,
                      actor=nurse)
    assert stored.level is SSILevel.NONE and stored.criterion is None


def test_another_hospitals_case_is_not_found(case):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    member = make_staff(elsewhere, Role.INFECTION_CONTROL)
    with pytest.raises(staff.NotFound):
        classify(case_id=case.id, decision=decision(), version=case.version_id,
                 actor=Actor.staff(member.id, organisation_id=elsewhere.id))


@pytest.mark.parametrize("version", [None, 0, 99])
def test_an_older_version_is_stale(case, nurse, version):
    with pytest.raises(staff.Stale):
        classify(case_id=case.id, decision=decision(), version=version, actor=nurse)


@pytest.mark.parametrize("state", [CaseState.INVITED, CaseState.ANSWERED, CaseState.CLOSED,
                                   CaseState.NON_RESPONDER])
def test_a_case_not_ready_is_refused(hospital, nurse, state):
    case = make_case(make_person(), hospital, state=state)
    with pytest.raises(WrongState):
        classify(case_id=case.id, decision=decision(), version=case.version_id, actor=nurse)
    assert classification_of(case) is None


@pytest.mark.parametrize("state", [CaseState.UNDER_REVIEW, CaseState.AWAITING_INFORMATION])
def test_from_review_and_awaiting_information(hospital, nurse, state):
    case = make_case(make_person(), hospital, state=state)
    classify(case_id=case.id, decision=decision(), version=case.version_id, actor=nurse)
    assert case.state is CaseState.CLASSIFIED


def test_the_proposal_reads_the_stored_findings_and_the_category_window(hospital, nurse):
    case = make_case(make_person(), hospital, state=CaseState.TRIAGED, category="HPRO")
    assert proposal_for(case).level is SSILevel.NONE
    classify(case_id=case.id, decision=decision(onset_on=date(2026, 4, 15)),
             version=case.version_id, actor=nurse)
    proposal = proposal_for(case)
    assert (proposal.level, proposal.onset_day) == (SSILevel.DEEP, 45)
