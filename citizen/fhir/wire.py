"""FHIR on the wire: JSON in and out, with fhir.resources (R4B models) checking structure."""

from __future__ import annotations

import importlib
import json
from typing import Any

from flask import Response, request
from pydantic import ValidationError

from citizen.errors import FHIR_JSON
from citizen.fhir.errors import FhirError
from services.fhir.bindings import check_bindings
from services.fhir.problem import Problem
from services.fhir.shape import check_bundle_entries, check_document

ACCEPTED_BODY_TYPES = ("application/fhir+json", "application/json")
#: The largest body we parse: room for a full Bundle (MAX_ENTRIES entries of a few kB).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: The deepest JSON we parse. Real resources stay under 20 (a Bundle's entry's contained
#: resource's extension's extension's coding is 14); fhir.resources' recursive validation
#: copes with several times this, so a resource that passes here cannot exhaust its stack.
MAX_DEPTH = 64
#: The most entries of a Bundle we process, checked before its entries are validated.
MAX_ENTRIES = 1000


#: Accept headers that take FHIR JSON as they stand: answered without parsing the header,
#: which cost a search ~30 µs (the commonest ones, sent by curl and FHIR clients).
_TAKES_FHIR_JSON = frozenset(("*/*", FHIR_JSON, "application/json"))


def check_accept() -> None:
    """We speak JSON only: an Accept or ``_format`` that rules it out is 406."""
    fmt = request.args.get("_format")
    if fmt and fmt not in ("json", "application/json", "application/fhir+json"):
        raise FhirError(406, "only JSON is supported (_format=json)", code="not-supported")
    raw = request.environ.get("HTTP_ACCEPT")
    if not raw or raw in _TAKES_FHIR_JSON:
        return  # none sent, or one that takes JSON
    accept = request.accept_mimetypes
    if accept.provided and not accept.best_match([FHIR_JSON, "application/json"]):
        raise FhirError(406, "only application/fhir+json is supported", code="not-supported")


def read_body(expected_type: str | None = None) -> dict[str, Any]:
    """The request's resource as a dict, structurally valid for its type."""
    if request.mimetype not in ACCEPTED_BODY_TYPES:
        raise FhirError(415, "send the resource as application/fhir+json", code="not-supported")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large()
    body = request.get_data(cache=True)
    if len(body) > MAX_BODY_BYTES:  # chunked, without a Content-Length
        raise _too_large()
    return validate(parse_json(body), expected_type, path="")


def parse_json(body: bytes) -> Any:
    """``body`` as JSON no deeper than MAX_DEPTH, with nulls and characters only where FHIR
    allows them."""
    try:
        document = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, "the body is not well-formed JSON", code="structure") from None
    except RecursionError:  # the C parser's own guard, far deeper than MAX_DEPTH
        raise FhirError(400, f"the JSON nests deeper than {MAX_DEPTH} levels",
                        code="too-long") from None
    root = document.get("resourceType") if isinstance(document, dict) else None
    problem = check_document(document, max_depth=MAX_DEPTH,
                            root=root if isinstance(root, str) and root.isalpha() else "$")
    if problem:
        raise _bad(problem)
    return document


def _too_large() -> FhirError:
    return FhirError(413, f"the body is larger than {MAX_BODY_BYTES} bytes", code="too-long")


def _bad(problem: Problem, path: str = "") -> FhirError:
    return FhirError(400, f"{path}{problem.expression}: {problem.message}", code=problem.code,
                     expression=[f"{path}{problem.expression}"])


def validate(resource: Any, expected_type: str | None, *, path: str) -> dict[str, Any]:
    """Check ``resource`` against its fhir.resources model; 400 naming what is wrong."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise FhirError(400, "a FHIR resource must be a JSON object with resourceType",
                        code="structure", expression=[path or "resourceType"])
    resource_type = resource["resourceType"]
    if expected_type and resource_type != expected_type:
        raise FhirError(400, f"expected a {expected_type}, got {resource_type}",
                        code="invalid", expression=[f"{path}resourceType"])
    model = model_for(resource_type)
    if model is None:
        raise FhirError(400, f"{resource_type} is not a FHIR R4 resource type", code="invalid")
    if resource_type == "Bundle":
        _check_bundle(resource)
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _fhirpath(first["loc"])
        raise FhirError(400, f"{resource_type}: {first['msg']}", code="structure",
                        expression=[f"{path}{resource_type}.{where}" if where else resource_type]
                        ) from None
    except (TypeError, KeyError, AttributeError):
        # fhir.resources failing on input it does not expect (a contained resource whose
        # resourceType is not a string): still the input's fault, so a 400, not a 500.
        raise FhirError(400, f"{resource_type}: not a valid {resource_type}", code="structure",
                        expression=[f"{path}{resource_type}"]) from None
    # fhir.resources takes any string for a code: check the required bindings (here, so
    # that a Bundle's entries are checked with the Bundle).
    problems = check_bindings(resource)
    if problems:
        raise _bad(problems[0], path)
    return resource


def _check_bundle(bundle: dict[str, Any]) -> None:
    """Refuse a Bundle too large to process, or with an entry it cannot process, before
    validating its entries (seconds of CPU for a few thousand)."""
    entries = bundle.get("entry")
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise FhirError(413, f"at most {MAX_ENTRIES} entries per Bundle", code="too-long",
                        expression=["Bundle.entry"])
    problem = check_bundle_entries(bundle)
    if problem:
        raise _bad(problem)


def _fhirpath(loc: tuple) -> str:
    """pydantic's ``('entry', 0, 'resource', 'foo')`` as FHIRPath ``entry[0].resource.foo``."""
    path = ""
    for part in loc:
        if part == "__root__":
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def model_for(resource_type: str):
    if not resource_type.isalpha():
        return None
    try:
        module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    except ImportError:
        return None
    return getattr(module, resource_type, None)


def fhir_response(resource: dict[str, Any], status: int = 200, *,
                  location: str | None = None) -> Response:
    response = Response(json.dumps(resource, separators=(",", ":"), ensure_ascii=False),
                        status=status, mimetype=FHIR_JSON)
    version = (resource.get("meta") or {}).get("versionId")
    if version:
        response.headers["ETag"] = f'W/"{version}"'
        response.headers["Last-Modified"] = resource["meta"]["lastUpdated"]
    if location:
        response.headers["Location"] = location
    return response


def parse_etag(value: str | None) -> str | None:
    """The version from an ``If-Match`` ETag (``W/"3"`` or ``"3"``)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')
