"""What every domain's FHIR mapping (``services/<domain>/fhir.py``) reads and writes the same
way: business identifiers, the patient and the organisation a resource points at, instants
and dates, codings and texts, and the ``meta`` of a stored row.

Anything that cannot be read raises :class:`MappingError` naming the element (FHIRPath),
which the FHIR face answers as a 422 OperationOutcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from services.clock import NORWAY
from services.people import lookups
from services.people.fhir import NATIONAL_ID_SYSTEMS

#: Years outside these are a mistake (and would overflow arithmetic near 1 and 9999).
PLAUSIBLE_YEARS = (1900, 2200)
#: Ids are PostgreSQL integers.
MAX_ID = 2**31 - 1


class MappingError(ValueError):
    """The resource cannot be mapped; ``expression`` names the offending element."""

    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


# --- reading ---------------------------------------------------------------------------


def codings(concept: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each coding of a CodeableConcept, with its path."""
    if not isinstance(concept, dict):
        return
    for index, coding in enumerate(concept.get("coding") or []):
        if isinstance(coding, dict):
            yield coding, f"{where}.coding[{index}]"


def business_identifier(resource: dict[str, Any], kind: str, *, required: bool,
                        system_required: bool = True) -> tuple[str | None, str | None]:
    """The first identifier with a value: what updates and corrections are matched by."""
    for index, identifier in enumerate(resource.get("identifier") or []):
        if not isinstance(identifier, dict):
            continue
        system, value = identifier.get("system"), identifier.get("value")
        if isinstance(value, str) and value.strip():
            if not system_required or (isinstance(system, str) and system):
                return system, value.strip()
            raise MappingError("a business identifier needs a system and a value",
                               f"{kind}.identifier[{index}]")
    if required:
        raise MappingError("a business identifier (identifier with system and value) is "
                           "what updates and cancellations are matched by",
                           f"{kind}.identifier")
    return None, None


def patient(reference: Any, where: str, *, allow_synthetic: bool) -> int:
    """The registered person a reference names; a :class:`MappingError` if none."""
    found = (patient_if_any(reference, where, allow_synthetic=allow_synthetic)
             if isinstance(reference, dict) else None)
    if found is None:
        raise MappingError("the patient is not known here: register the patient as a Patient "
                           "first, and refer to them by fødselsnummer or D-number", where)
    return found


def patient_if_any(actor: dict[str, Any], where: str, *, allow_synthetic: bool) -> int | None:
    """The person ``actor`` refers to: by identity number, or as ``Patient/<id>``. None if
    it is not a reference to a patient; an unknown patient is a :class:`MappingError`."""
    identifier = actor.get("identifier")
    if isinstance(identifier, dict) and identifier.get("system") in NATIONAL_ID_SYSTEMS:
        found = lookups.person_id_by_national_id(
            system=identifier["system"], number=str(identifier.get("value") or ""),
            allow_synthetic=allow_synthetic)
        if found is None:
            raise MappingError("no registered patient has this identity number (register "
                               "the patient as a Patient first)", f"{where}.identifier")
        return found
    reference = actor.get("reference")
    if isinstance(reference, str) and reference.startswith("Patient/"):
        number = resource_id(reference.removeprefix("Patient/"))
        if number is None or not lookups.person_exists(number):
            raise MappingError(f"{reference} is not known here", f"{where}.reference")
        return number
    return None


def organisation_in(reference: Any, where: str) -> int | None:
    """The organisation a reference names by organisation number or RESH id, if it does."""
    if not isinstance(reference, dict):
        return None
    identifier = reference.get("identifier")
    if not (isinstance(identifier, dict)
            and identifier.get("system") in lookups.ORGANISATION_SYSTEMS):
        return None
    found = lookups.organisation_id_by_identifier(system=identifier["system"],
                                                  value=str(identifier.get("value") or ""))
    if found is None:
        raise MappingError("no organisation with this identifier is registered here",
                           f"{where}.identifier")
    return found


def moment(raw: Any, where: str, *, date_allowed: bool = False) -> datetime:
    """An instant with its offset, as UTC. A date alone (where allowed) is midnight in Norway."""
    if not isinstance(raw, str):
        raise MappingError("a date and time with its offset is required", where)
    if date_allowed and len(raw) == 10:
        day = calendar_date(raw, where)
        return datetime.combine(day, time(), NORWAY).astimezone(UTC)
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        raise MappingError(f"{raw!r} is not a date and time", where) from None
    if found.tzinfo is None or len(raw) < 16:
        raise MappingError("a time needs its offset (Z or +01:00): local time is ambiguous "
                           "when the clocks change", where)
    if not PLAUSIBLE_YEARS[0] <= found.year <= PLAUSIBLE_YEARS[1]:
        raise MappingError(f"{raw!r} is not a plausible time here", where)
    return found.astimezone(UTC)


def calendar_date(raw: Any, where: str) -> date:
    """A day: ``2027-05-01``, or a date and time with offset (its day in Norway)."""
    if not isinstance(raw, str) or len(raw) < 10:
        raise MappingError("a full date (YYYY-MM-DD) is required", where)
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise MappingError(f"{raw!r} is not a date", where) from None
        if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
            raise MappingError(f"{raw!r} is not a plausible date here", where)
        return day
    return moment(raw, where).astimezone(NORWAY).date()


def resource_id(raw: str) -> int | None:
    """``raw`` as one of our ids (ASCII digits within range), or None."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def clean(value: Any) -> str | None:
    """A string's text without surrounding space; None for blank or not a string."""
    return value.strip() or None if isinstance(value, str) else None


def text_of(concept: dict[str, Any]) -> str | None:
    """A CodeableConcept's text, else its first coding's display or code."""
    text = clean(concept.get("text"))
    if text:
        return text
    for coding, _ in codings(concept, ""):
        display = clean(coding.get("display")) or clean(coding.get("code"))
        if display:
            return display
    return None


# --- writing ---------------------------------------------------------------------------


def meta(row) -> dict[str, str]:
    """``meta`` of a stored row: its version and when it last changed."""
    return {"versionId": str(row.version_id),
            "lastUpdated": row.updated_at.isoformat(timespec="milliseconds")}


def instant(value: datetime, *, milliseconds: bool = False) -> str:
    """An instant as FHIR writes it, in UTC: ``2026-03-02T08:00:00Z`` (``.000Z`` with
    ``milliseconds``, where searches by ``_lastUpdated`` need the precision)."""
    precision = "milliseconds" if milliseconds else "seconds"
    return value.astimezone(UTC).isoformat(timespec=precision).replace("+00:00", "Z")


def code_system(*, id: str, url: str, name: str, title: str, description: str,
                concepts: list[dict[str, str]], case_sensitive: bool = True) -> dict[str, Any]:
    """A CodeSystem Min helse publishes (``/fhir/R4/CodeSystem/<id>``): complete, active,
    every concept given (``code``, ``display``, optionally ``definition``)."""
    return {"resourceType": "CodeSystem", "id": id, "url": url, "name": name, "title": title,
            "status": "active", "content": "complete", "caseSensitive": case_sensitive,
            "publisher": "Min helse", "description": description, "count": len(concepts),
            "concept": concepts}
