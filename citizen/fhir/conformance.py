"""Conformance resources this server publishes from data, read-only and public like the
CapabilityStatement: the StructureDefinitions of the project's extensions
(``services.fhir.extensions``) and the wound follow-up Questionnaires
(``services.wound.questionnaires``), each by id or searched by ``url`` (and ``version``).
Not resource types of the registry: nothing stores them."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from citizen.fhir.errors import FhirError
from citizen.fhir.wire import check_accept, fhir_response
from services.fhir import extensions
from services.wound import questionnaires


def structure_definition(definition_id: str) -> Response:
    check_accept()
    found = extensions.structure_definition(definition_id)
    if found is None:
        raise FhirError(404, f"StructureDefinition/{definition_id} is not published here",
                        code="not-found")
    return fhir_response(found)


def structure_definitions() -> Response:
    check_accept()
    url = request.args.get("url")
    found = [extensions.structure_definition(e.id) for e in extensions.defined()
             if url is None or e.url == url]
    return fhir_response(_searchset(found))


def questionnaire(questionnaire_id: str) -> Response:
    check_accept()
    found = next((q for q in questionnaires.published().values()
                  if q.get("id") == questionnaire_id), None)
    if found is None:
        raise FhirError(404, f"Questionnaire/{questionnaire_id} is not published here",
                        code="not-found")
    return fhir_response(found)


def questionnaire_search() -> Response:
    check_accept()
    url, version = request.args.get("url"), request.args.get("version")
    if url is not None and "|" in url and version is None:
        url, version = url.split("|", 1)  # a canonical with its version
    found = [q for q in questionnaires.published().values()
             if (url is None or q["url"] == url) and (version is None or q["version"] == version)]
    return fhir_response(_searchset(found))


def _searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{request.url_root}fhir/R4/{r['resourceType']}/{r['id']}",
                       "resource": r, "search": {"mode": "match"}} for r in resources]}
