"""Due dates, appointments, schedules and slots ↔ FHIR R4 (Observation, Appointment,
Schedule, Slot): the one place for these mappings.

What the hospital system sends is read into the domain's input (``services.ultrasound.ingest``);
anything that cannot be read raises :class:`MappingError` naming the element. Stored rows
(the model's columns) are written back as FHIR.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.fhir import mapping
from services.fhir.columns import too_long
from services.fhir.mapping import MappingError
from services.ultrasound import lookups
from services.ultrasound.ingest import (
    AppointmentData,
    DueDateData,
    Location,
    ScheduleData,
    SlotData,
)
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    DueDate,
    DueDateStatus,
    Schedule,
    Service,
    Slot,
    SlotStatus,
)

#: The project's CodeSystem for the two scans (served at /fhir/R4/CodeSystem/ultrasound-service).
#: A coding with one of its codes names the service in any system: hospital systems rarely
#: carry our URL, and the codes are unambiguous.
SERVICE_SYSTEM = "https://minhelse.no/fhir/CodeSystem/ultrasound-service"
SERVICE_CODES = {"early-ultrasound": Service.EARLY, "routine-ultrasound": Service.ROUTINE}
SERVICE_DISPLAY = {Service.EARLY: "Early ultrasound (week 11+0 to 13+6)",
                   Service.ROUTINE: "Routine ultrasound (week 17 to 19)"}
CODE_OF_SERVICE = {service: code for code, service in SERVICE_CODES.items()}

LOINC = "http://loinc.org"
#: LOINC "Delivery date Estimated".
DUE_DATE_CODE = "11778-8"
#: A due date further ahead than this cannot be a pregnancy's (40 weeks and some slack).
MAX_DUE_DATE_AHEAD = timedelta(days=300)
#: Longer than any scan; a longer "duration" is a mistake in the sending system.
MAX_MINUTES = 600

_INTERPRETER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "INTP", "display": "interpreter"}
_OBSERVATION_STATUSES = {"final": DueDateStatus.FINAL, "amended": DueDateStatus.AMENDED,
                         "corrected": DueDateStatus.AMENDED,
                         "entered-in-error": DueDateStatus.ENTERED_IN_ERROR}



def code_system() -> dict[str, Any]:
    """The CodeSystem of the two services, as published."""
    return mapping.code_system(
        id="ultrasound-service", url=SERVICE_SYSTEM, name="UltrasoundService",
        title="Pregnancy ultrasound services",
        description="The pregnancy ultrasound scans Min helse shows to citizens. A coding "
                    "with one of these codes in Appointment.serviceType or "
                    "Schedule.serviceType names the scan, whatever its system.",
        concepts=[{"code": code, "display": SERVICE_DISPLAY[service]}
                  for code, service in SERVICE_CODES.items()])


# --- reading what the hospital sends ---------------------------------------------------


def from_observation(resource: dict[str, Any], *, allow_synthetic: bool,
                     today: date) -> DueDateData:
    codings = list(mapping.codings(resource.get("code"), "Observation.code"))
    if not any(c.get("system") == LOINC and c.get("code") == DUE_DATE_CODE for c, _ in codings):
        raise MappingError(f"only the estimated due date (LOINC {DUE_DATE_CODE}) is taken "
                           "as an Observation here", "Observation.code")
    status = _OBSERVATION_STATUSES.get(resource.get("status"))
    if status is None:
        raise MappingError("status must be final, amended, corrected or entered-in-error",
                           "Observation.status")
    person_id = mapping.patient(resource.get("subject"), "Observation.subject",
                         allow_synthetic=allow_synthetic)
    if "valueDateTime" not in resource:
        raise MappingError("the due date is given as valueDateTime", "Observation.value[x]")
    due = mapping.calendar_date(resource["valueDateTime"], "Observation.valueDateTime")
    if due > today + MAX_DUE_DATE_AHEAD:
        raise MappingError("a due date this far ahead cannot be right",
                           "Observation.valueDateTime")
    effective = resource.get("effectiveDateTime")
    effective_at = (mapping.moment(effective, "Observation.effectiveDateTime", date_allowed=True)
                    if effective is not None else None)
    system, value = mapping.business_identifier(resource, "Observation", required=False)
    organisation_id = None
    for index, performer in enumerate(resource.get("performer") or []):
        found = mapping.organisation_in(performer, f"Observation.performer[{index}]")
        if found is not None:
            organisation_id = found
            break
    return DueDateData(person_id=person_id, due_date=due, effective_at=effective_at,
                       identifier_system=system, identifier_value=value,
                       organisation_id=organisation_id, status=status)


def from_appointment(resource: dict[str, Any], *, allow_synthetic: bool) -> AppointmentData:
    system, value = mapping.business_identifier(resource, "Appointment", required=True)
    try:
        status = AppointmentStatus(resource.get("status"))
    except ValueError:
        raise MappingError("status must be booked, cancelled, fulfilled, noshow or "
                           "entered-in-error", "Appointment.status") from None
    service = _service(resource, "Appointment")
    start, end = _period(resource)
    contained = _contained(resource, "Appointment")
    person_id = None
    location, organisation_id = None, None
    for index, participant in enumerate(resource.get("participant") or []):
        where = f"Appointment.participant[{index}].actor"
        actor = participant.get("actor") if isinstance(participant, dict) else None
        if not isinstance(actor, dict):
            continue
        found = mapping.patient_if_any(actor, where, allow_synthetic=allow_synthetic)
        if found is not None:
            if person_id is not None:
                raise MappingError("an appointment is for one woman: only one participant "
                                   "may carry a fødselsnummer or D-number", where)
            person_id = found
            continue
        place, managing = _location_of(actor, contained, where)
        if place is not None and location is None:
            location, organisation_id = place, organisation_id or managing
        organisation_id = organisation_id or mapping.organisation_in(actor, where)
    if person_id is None:
        raise MappingError("no participant carries the woman's fødselsnummer or D-number",
                           "Appointment.participant")
    slot_id = _slot(resource)
    if organisation_id is None and slot_id is not None:
        slot = lookups.slot_by_id(slot_id)
        organisation_id = slot.schedule.organisation_id if slot else None
    if organisation_id is None:
        raise MappingError("name the hospital: a Location's managingOrganization, or a "
                           "participant, with its organisation number or RESH id, or the "
                           "slot booked", "Appointment.participant")
    reason = resource.get("cancelationReason")
    cancel_reason = mapping.text_of(reason) if isinstance(reason, dict) else None
    data = AppointmentData(identifier_system=system, identifier_value=value,
                           person_id=person_id, organisation_id=organisation_id,
                           service=service, start=start, end=end, status=status,
                           location=location or Location(), slot_id=slot_id,
                           cancel_reason=cancel_reason)
    _fits(Appointment, data.location, "Appointment.contained",
          cancel_reason=(cancel_reason, "Appointment.cancelationReason"),
          identifier_system=(system, "Appointment.identifier"),
          identifier_value=(value, "Appointment.identifier"))
    return data


def from_schedule(resource: dict[str, Any]) -> ScheduleData:
    _system, value = mapping.business_identifier(resource, "Schedule", required=True,
                                                 system_required=False)
    service = _service(resource, "Schedule")
    contained = _contained(resource, "Schedule")
    location, organisation_id = None, None
    for index, actor in enumerate(resource.get("actor") or []):
        if not isinstance(actor, dict):
            continue
        where = f"Schedule.actor[{index}]"
        place, managing = _location_of(actor, contained, where)
        if place is not None and location is None:
            location, organisation_id = place, organisation_id or managing
        organisation_id = organisation_id or mapping.organisation_in(actor, where)
    if organisation_id is None:
        raise MappingError("name the hospital: a Location's managingOrganization, or an "
                           "actor, with its organisation number or RESH id", "Schedule.actor")
    active = resource.get("active", True)
    data = ScheduleData(identifier=value, organisation_id=organisation_id, service=service,
                        location=location or Location(), active=active is not False)
    _fits(Schedule, data.location, "Schedule.contained",
          identifier=(value, "Schedule.identifier"))
    return data


def from_slot(resource: dict[str, Any]) -> SlotData:
    _system, value = mapping.business_identifier(resource, "Slot", required=True,
                                                 system_required=False)
    try:
        status = SlotStatus(resource.get("status"))
    except ValueError:
        raise MappingError("status must be free, busy or busy-unavailable",
                           "Slot.status") from None
    start = mapping.moment(resource.get("start"), "Slot.start")
    end = mapping.moment(resource.get("end"), "Slot.end")
    if end <= start:
        raise MappingError("a slot ends after it starts", "Slot.end")
    schedule = resource.get("schedule") or {}
    found = None
    reference = schedule.get("reference")
    if isinstance(reference, str) and reference.startswith("Schedule/"):
        number = mapping.resource_id(reference.removeprefix("Schedule/"))
        found = lookups.schedule_by_id(number) if number is not None else None
    elif isinstance(schedule.get("identifier"), dict):
        found = lookups.schedule_by_identifier(str(schedule["identifier"].get("value") or ""))
    if found is None:
        raise MappingError("the schedule is not known here (Schedule/<id>, or its identifier)",
                           "Slot.schedule")
    problems = too_long(Slot, {"identifier": (value, "Slot.identifier")})
    if problems:
        raise MappingError(problems[0].message, problems[0].expression)
    return SlotData(identifier=value, schedule_id=found.id, start=start, end=end,
                    status=status)


# --- writing what is stored ------------------------------------------------------------


def to_observation(row: DueDate) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(row.id),
        "meta": mapping.meta(row),
        "status": row.status.value,
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "exam"}]}],
        "code": {"coding": [{"system": LOINC, "code": DUE_DATE_CODE,
                             "display": "Delivery date Estimated"}]},
        "subject": {"reference": f"Patient/{row.person_id}"},
        "effectiveDateTime": mapping.instant(row.effective_at),
        "valueDateTime": row.due_date.isoformat(),
    }
    if row.identifier_system and row.identifier_value:
        resource["identifier"] = [{"system": row.identifier_system,
                                   "value": row.identifier_value}]
    return resource


def to_appointment(row: Appointment) -> dict[str, Any]:
    minutes = int((row.end - row.start).total_seconds() // 60)
    patient = {"actor": {"reference": f"Patient/{row.person_id}"}, "required": "required",
               # She answered the reminder "JA"; until then the hospital waits for her.
               "status": "accepted" if row.confirmed_at else "needs-action"}
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(row.id),
        "meta": mapping.meta(row),
        "identifier": [{"system": row.identifier_system, "value": row.identifier_value}],
        "status": row.status.value,
        "serviceType": [_service_concept(row.service)],
        "start": mapping.instant(row.start),
        "end": mapping.instant(row.end),
        "minutesDuration": max(minutes, 1),
        "created": mapping.instant(row.created_at),
        "participant": [patient],
    }
    if row.cancel_reason:
        resource["cancelationReason"] = {"text": row.cancel_reason}
    if row.slot_id:
        resource["slot"] = [{"reference": f"Slot/{row.slot_id}"}]
    location = _location_resource(row)
    if location:
        resource["contained"] = [location]
        resource["participant"].append({"actor": {"reference": "#location",
                                                  "display": row.location_name or "",
                                                  "type": "Location"},
                                        "status": "accepted"})
    if row.interpreter_language:
        resource["participant"].append({
            "type": [{"coding": [_INTERPRETER], "text": row.interpreter_language}],
            "status": "needs-action"})
    return resource


def to_schedule(row: Schedule) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Schedule",
        "id": str(row.id),
        "meta": mapping.meta(row),
        "identifier": [{"value": row.identifier}],
        "active": row.active,
        "serviceType": [_service_concept(row.service)],
        "actor": [{"display": row.location_name or "ultrasound"}],
    }
    location = _location_resource(row)
    if location:
        resource["contained"] = [location]
        resource["actor"] = [{"reference": "#location", "display": row.location_name or "",
                              "type": "Location"}]
    return resource


def to_slot(row: Slot, *, service: Service) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": str(row.id),
        "meta": mapping.meta(row),
        "identifier": [{"value": row.identifier}],
        "serviceType": [_service_concept(service)],
        "schedule": {"reference": f"Schedule/{row.schedule_id}"},
        "status": row.status.value,
        "start": mapping.instant(row.start),
        "end": mapping.instant(row.end),
    }


def service_of_token(code: str) -> Service | None:
    """The service a search's ``service-type`` code names (any system), if any."""
    return SERVICE_CODES.get(code)


