"""Appointment: the early and the routine ultrasound, as the hospital system books them."""

from __future__ import annotations

from typing import Any

from citizen.fhir.params import AnyOf, IdentifierOf
from citizen.fhir.registry import ResourceHandler, SearchParam, Stored, register
from citizen.fhir.resources._ultrasound import (
    allow_synthetic,
    at,
    codes_of,
    domain_errors,
    of_people,
    services_of,
)
from services.actors import Actor
from services.ultrasound.fhir import SERVICE_SYSTEM, from_appointment, to_appointment
from services.ultrasound.ingest import create_appointment, update_appointment
from services.ultrasound.models import Appointment, AppointmentStatus


@register
class AppointmentHandler(ResourceHandler):
    resource_type = "Appointment"
    model = Appointment
    purpose = "appointments"
    documentation = (
        "Pregnancy ultrasound appointments. serviceType: a coding with the code "
        f"early-ultrasound or routine-ultrasound (any system; ours is {SERVICE_SYSTEM}, "
        "served as CodeSystem/ultrasound-service). The woman is the participant whose "
        "actor carries her fødselsnummer or D-number (she must be registered as a "
        "Patient). start, and end or minutesDuration, with their offsets. The place: a "
        "contained Location (name, address) referenced by a participant, or a participant "
        "actor of type Location with a display. The hospital: the Location's "
        "managingOrganization, or a participant, by organisation number or RESH id, or the "
        "Slot booked. status booked, cancelled, fulfilled, noshow or entered-in-error. "
        "Create and update by identifier: If-None-Exist, or PUT Appointment?identifier=.")
    search_params = {
        "identifier": SearchParam("token", "business identifier (system|value)",
                                  IdentifierOf(Appointment.identifier_system,
                                               Appointment.identifier_value)),
        "patient": SearchParam("reference", "the woman: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(Appointment.person_id), target="Patient"),
        "date": SearchParam("date", "start (eq, gt, lt, ge, le)", at(Appointment.start)),
        "status": SearchParam("token", "booked, cancelled, fulfilled, noshow, "
                              "entered-in-error",
                              AnyOf(Appointment.status, codes_of(AppointmentStatus))),
        "service-type": SearchParam("token", "early-ultrasound or routine-ultrasound (any "
                                    "system)", AnyOf(Appointment.service, services_of)),
    }

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        return to_appointment(row)

    def subject_of(self, row: Stored) -> int:
        return row.person_id

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_appointment(resource, allow_synthetic=allow_synthetic())
            return create_appointment(data=data, actor=actor).id

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        with domain_errors():
            data = from_appointment(resource, allow_synthetic=allow_synthetic())
            return update_appointment(appointment_id=row.id, data=data, actor=actor).id
