"""What the ultrasound resource handlers share: search parameters over its columns (and,
from citizen/fhir/ingest.py, the errors as FHIR answers). Not a resource type: it
registers nothing."""

from __future__ import annotations

from citizen.fhir.ingest import allow_synthetic, domain_errors
from citizen.fhir.params import at, codes_of, of_people
from citizen.fhir.registry import Token
from services.ultrasound.fhir import service_of_token

__all__ = ["allow_synthetic", "at", "codes_of", "domain_errors", "of_people", "services_of"]


def services_of(tokens: list[Token]) -> list[str]:
    """For ``AnyOf``: the services named by ``early-ultrasound`` / ``routine-ultrasound``."""
    return [service.value for t in tokens if (service := service_of_token(t.code)) is not None]