# --- helpers ---------------------------------------------------------------------------






def _service_concept(service: Service) -> dict[str, Any]:
    return {"coding": [{"system": SERVICE_SYSTEM, "code": CODE_OF_SERVICE[service],
                        "display": SERVICE_DISPLAY[service]}]}


def _location_resource(row) -> dict[str, Any] | None:
    if not (row.location_name or row.location_address_line or row.location_city):
        return None
    location: dict[str, Any] = {"resourceType": "Location", "id": "location"}
    if row.location_name:
        location["name"] = row.location_name
    address = {key: value for key, value in (
        ("line", [row.location_address_line] if row.location_address_line else None),
        ("postalCode", row.location_postal_code), ("city", row.location_city)) if value}
    if address:
        location["address"] = {"use": "work", "type": "physical", **address}
    return location




def _service(resource: dict[str, Any], kind: str) -> Service:
    found = {SERVICE_CODES[c["code"]]
             for index, concept in enumerate(resource.get("serviceType") or [])
             for c, _ in mapping.codings(concept, f"{kind}.serviceType[{index}]")
             if c.get("code") in SERVICE_CODES}
    if len(found) != 1:
        raise MappingError("serviceType needs one coding with the code early-ultrasound or "
                           f"routine-ultrasound ({SERVICE_SYSTEM})", f"{kind}.serviceType")
    return found.pop()










