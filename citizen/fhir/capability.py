"""The CapabilityStatement, built from the registry so it can only say what is true."""

from __future__ import annotations

from typing import Any

from citizen.fhir.registry import handlers

COMMON_SEARCH_PARAMS = [
    {"name": "_id", "type": "token", "documentation": "logical id"},
    {"name": "_lastUpdated", "type": "date", "documentation": "eq, gt, lt, ge, le prefixes"},
]


def capability_statement(base_url: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-28",
        "publisher": "Min helse",
        "kind": "instance",
        "software": {"name": "Min helse backend"},
        "implementation": {"description": "Min helse FHIR API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR"}]}],
                "description": "OAuth2 client credentials (private_key_jwt) at /oauth/token; "
                               "SMART v2 system scopes such as system/Patient.rs",
            },
            "interaction": [{"code": "transaction"}, {"code": "batch"}],
            "resource": [_resource(h) for h in handlers()],
        }],
    }


def _resource(handler) -> dict[str, Any]:
    documented = {"documentation": handler.documentation} if handler.documentation else {}
    return {
        "type": handler.resource_type,
        **documented,
        "interaction": [{"code": code} for code in handler.interactions],
        "versioning": "versioned-update" if "update" in handler.interactions else "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": "create" in handler.interactions,
        "conditionalUpdate": "update" in handler.interactions,
        "searchParam": [
            *COMMON_SEARCH_PARAMS,
            *({"name": name, "type": p.type, "documentation": p.documentation}
              for name, p in sorted(handler.search_params.items())),
        ],
    }
