"""People: citizens, staff, organisations and representation (who may act for whom)."""

from services.domain import Domain

DOMAIN = Domain("people", models="services.people.models", demo="services.people.demo",
                fhir_resources=("Patient",))
