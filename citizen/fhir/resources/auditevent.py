"""AuditEvent: the access log (who has seen a patient's record), read-only.

Served are the rows of someone's access log: every audit row about a person that the person
did not write herself (services/records/access_log.py). A hospital's own system sees the
entries of its own organisation (its staff, its units' staff and its own systems); a system
acting for citizens (helsenorge) sees the whole log, as she does on Min helse. For a caller
an entry it may not see is not there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g

from citizen.fhir.params import AnyOf
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._ultrasound import at, of_people
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent
from services.clients.models import SystemClient
from services.db import db
from services.people.service import with_units
from services.records.access_log import Names, not_by_the_subject
from services.records.fhir_audit import ACTIONS, to_audit_event


def _actions(tokens: list[Token]) -> list[str]:
    """Our actions for AuditEvent.action codes (C, R, U, D, E)."""
    codes = {t.code for t in tokens}
    return [action for action, code in ACTIONS.items() if code in codes]


@register
class AuditEventHandler(ResourceHandler):
    resource_type = "AuditEvent"
    model = AuditEvent
    interactions = ("read", "search-type")
    purpose = "access-log"
    documentation = (
        "The access log, read-only: who (agent: staff by HPR number and name with their "
        "roles, a representative, or a system) read or changed what (entity: the Patient, "
        "and the resource) when (recorded) and why (purposeOfEvent, with the reason staff "
        "gave as text). A citizen's own actions are left out. A hospital's own system sees "
        "its organisation's entries; a system acting for citizens sees the whole log.")
    search_params = {
        "patient": SearchParam("reference", "the patient: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(AuditEvent.subject_person_id), target="Patient"),
        "date": SearchParam("date", "recorded (eq, gt, lt, ge, le)", at(AuditEvent.occurred_at)),
        "action": SearchParam("token", "C, R, U, D or E", AnyOf(AuditEvent.action, _actions)),
    }

    def base_query(self) -> sa.Select:
        return sa.select(*AuditEvent.__table__.columns).where(not_by_the_subject())

    def visible(self, statement: sa.Select, *, actor: Actor) -> sa.Select:
        if actor.kind is not ActorKind.SYSTEM:
            return statement.where(sa.false())
        own = db.session.scalar(sa.select(SystemClient.organisation_id)
                                .where(SystemClient.client_id == actor.id))
        if own is None:
            return statement  # acting for citizens: the whole log, as she sees it
        organisations = with_units({own})
        their_systems = sa.select(SystemClient.client_id).where(
            SystemClient.organisation_id.in_(organisations))
        return statement.where(sa.or_(
            sa.and_(AuditEvent.actor_kind == ActorKind.STAFF.value,
                    AuditEvent.actor_organisation_id.in_(organisations)),
            sa.and_(AuditEvent.actor_kind == ActorKind.SYSTEM.value,
                    AuditEvent.actor_id.in_(their_systems))))

    def last_updated(self) -> sa.ColumnElement:
        return AuditEvent.occurred_at  # rows never change after they are written

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        # One request's rows often name the same people: each is looked up once.
        names = g.setdefault("audit_event_names", Names())
        return to_audit_event(row, names=names)

    def subject_of(self, row: Stored) -> int | None:
        return row.subject_person_id
