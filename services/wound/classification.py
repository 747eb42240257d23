"""Infection-control staff classify a case: the level, the criterion and what it rests on,
beside the rules helper's proposal (``services.wound.classify``). A contradiction of the
findings is refused; an override of the proposal needs its reason. The case moves to
classified; a classified case is classified again in place. Every write is audited."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import NORWAY, utcnow
from services.db import db
from services.wound import answers, catalogue, staff, states, triage
from services.wound.classify import (
    CRITERIA,
    N_,
    ORGAN_SITES,
    SUPERFICIAL_WINDOW_DAYS,
    Findings,
    FindingsError,
    Message,
    Proposal,
    contradictions,
    propose,
)
from services.wound.models import (
    CaseState,
    Classification,
    Detection,
    FollowUp,
    ReportedEvent,
    ReportedEventKind,
    SSILevel,
)

RESOURCE = "WoundClassification"
#: States a case is classified from (moving to classified), and the one it is updated in.
CLASSIFIABLE = frozenset({CaseState.TRIAGED, CaseState.UNDER_REVIEW,
                          CaseState.AWAITING_INFORMATION, CaseState.CLASSIFIED})


class Refused(ValueError):
    """The decision cannot be stored; ``problems`` say why, each at its field."""

    def __init__(self, problems: list[Message]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class WrongState(ValueError):
    """The case cannot be classified in its state."""


@dataclass(frozen=True)
class Consequences:
    readmitted: bool = False
    reoperated: bool = False
    died: bool = False


@dataclass(frozen=True)
class Decision:
    level: SSILevel
    organ_site: str | None = None
    onset_on: date | None = None
    criterion: str | None = None
    detected: Detection | None = None
    microorganism: str | None = None
    #: None: as the hospital reported them (``ReportedEvent``).
    consequences: Consequences | None = None
    findings: Findings = field(default_factory=Findings)
    override_reason: str | None = None


def classification_of(case: FollowUp) -> Classification | None:
    return db.session.scalar(sa.select(Classification)
                             .where(Classification.follow_up_id == case.id))


def reported_consequences(case: FollowUp) -> Consequences:
    """What the hospital reported after the operation."""
    kinds = set(db.session.scalars(sa.select(ReportedEvent.kind).where(
        ReportedEvent.operation_id == case.operation_id)))
    return Consequences(readmitted=ReportedEventKind.READMITTED in kinds,
                        reoperated=ReportedEventKind.REOPERATED in kinds,
                        died=ReportedEventKind.DIED in kinds)


def deep_window(case: FollowUp) -> int:
    """The deep and organ/space window of the case's category (30 if no longer listed)."""
    category = catalogue.load().by_key(case.operation.category)
    return category.deep_window_days if category else SUPERFICIAL_WINDOW_DAYS


def proposal_for(case: FollowUp, findings: Findings | None = None) -> Proposal:
    """The helper's proposal for the case: the findings given, else those stored."""
    if findings is None:
        stored = classification_of(case)
        findings = Findings.from_dict(stored.findings) if stored else Findings()
    answer = answers.answer_of(case.id)
    given = list(triage.answers_in(answer.response.get("item", []))) if answer else []
    return propose(findings=findings, answers=given,
                   operation_day=case.operation.operated_on,
                   implant_window_days=deep_window(case))


def as_decision(value: Decision | dict[str, Any]) -> Decision:
    """A decision from a dict of its fields (findings as a dict or Findings)."""
    if isinstance(value, Decision):
        return value
    known = {f.name for f in fields(Decision)}
    data = {k: v for k, v in value.items() if k in known}
    if isinstance(data.get("findings"), dict | type(None)):
        try:
            data["findings"] = Findings.from_dict(data.get("findings"))
        except FindingsError as exc:
            raise Refused([Message(str(exc), field=f"findings.{exc.field}")]) from None
    if isinstance(data.get("consequences"), dict):
        data["consequences"] = Consequences(**data["consequences"])
    if "level" in data:
        data["level"] = SSILevel(data["level"])
    if data.get("detected") is not None:
        data["detected"] = Detection(data["detected"])
    return Decision(**data)


