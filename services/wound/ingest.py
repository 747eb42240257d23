"""Operations the hospital registers, and what it reports after them.

Each operation gets its follow-up case at once: due on the operation's day plus its
category's follow-up days, for the questionnaire version current at registration. A create
never updates (an existing business identifier is :class:`AlreadyExists`); an update that
changes nothing makes no new version. A correction of the day or the category moves the
due day while she has not been invited yet. Readmission, reoperation and death mute the
reminders. Every write is audited.
"""

from __future__ import annotations

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.db import db
from services.fhir.ingest import AlreadyExists, IngestError, NotFound, assign_changed
from services.people.models import Person
from services.wound import catalogue, questionnaires, risk, schedule, states
from services.wound.fhir import OperationData
from services.wound.models import (
    CaseState,
    FollowUp,
    Operation,
    OperationStatus,
    ReportedEvent,
    ReportedEventKind,
)

PURPOSE = "quality-surveillance"
#: The questionnaire a new case is asked with (its newest active version).
QUESTIONNAIRE_URL = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup"
#: Why a case is muted, by what was reported (death first: it says the most).
MUTED_BY = {ReportedEventKind.DIED: "died", ReportedEventKind.READMITTED: "readmitted",
            ReportedEventKind.REOPERATED: "reoperated"}

__all__ = ["AlreadyExists", "IngestError", "NotFound", "create_operation", "update_operation"]


def operation_by_identifier(*, system: str, value: str) -> Operation | None:
    return db.session.scalar(sa.select(Operation).where(
        Operation.identifier_system == system, Operation.identifier_value == value))


def create_operation(*, data: OperationData, actor: Actor) -> Operation:
    if operation_by_identifier(system=data.identifier_system,
                               value=data.identifier_value) is not None:
        raise AlreadyExists("an operation with this identifier is stored",
                            "Procedure.identifier")
    if db.session.get(Person, data.person_id) is None:
        raise NotFound("person")
    operation = Operation(identifier_system=data.identifier_system,
                          identifier_value=data.identifier_value, person_id=data.person_id)
    _apply(operation, data)
    db.session.add(operation)
    db.session.flush()
    questionnaire = questionnaires.questionnaire(QUESTIONNAIRE_URL)
    case = FollowUp(operation_id=operation.id, person_id=operation.person_id,
                    organisation_id=operation.organisation_id, due_on=_due(data),
                    questionnaire_url=questionnaire["url"],
                    questionnaire_version=questionnaire["version"])
    db.session.add(case)
    db.session.flush()
    _report(operation, case, data, actor)
    _withdrawn(operation, case, actor)
    _audit(actor, "create", operation)
    return operation


def update_operation(*, operation_id: int, data: OperationData, actor: Actor) -> Operation:
    operation = db.session.get(Operation, operation_id)
    if operation is None:
        raise NotFound("operation")
    if data.person_id != operation.person_id:
        raise IngestError("the patient of an operation cannot change", "Procedure.subject")
    if (data.identifier_system, data.identifier_value) != (operation.identifier_system,
                                                           operation.identifier_value):
        raise IngestError("the business identifier of an operation cannot change",
                          "Procedure.identifier")
    _apply(operation, data)
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.operation_id == operation.id))
    if case.state is CaseState.SCHEDULED:
        assign_changed(case, due_on=_due(data), organisation_id=data.organisation_id)
    db.session.flush()
    _report(operation, case, data, actor)
    _withdrawn(operation, case, actor)
    _audit(actor, "update", operation)
    return operation


def reported_events(operation_id: int) -> dict[ReportedEventKind, object]:
    """What the hospital reported after the operation: the first day of each kind."""
    found: dict[ReportedEventKind, object] = {}
    for event in db.session.scalars(sa.select(ReportedEvent).where(
            ReportedEvent.operation_id == operation_id).order_by(ReportedEvent.occurred_on)):
        found.setdefault(event.kind, event.occurred_on)
    return found


def _apply(operation: Operation, data: OperationData) -> None:
    category = catalogue.load().by_key(data.category)
    assign_changed(
        operation, status=data.status, category=data.category,
        procedure_code=data.procedure_code, procedure_display=data.procedure_display,
        performed_at=data.performed_at, duration_minutes=data.duration_minutes,
        asa_class=data.asa_class, wound_class=data.wound_class, emergency=data.emergency,
        antibiotic_prophylaxis=data.antibiotic_prophylaxis, endoscopic=data.endoscopic,
        implant=data.implant, discharged_on=data.discharged_on,
        organisation_id=data.organisation_id, unit_id=data.unit_id,
        nnis_index=risk.nnis_index(category=category, asa=data.asa_class,
                                   wound_class=data.wound_class,
                                   duration_minutes=data.duration_minutes,
                                   endoscopic=data.endoscopic))


def _due(data: OperationData):
    return schedule.due_on(performed_at=data.performed_at,
                           category=catalogue.load().by_key(data.category))


def _report(operation: Operation, case: FollowUp, data: OperationData, actor: Actor) -> None:
    """Store what is newly reported (a report is never taken back) and mute the case."""
    known = {(e.kind, e.occurred_on) for e in db.session.scalars(
        sa.select(ReportedEvent).where(ReportedEvent.operation_id == operation.id))}
    for kind, day in data.reported.items():
        if (kind, day) not in known:
            db.session.add(ReportedEvent(operation_id=operation.id, kind=kind, occurred_on=day,
                                         reported_by=actor.ref))
            known.add((kind, day))
    reported = {kind for kind, _ in known}
    reason = next((MUTED_BY[kind] for kind in MUTED_BY if kind in reported), None)
    if reason is not None:
        assign_changed(case, muted_reason=reason)
    db.session.flush()


def _withdrawn(operation: Operation, case: FollowUp, actor: Actor) -> None:
    """An operation entered in error is not followed up: a case not yet answered is closed
    (and a question put to her taken back)."""
    if operation.status is OperationStatus.ENTERED_IN_ERROR and case.state in (
            CaseState.SCHEDULED, CaseState.INVITED, CaseState.REMINDED):
        states.move(case, CaseState.CLOSED, actor=actor)


def _audit(actor: Actor, action: str, operation: Operation) -> None:
    audit.record(actor=actor, action=action, resource_type="Procedure",
                 resource_id=operation.id, subject_person_id=operation.person_id,
                 purpose=PURPOSE)
