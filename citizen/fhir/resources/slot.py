"""Slot: a time in a schedule, free or busy."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from citizen.fhir.params import AnyOf, storable
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._ultrasound import at, codes_of, domain_errors, services_of
from services.actors import Actor
from services.ultrasound.fhir import from_slot, to_slot
from services.ultrasound.ingest import create_slot, update_slot
from services.ultrasound.models import Schedule, Slot, SlotStatus


def _identifiers(tokens: list[Token]) -> list[str]:
    return [t.code for t in tokens if storable(t.code)]


@register
class SlotHandler(ResourceHandler):
    resource_type = "Slot"
    model = Slot
    purpose = "appointments"
    documentation = (
        "A time in a Schedule (Schedule/<id>, or the schedule's identifier): identifier (its "
        "value is the key), start and end with their offsets, status free, busy or "
        "busy-unavailable. A slot holding a booked appointment stays busy until the "
        "appointment is cancelled or moved.")
    search_params = {
        "identifier": SearchParam("token", "identifier value", AnyOf(Slot.identifier,
                                                                     _identifiers)),
        "schedule": SearchParam("reference", "Schedule/<id>, or schedule.identifier=",
                                lambda statement, ids: statement.where(
                                    Slot.schedule_id.in_(ids)), target="Schedule"),
        "status": SearchParam("token", "free, busy, busy-unavailable",
                              AnyOf(Slot.status, codes_of(SlotStatus))),
        "start": SearchParam("date", "start (eq, gt, lt, ge, le)", at(Slot.start)),
        "service-type": SearchParam("token", "early-ultrasound or routine-ultrasound",
                                    AnyOf(Schedule.service, services_of)),
    }

    def base_query(self) -> sa.Select:
        """The slot's columns and its schedule's service (a Slot's serviceType)."""
        return (sa.select(*Slot.__table__.columns, Schedule.service.label("service"))
                .join(Schedule, Schedule.id == Slot.schedule_id))

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_slot(row, service=row.service)

    def subject_of(self, row: Stored) -> None:
        return None

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            return create_slot(data=from_slot(resource), actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            return update_slot(slot_id=row.id, data=from_slot(resource), actor=actor).id