def classify(*, case_id: int, decision: Decision | dict[str, Any], version: int | None,
             actor: Actor) -> Classification:
    """Store staff's classification of the case and move it to classified.

    :class:`staff.NotFound` another hospital's case; :class:`staff.Stale` an older
    version; :class:`WrongState` a case not ready; :class:`Refused` a contradiction, an
    override without a reason or a field that does not fit.
    """
    case = staff.case_for(case_id, actor=actor, for_update=True)
    staff.check_version(case, version)
    if case.state not in CLASSIFIABLE:
        raise WrongState(f"a case that is {case.state.value} cannot be classified: it is "
                         "classified once answered and triaged")
    decision = as_decision(decision)
    findings = replace(decision.findings, onset_on=decision.onset_on)
    proposal = proposal_for(case, findings)
    problems = _problems(decision, findings, proposal)
    if problems:
        raise Refused(problems)
    criterion = decision.criterion
    if decision.level is not SSILevel.NONE and criterion is None:
        criterion = (proposal.criterion if proposal.level is decision.level
                     else proposal.met[decision.level][0])
    overridden = decision.level is not proposal.level
    consequences = decision.consequences or reported_consequences(case)
    stored = classification_of(case)
    created = stored is None
    if created:
        stored = Classification(follow_up_id=case.id)
        db.session.add(stored)
    stored.level, stored.criterion = decision.level, criterion
    stored.organ_site = decision.organ_site
    stored.onset_on = decision.onset_on
    stored.detected = decision.detected
    stored.microorganism = (decision.microorganism or "").strip() or None
    stored.readmitted = consequences.readmitted
    stored.reoperated = consequences.reoperated
    stored.died = consequences.died
    stored.findings = findings.as_dict()
    stored.proposed_level, stored.proposed_criterion = proposal.level, proposal.criterion
    stored.override_reason = decision.override_reason.strip() if overridden else None
    stored.classified_by = actor.ref
    stored.classified_at = utcnow()
    if case.state is CaseState.CLASSIFIED:
        staff.touch(case)
    else:
        states.move(case, CaseState.CLASSIFIED, actor=actor)
    db.session.flush()
    audit.record(actor=actor, action="create" if created else "update",
                 resource_type=RESOURCE, resource_id=str(stored.id),
                 subject_person_id=case.person_id, purpose=states.PURPOSE)
    return stored


def _problems(decision: Decision, findings: Findings, proposal: Proposal) -> list[Message]:
    level = decision.level
    problems = contradictions(level=level, findings=findings, proposal=proposal,
                              criterion=decision.criterion)
    if decision.criterion is not None and decision.criterion not in CRITERIA:
        problems = [p for p in problems if p.field != "criterion"]
        problems.append(Message(N_("%(criterion)s is not a criterion we know."),
                                {"criterion": decision.criterion}, field="criterion"))
    infection = level is not SSILevel.NONE
    if level is SSILevel.ORGAN_SPACE and decision.organ_site not in ORGAN_SITES:
        problems.append(Message(N_("Choose the organ/space site."), field="organ_site"))
    if level is not SSILevel.ORGAN_SPACE and decision.organ_site is not None:
        problems.append(Message(N_("A site is given for organ/space SSI only."),
                                field="organ_site"))
    if infection and decision.detected is None:
        problems.append(Message(N_("Say where the infection was detected."),
                                field="detected"))
    if not infection and (decision.detected is not None or decision.microorganism):
        field_name = "detected" if decision.detected is not None else "microorganism"
        problems.append(Message(N_("No SSI has no detection or microorganism."),
                                field=field_name))
    if decision.onset_on is not None and decision.onset_on > utcnow().astimezone(NORWAY).date():
        problems.append(Message(N_("The onset cannot be in the future."), field="onset_on"))
    if len(decision.microorganism or "") > 200:
        problems.append(Message(N_("At most 200 characters."), field="microorganism"))
    reason = (decision.override_reason or "").strip()
    if not problems and level is not proposal.level and not reason:
        problems.append(Message(N_("You chose another level than the proposal (%(level)s): "
                                   "say why."), {"level": proposal.level.value},
                                field="override_reason"))
    if len(reason) > 1000:
        problems.append(Message(N_("At most 1000 characters."), field="override_reason"))
    return problems