def _contained(resource: dict[str, Any], kind: str) -> dict[str, tuple[dict[str, Any], str]]:
    return {f"#{item['id']}": (item, f"{kind}.contained[{index}]")
            for index, item in enumerate(resource.get("contained") or [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)}


def _location_of(actor: dict[str, Any], contained: dict[str, tuple[dict[str, Any], str]],
                 where: str) -> tuple[Location | None, int | None]:
    """The place ``actor`` names (a contained Location, or a Location's display) and the
    organisation managing it, where said."""
    reference = actor.get("reference")
    if isinstance(reference, str) and reference in contained:
        location, path = contained[reference]
        if location.get("resourceType") != "Location":
            return None, None
        address = location.get("address") if isinstance(location.get("address"), dict) else {}
        lines = [line for line in address.get("line") or [] if isinstance(line, str) and line]
        managing = location.get("managingOrganization")
        organisation_id = mapping.organisation_in(managing, f"{path}.managingOrganization")
        if organisation_id is None and isinstance(managing, dict):
            inner = contained.get(str(managing.get("reference")))
            if inner is not None and inner[0].get("resourceType") == "Organization":
                for index, identifier in enumerate(inner[0].get("identifier") or []):
                    organisation_id = organisation_id or mapping.organisation_in(
                        {"identifier": identifier}, f"{inner[1]}.identifier[{index}]")
        name = mapping.clean(location.get("name")) or mapping.clean(actor.get("display"))
        return Location(name=name,
                        address_line=", ".join(lines) or None,
                        postal_code=mapping.clean(address.get("postalCode")),
                        city=mapping.clean(address.get("city"))), organisation_id
    is_location = actor.get("type") == "Location" or (
        isinstance(reference, str) and reference.startswith("Location/"))
    if is_location and mapping.clean(actor.get("display")):
        return Location(name=mapping.clean(actor.get("display"))), None
    return None, None


def _slot(resource: dict[str, Any]) -> int | None:
    slots = resource.get("slot") or []
    if not slots:
        return None
    if len(slots) > 1:
        raise MappingError("an ultrasound appointment takes one slot", "Appointment.slot")
    reference = slots[0].get("reference") if isinstance(slots[0], dict) else None
    number = (mapping.resource_id(reference.removeprefix("Slot/"))
              if isinstance(reference, str) and reference.startswith("Slot/") else None)
    if number is None or lookups.slot_by_id(number) is None:
        raise MappingError("the slot is not known here (Slot/<id>)", "Appointment.slot[0]")
    return number


def _period(resource: dict[str, Any]) -> tuple[datetime, datetime]:
    start = mapping.moment(resource.get("start"), "Appointment.start")
    end_raw, minutes = resource.get("end"), resource.get("minutesDuration")
    if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)
                                or not 1 <= minutes <= MAX_MINUTES):
        raise MappingError(f"minutesDuration is 1 to {MAX_MINUTES}",
                           "Appointment.minutesDuration")
    if end_raw is not None:
        end = mapping.moment(end_raw, "Appointment.end")
        if end <= start:
            raise MappingError("an appointment ends after it starts", "Appointment.end")
        if minutes is not None and end != start + timedelta(minutes=minutes):
            raise MappingError("end and minutesDuration disagree", "Appointment.end")
        if end - start > timedelta(minutes=MAX_MINUTES):
            raise MappingError(f"an appointment lasts at most {MAX_MINUTES} minutes",
                               "Appointment.end")
        return start, end
    if minutes is None:
        raise MappingError("give end or minutesDuration", "Appointment.end")
    return start, start + timedelta(minutes=minutes)












def _fits(model: type, location: Location, where: str,
          **values: tuple[str | None, str]) -> None:
    problems = too_long(model, {
        "location_name": (location.name, where),
        "location_address_line": (location.address_line, where),
        "location_postal_code": (location.postal_code, where),
        "location_city": (location.city, where),
        **values,
    })
    if problems:
        raise MappingError(problems[0].message, problems[0].expression)
