"""Operations ↔ FHIR R4 Procedure: the one place for this mapping.

A hospital registers each operation under surveillance as a ``Procedure``:

- ``identifier`` (system and value): what updates and corrections are matched by;
- ``status`` completed (or entered-in-error to withdraw it);
- ``subject``: the patient, by fødselsnummer/D-number (registered as a Patient first);
- ``code``: a coding whose code is a catalogue category's (CSEC, HPRO ...; any system)
  classifies it; another coding (the hospital's NCSP code) is kept for staff;
- ``performedPeriod`` start and end, with offsets: the day and the duration;
- ``performer.onBehalfOf``: the hospital by organisation number (required), and
  ``performer.actor`` an Organization unit where given;
- the extensions below (ASA, wound class, emergency, prophylaxis, endoscopic, implant,
  discharge date; readmission, reoperation and death when reported). Their
  StructureDefinitions are served at ``/fhir/R4/StructureDefinition/<id>``.

What we write back adds the NNIS risk index we computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from services.fhir import mapping
from services.fhir.columns import too_long
from services.fhir.extensions import define_extension
from services.fhir.mapping import MappingError
from services.people.lookups import ORG_NUMBER_SYSTEM
from services.people.models import Organisation
from services.wound import catalogue
from services.wound.models import Operation, OperationStatus, ReportedEvent, ReportedEventKind

#: Longer than any operation; a longer period is a mistake in the sending system.
MAX_DURATION = timedelta(hours=24)

ASA = define_extension(
    "asa-class", "integer", context="Procedure", title="ASA class",
    description="The patient's ASA physical status class before the operation, 1 to 5 "
                "(NOIS-POSI). 3 or more scores a point of the NNIS risk index.")
WOUND_CLASS = define_extension(
    "wound-class", "integer", context="Procedure", title="Wound contamination class",
    description="Renhetsgrad: 1 clean, 2 clean-contaminated, 3 contaminated, 4 dirty. "
                "3 or more scores a point of the NNIS risk index.")
EMERGENCY = define_extension(
    "emergency", "boolean", context="Procedure", title="Emergency operation",
    description="True for an emergency (acute) operation, false for a planned one.")
PROPHYLAXIS = define_extension(
    "antibiotic-prophylaxis", "boolean", context="Procedure",
    title="Antibiotic prophylaxis", description="Whether antibiotic prophylaxis was given.")
ENDOSCOPIC = define_extension(
    "endoscopic", "boolean", context="Procedure", title="Endoscopic (laparoscopic)",
    description="Whether the operation was done endoscopically; in categories where NNIS "
                "says so it lowers the risk index by one.")
IMPLANT = define_extension(
    "implant", "boolean", context="Procedure", title="Implant",
    description="Whether an implant was left (also true when focalDevice is given).")
DISCHARGED = define_extension(
    "discharge-date", "date", context="Procedure", title="Discharge date",
    description="The day the patient left the hospital after the operation.")
REPORTED = {
    ReportedEventKind.READMITTED: define_extension(
        "readmission-date", "date", context="Procedure", title="Readmitted",
        description="The day the patient was admitted again after the operation; mutes the "
                    "wound reminders and shows on the case."),
    ReportedEventKind.REOPERATED: define_extension(
        "reoperation-date", "date", context="Procedure", title="Re-operated",
        description="The day the patient was operated on again; mutes the reminders."),
    ReportedEventKind.DIED: define_extension(
        "death-date", "date", context="Procedure", title="Died",
        description="The day the patient died; no more messages are sent."),
}
NNIS = define_extension(
    "nnis-risk-index", "integer", context="Procedure", title="NNIS risk index",
    description="Computed by Min helse from ASA, wound class, duration and endoscopy "
                "(-1 to 3); ignored when sent.")
_REQUIRED_FLAGS = {"emergency": EMERGENCY, "antibiotic_prophylaxis": PROPHYLAXIS,
                   "endoscopic": ENDOSCOPIC}


@dataclass(frozen=True)
class OperationData:
    identifier_system: str
    identifier_value: str
    status: OperationStatus
    person_id: int
    category: str
    procedure_code: str | None
    procedure_display: str | None
    performed_at: datetime
    duration_minutes: int
    asa_class: int
    wound_class: int
    emergency: bool
    antibiotic_prophylaxis: bool
    endoscopic: bool
    implant: bool
    discharged_on: date | None
    organisation_id: int
    unit_id: int | None
    reported: dict[ReportedEventKind, date]


def from_procedure(resource: dict[str, Any], *, allow_synthetic: bool) -> OperationData:
    system, value = mapping.business_identifier(resource, "Procedure", required=True)
    try:
        status = OperationStatus(resource.get("status"))
    except ValueError:
        raise MappingError("only completed operations are followed up (status completed, or "
                           "entered-in-error to withdraw one)", "Procedure.status") from None
    person_id = mapping.patient(resource.get("subject"), "Procedure.subject",
                                allow_synthetic=allow_synthetic)
    category, code, display = _category(resource.get("code"))
    start, minutes = _performed(resource.get("performedPeriod"))
    organisation_id, unit_id = _performer(resource.get("performer"))
    extensions = resource.get("extension")
    flags = {name: _required(extensions, ext, bool) for name, ext in _REQUIRED_FLAGS.items()}
    implant = bool(_optional(extensions, IMPLANT, bool)) or bool(resource.get("focalDevice"))
    data = OperationData(
        identifier_system=system, identifier_value=value, status=status, person_id=person_id,
        category=category.key, procedure_code=code, procedure_display=display,
        performed_at=start, duration_minutes=minutes,
        asa_class=_class(extensions, ASA, 1, 5), wound_class=_class(extensions, WOUND_CLASS, 1, 4),
        implant=implant, discharged_on=_day(extensions, DISCHARGED),
        organisation_id=organisation_id, unit_id=unit_id,
        reported={kind: day for kind, ext in REPORTED.items()
                  if (day := _day(extensions, ext)) is not None},
        **flags)
    if data.discharged_on is not None and data.discharged_on < mapping.calendar_date(
            resource["performedPeriod"]["start"], "Procedure.performedPeriod.start"):
        raise MappingError("the patient cannot leave before the operation",
                           f"Procedure.extension('{DISCHARGED.url}')")
    problems = too_long(Operation, {
        "identifier_system": (system, "Procedure.identifier"),
        "identifier_value": (value, "Procedure.identifier"),
        "procedure_code": (code, "Procedure.code"),
        "procedure_display": (display, "Procedure.code")})
    if problems:
        raise MappingError(problems[0].message, problems[0].expression)
    return data


def procedure_query() -> sa.Select:
    """The columns ``to_procedure`` writes from: the operation's, its hospital's and unit's
    number and name, and the first day of each reported event."""
    hospital, unit = sa.orm.aliased(Organisation), sa.orm.aliased(Organisation)

    def first(kind: ReportedEventKind) -> sa.ScalarSelect:
        return (sa.select(sa.func.min(ReportedEvent.occurred_on))
                .where(ReportedEvent.operation_id == Operation.id, ReportedEvent.kind == kind)
                .scalar_subquery().label(f"{kind.value}_on"))

    return (sa.select(*Operation.__table__.columns,
                      hospital.org_number.label("organisation_number"),
                      hospital.name.label("organisation_name"),
                      unit.org_number.label("unit_number"), unit.name.label("unit_name"),
                      *(first(kind) for kind in REPORTED))
            .join(hospital, hospital.id == Operation.organisation_id)
            .outerjoin(unit, unit.id == Operation.unit_id))


def to_procedure(row) -> dict[str, Any]:
    """A row of ``procedure_query()`` as a Procedure."""
    category = catalogue.load().by_key(row.category)
    codings = [{"system": catalogue.CATEGORY_SYSTEM, "code": row.category,
                "display": category.name("en") if category else row.category}]
    if row.procedure_code:
        codings.append({k: v for k, v in (("code", row.procedure_code),
                                          ("display", row.procedure_display)) if v})
    extensions = [ASA.of(row.asa_class), WOUND_CLASS.of(row.wound_class),
                  EMERGENCY.of(row.emergency), PROPHYLAXIS.of(row.antibiotic_prophylaxis),
                  ENDOSCOPIC.of(row.endoscopic), IMPLANT.of(row.implant),
                  NNIS.of(row.nnis_index)]
    if row.discharged_on is not None:
        extensions.append(DISCHARGED.of(row.discharged_on.isoformat()))
    for kind, extension in REPORTED.items():
        day = getattr(row, f"{kind.value}_on")
        if day is not None:
            extensions.append(extension.of(day.isoformat()))
    hospital = _organisation(row.organisation_number, row.organisation_name)
    actor = (_organisation(row.unit_number, row.unit_name) if row.unit_number else hospital)
    return {
        "resourceType": "Procedure", "id": str(row.id), "meta": mapping.meta(row),
        "extension": extensions,
        "identifier": [{"system": row.identifier_system, "value": row.identifier_value}],
        "status": OperationStatus(row.status).value,
        "code": {"coding": codings},
        "subject": {"reference": f"Patient/{row.person_id}"},
        "performedPeriod": {
            "start": mapping.instant(row.performed_at),
            "end": mapping.instant(row.performed_at + timedelta(minutes=row.duration_minutes))},
        "performer": [{"actor": {**actor, "type": "Organization"}, "onBehalfOf": hospital}],
    }


# --- reading ---------------------------------------------------------------------------


def _category(concept: Any) -> tuple[catalogue.Category, str | None, str | None]:
    found, other = None, None
    for coding, _ in mapping.codings(concept, "Procedure.code"):
        category = catalogue.load().classify([coding.get("code")])
        if category is not None and found is None:
            found = category
        elif category is None and other is None and mapping.clean(coding.get("code")):
            other = coding
    if found is None:
        keys = ", ".join(c.key for c in catalogue.load().categories)
        raise MappingError(f"not an operation under surveillance: Procedure.code needs a "
                           f"coding with one of the codes {keys}", "Procedure.code")
    if other is None:
        return found, None, None
    return found, mapping.clean(other.get("code")), mapping.clean(other.get("display"))


def _performed(period: Any) -> tuple[datetime, int]:
    where = "Procedure.performedPeriod"
    if not isinstance(period, dict):
        raise MappingError("give performedPeriod with start and end: the day and the "
                           "duration of the operation", where)
    start = mapping.moment(period.get("start"), f"{where}.start")
    end = mapping.moment(period.get("end"), f"{where}.end")
    if end <= start:
        raise MappingError("an operation ends after it starts", f"{where}.end")
    if end - start > MAX_DURATION:
        raise MappingError("an operation lasts at most 24 hours", f"{where}.end")
    return start, int((end - start).total_seconds() // 60)


def _performer(performers: Any) -> tuple[int, int | None]:
    for index, performer in enumerate(performers if isinstance(performers, list) else []):
        if not isinstance(performer, dict):
            continue
        where = f"Procedure.performer[{index}]"
        hospital = mapping.organisation_in(performer.get("onBehalfOf"), f"{where}.onBehalfOf")
        if hospital is not None:
            unit = mapping.organisation_in(performer.get("actor"), f"{where}.actor")
            return hospital, unit if unit != hospital else None
    raise MappingError("name the hospital: performer.onBehalfOf with its organisation number "
                       "(urn:oid:2.16.578.1.12.4.1.4.101)", "Procedure.performer")


def _where(extension) -> str:
    return f"Procedure.extension('{extension.url}')"


def _required(extensions: Any, extension, kind: type) -> Any:
    present, value = extension.value_in(extensions)
    if not present or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MappingError(f"{extension.title} is required ({extension.value_key})",
                           _where(extension))
    return value


def _optional(extensions: Any, extension, kind: type) -> Any:
    present, value = extension.value_in(extensions)
    if not present:
        return None
    if not isinstance(value, kind):
        raise MappingError(f"{extension.title} is a {extension.value_key}", _where(extension))
    return value


def _class(extensions: Any, extension, low: int, high: int) -> int:
    value = _required(extensions, extension, int)
    if not low <= value <= high:
        raise MappingError(f"{extension.title} is {low} to {high}", _where(extension))
    return value


def _day(extensions: Any, extension) -> date | None:
    value = _optional(extensions, extension, str)
    return None if value is None else mapping.calendar_date(value, _where(extension))


def _organisation(number: str, name: str) -> dict[str, Any]:
    return {"identifier": {"system": ORG_NUMBER_SYSTEM, "value": number}, "display": name}
