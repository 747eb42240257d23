"""Transaction and batch Bundles: bulk ingestion, all-or-nothing for transactions.

A transaction succeeds or fails whole: its first refused or failing entry is the answer,
and nothing of it is stored. A batch answers per entry: each entry is authorised, run and
answered on its own, so one refused or bad entry costs only itself. Entries are answered
with their location and version, never the resource (``Prefer: return=minimal``), so a
conditional create that matches needs no read scope here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Response

from citizen.fhir import access
from citizen.fhir.errors import FhirError
from citizen.fhir.registry import Conflict, ResourceHandler, Versioned, handler_for
from citizen.fhir.views import (
    base_url,
    conditional_update_resource,
    conflict_error,
    create_resource,
    refuse_unsupported,
    update_resource,
)
from citizen.fhir.wire import check_accept, fhir_response, read_body
from services import audit
from services.actors import Actor
from services.db import db

_STATUS_TEXT = {200: "200 OK", 201: "201 Created"}


def process_bundle() -> Response:
    check_accept()
    access.caller()  # even an empty Bundle is for token holders only
    bundle = read_body("Bundle")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise FhirError(400, "POST to the base takes a transaction or batch Bundle",
                        code="invalid", expression=["Bundle.type"])
    entries = bundle.get("entry") or []  # at most wire.MAX_ENTRIES
    if kind == "transaction":
        # One SAVEPOINT for all: the first failing entry undoes every entry before it.
        with db.session.begin_nested():
            results = _bulk_creates(entries)
            if results is None:
                results = [_process_entry(i, entry) for i, entry in enumerate(entries)]
    else:
        results = [_batch_entry(i, entry) for i, entry in enumerate(entries)]
    return fhir_response({"resourceType": "Bundle", "type": f"{kind}-response",
                          "entry": results})


def _bulk_creates(entries: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """A transaction of creates of one type, where the handler can take them at once: a
    few statements for the whole Bundle instead of several per entry. None otherwise."""
    requests = [entry.get("request") or {} for entry in entries]
    urls = {r.get("url") for r in requests}
    if not entries or len(urls) != 1 or any(r.get("method") != "POST" for r in requests):
        return None
    handler = handler_for(str(urls.pop() or ""))
    if handler is None or not handler.bulk_create:
        return None
    resources = [entry.get("resource") for entry in entries]
    conditional = [handler.bulk_condition(r.get("ifNoneExist"), resource)
                   for r, resource in zip(requests, resources, strict=True)]
    if None in conditional:
        return None  # a condition only the one-by-one path understands
    actor = access.require_in_entry(handler.resource_type, "create", "Bundle.entry[0]")
    parsed = []
    for index, (entry, resource) in enumerate(zip(entries, resources, strict=True)):
        path = f"Bundle.entry[{index}]"
        _entry_resource(entry, handler.resource_type, path)
        try:
            parsed.append(handler.parse(resource))
        except FhirError as exc:
            raise _at_entry(exc, path) from None
    outcomes = _create_many(handler, parsed, conditional, actor)
    matched = [stored for status, stored in outcomes if status == 200]
    # A match is answered with its location only: the audit row says so.
    audit.record_many(actor=actor, action="match", resource_type=handler.resource_type,
                      purpose=handler.purpose,
                      accesses=[(s.id, handler.subject_of(s)) for s in matched])
    return [_response_entry(handler, stored, status) for status, stored in outcomes]


def _create_many(handler: ResourceHandler, parsed: list[Any], conditional: list[bool],
                 actor: Actor) -> list[tuple[int, Versioned]]:
    """``handler.create_many``; a concurrent Bundle that stored the same identifiers first
    makes this one try again once, when its conditional entries find the winner's."""
    retry = any(conditional)
    while True:
        try:
            with db.session.begin_nested():
                return list(handler.create_many(parsed, conditional=conditional, actor=actor))
        except Conflict as exc:
            raise _at_entry(conflict_error(exc), f"Bundle.entry[{exc.index or 0}]") from None
        except sa.exc.IntegrityError as exc:
            if not retry:
                raise conflict_error(exc) from None
            retry = False


