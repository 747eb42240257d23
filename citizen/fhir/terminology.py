"""Code systems this server publishes (read-only, public like the CapabilityStatement):
``GET /fhir/R4/CodeSystem/<id>``. Not a resource type of the registry: nothing stores them."""

from __future__ import annotations

from flask import Response

from citizen.fhir.errors import FhirError
from citizen.fhir.wire import check_accept, fhir_response
from services.records.fhir import code_system as record_document_kinds
from services.ultrasound.fhir import code_system as ultrasound_services
from services.wound import catalogue as wound_catalogue
from services.wound import fhir_condition as ssi
from services.wound import questionnaires as wound

PUBLISHED = {
    "ultrasound-service": ultrasound_services,
    "record-document-kind": record_document_kinds,
    "ssi-criterion": lambda: wound.code_system(wound.CRITERION_SYSTEM),
    "wound-sign-severity": lambda: wound.code_system(wound.SEVERITY_SYSTEM),
    "surgical-procedure-category": wound_catalogue.code_system,
    "ssi-level": ssi.level_code_system,
    "ssi-classification-criterion": ssi.criterion_code_system,
    "nhsn-organ-space-site": ssi.organ_site_code_system,
}


def code_system(code_system_id: str) -> Response:
    check_accept()
    build = PUBLISHED.get(code_system_id)
    if build is None:
        raise FhirError(404, f"CodeSystem/{code_system_id} is not published here",
                        code="not-found")
    return fhir_response(build())
