"""Schedule: a clinic's bookable time for one scan at one place."""

from __future__ import annotations

from typing import Any

from citizen.fhir.params import AnyOf, storable
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, Token, register
from citizen.fhir.resources._ultrasound import domain_errors, services_of
from services.actors import Actor
from services.ultrasound.fhir import from_schedule, to_schedule
from services.ultrasound.ingest import create_schedule, update_schedule
from services.ultrasound.models import Schedule


def _identifiers(tokens: list[Token]) -> list[str]:
    return [t.code for t in tokens if storable(t.code)]


def _active(tokens: list[Token]) -> list[bool]:
    return [t.code == "true" for t in tokens if t.code in ("true", "false")]


@register
class ScheduleHandler(ResourceHandler):
    resource_type = "Schedule"
    model = Schedule
    purpose = "appointments"
    documentation = (
        "Free capacity per scan and place: identifier (its value is the key), serviceType "
        "early-ultrasound or routine-ultrasound (any system), an actor that is a contained "
        "Location (name, address, managingOrganization by organisation number or RESH id).")
    search_params = {
        "identifier": SearchParam("token", "identifier value", AnyOf(Schedule.identifier,
                                                                     _identifiers)),
        "service-type": SearchParam("token", "early-ultrasound or routine-ultrasound",
                                    AnyOf(Schedule.service, services_of)),
        "active": SearchParam("token", "true or false", AnyOf(Schedule.active, _active)),
    }

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_schedule(row)

    def subject_of(self, row: Stored) -> None:
        return None

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            return create_schedule(data=from_schedule(resource), actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            return update_schedule(schedule_id=row.id, data=from_schedule(resource),
                                   actor=actor).id