def _batch_entry(index: int, entry: dict[str, Any]) -> dict[str, Any]:
    try:
        with db.session.begin_nested():
            return _process_entry(index, entry)
    except FhirError as exc:
        outcome = exc.response().get_json()
        return {"response": {"status": str(exc.status), "outcome": outcome}}


def _entry_resource(entry: dict[str, Any], resource_type: str, path: str) -> dict[str, Any]:
    """The entry's resource, of the type its request URL names. Its structure (and code
    bindings) were checked with the whole Bundle, so only the type is left to check."""
    resource = entry.get("resource")
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise FhirError(400, f"{path}: the resource must be a {resource_type}", code="invalid",
                        expression=[f"{path}.resource"])
    return resource


def _process_entry(index: int, entry: dict[str, Any]) -> dict[str, Any]:
    path = f"Bundle.entry[{index}]"
    request = entry.get("request") or {}
    method, url = request.get("method"), str(request.get("url") or "")
    parts = urlsplit(url).path.strip("/").split("/")
    handler = handler_for(parts[0]) if parts and parts[0] else None
    if handler is None:
        raise FhirError(400, f"{path}: unsupported request url {url!r}", code="not-supported",
                        expression=[f"{path}.request.url"])
    try:
        if method in ("POST", "PUT"):
            refuse_unsupported(handler, "create" if method == "POST" else "update", path)
        if method == "POST" and len(parts) == 1:
            actor = access.require_in_entry(handler.resource_type, "create", path)
            resource = _entry_resource(entry, handler.resource_type, path)
            created = create_resource(handler, resource, actor=actor, return_body=False,
                                      if_none_exist=request.get("ifNoneExist"))
            status, stored = created.status, created.row
        elif method == "PUT" and len(parts) == 1 and urlsplit(url).query:
            actor = access.require_in_entry(handler.resource_type, "update", path)
            resource = _entry_resource(entry, handler.resource_type, path)
            status, stored = conditional_update_resource(
                handler, urlsplit(url).query, resource, actor=actor,
                if_match=request.get("ifMatch"), in_entry=path)
        elif method == "PUT" and len(parts) == 2:
            actor = access.require_in_entry(handler.resource_type, "update", path)
            resource = _entry_resource(entry, handler.resource_type, path)
            stored = update_resource(handler, parts[1], resource, actor=actor,
                                     if_match=request.get("ifMatch"))
            status = 200
        else:
            raise FhirError(400, f"{path}: only POST <type> and PUT <type>/<id> (or PUT "
                                 "<type>?<search>, a conditional update) are supported",
                            code="not-supported", expression=[f"{path}.request"])
    except FhirError as exc:
        raise _at_entry(exc, path) from None
    return _response_entry(handler, stored, status)


def _at_entry(exc: FhirError, path: str) -> FhirError:
    """Point an entry's error at the entry: ``Patient.x`` becomes ``Bundle.entry[3].Patient.x``."""
    if not exc.diagnostics.startswith(path):
        exc.diagnostics = f"{path}: {exc.diagnostics}"
        exc.expression = [f"{path}.{e}" if not e.startswith("Bundle") else e
                          for e in (exc.expression or [])] or [path]
    return exc


def _response_entry(handler: ResourceHandler, stored: Versioned, status: int) -> dict[str, Any]:
    # The response names the version; the resource itself is not returned
    # (Prefer: return=minimal is the default for transactions here).
    version = stored.version_id
    return {
        "fullUrl": f"{base_url()}/{handler.resource_type}/{stored.id}",
        "response": {
            "status": _STATUS_TEXT[status],
            "location": f"{handler.resource_type}/{stored.id}/_history/{version}",
            "etag": f'W/"{version}"',
            "lastModified": stored.updated_at.isoformat(timespec="milliseconds"),
        },
    }
