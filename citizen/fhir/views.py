"""Generic FHIR interactions; each resource type plugs in through the registry."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from citizen.fhir import capability
from citizen.fhir.errors import FhirError, not_found
from citizen.fhir.registry import ResourceHandler, handler_for
from citizen.fhir.search import page_link, parse_date_prefix, parse_search
from citizen.fhir.wire import check_accept, fhir_response, parse_etag, read_body
from citizen.oauth.bearer import authorize
from services import audit
from services.actors import Actor
from services.db import db


def base_url() -> str:
    return request.url_root.rstrip("/") + "/fhir/R4"


def metadata() -> Response:
    check_accept()
    return fhir_response(capability.capability_statement(base_url()))


def read(resource_type: str, resource_id: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = authorize(resource_type, "read")
    obj = handler.load(resource_id)
    if obj is None:
        raise not_found(resource_type, resource_id)
    _audit_read(handler, obj, actor, action="read")
    return fhir_response(handler.to_fhir(obj))


def search(resource_type: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = authorize(resource_type, "search")
    params = request.args if request.method == "GET" else _form_params()
    bundle = run_search(handler, params, actor=actor)
    return fhir_response(bundle)


def create(resource_type: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = authorize(resource_type, "create")
    resource = read_body(resource_type)
    status, obj = create_resource(handler, resource, actor=actor,
                                  if_none_exist=_if_none_exist())
    out = handler.to_fhir(obj)
    return fhir_response(out, status, location=_location(resource_type, out))


def update(resource_type: str, resource_id: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = authorize(resource_type, "update")
    resource = read_body(resource_type)
    obj = update_resource(handler, resource_id, resource, actor=actor,
                          if_match=request.headers.get("If-Match"))
    out = handler.to_fhir(obj)
    return fhir_response(out, 200, location=_location(resource_type, out))


def run_search(handler: ResourceHandler, params: MultiDict, *, actor: Actor) -> dict[str, Any]:
    """Keyset-paged search: stable pages however the data changes between them."""
    query = parse_search(params, _known(handler))
    rows = _matching(handler, query.filters, limit=query.count + 1, after_id=query.after_id)
    page, more = rows[: query.count], len(rows) > query.count
    for obj in page:
        _audit_read(handler, obj, actor, action="search")
    url = f"{base_url()}/{handler.resource_type}"
    links = [{"relation": "self", "url": page_link(url, query.params)}]
    if more and page:
        links.append({"relation": "next", "url": page_link(url, query.params,
                                                           after_id=page[-1].id)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [
            {"fullUrl": f"{url}/{obj.id}", "resource": handler.to_fhir(obj),
             "search": {"mode": "match"}}
            for obj in page
        ],
    }


def create_resource(handler: ResourceHandler, resource: dict[str, Any], *, actor: Actor,
                    if_none_exist: str | None) -> tuple[int, Any]:
    """Create, or with ``If-None-Exist`` return the one existing match (idempotent ingest)."""
    if if_none_exist:
        criteria = parse_search(MultiDict(_query_pairs(if_none_exist)), _known(handler))
        matches = _matching(handler, criteria.filters, limit=2)
        if len(matches) > 1:
            raise FhirError(412, "If-None-Exist matches more than one resource", code="duplicate")
        if matches:
            _audit_read(handler, matches[0], actor, action="read")
            return 200, matches[0]
    return 201, handler.create(resource, actor=actor)


def update_resource(handler: ResourceHandler, resource_id: str, resource: dict[str, Any], *,
                    actor: Actor, if_match: str | None) -> Any:
    if resource.get("id") != resource_id:
        raise FhirError(400, "the resource id must match the URL", code="invalid",
                        expression=[f"{handler.resource_type}.id"])
    obj = handler.load(resource_id)
    if obj is None:
        raise FhirError(404, f"{handler.resource_type}/{resource_id} is not known; "
                             "ids are assigned by this server (create with POST)")
    expected = parse_etag(if_match)
    if expected is not None and expected != str(obj.version_id):
        raise FhirError(412, f"version {expected} is not the current version "
                             f"{obj.version_id}", code="conflict")
    try:
        with db.session.begin_nested():
            return handler.update(obj, resource, actor=actor)
    except StaleDataError:
        raise FhirError(409, "the resource changed while it was being updated",
                        code="conflict") from None


def _known(handler: ResourceHandler) -> set[str]:
    return set(handler.search_params) | {"_id", "_lastUpdated"}


def _matching(handler: ResourceHandler, filters: dict[str, list[str]], *, limit: int,
              after_id: int = 0) -> list[Any]:
    """Rows matching the search ``filters``, in id order, after ``after_id``.

    Plain rows with the model's columns, not ORM objects: search results are only read, and
    skipping the unit of work's bookkeeping is a good part of a search's cost.
    """
    statement = handler.base_query()
    for name, values in filters.items():
        statement = _filter(handler, statement, name, values)
    model = handler.model
    statement = statement.where(model.id > after_id).order_by(model.id).limit(limit)
    return list(db.session.connection().execute(statement))


def _filter(handler: ResourceHandler, statement: sa.Select, name: str,
            values: list[str]) -> sa.Select:
    model = handler.model
    if ":" in name:
        raise FhirError(400, f"search modifiers are not supported ({name})", code="not-supported")
    if name == "_id":
        ids = [int(v) for v in ",".join(values).split(",") if v.isdigit()]
        return statement.where(model.id.in_(ids))
    if name == "_lastUpdated":
        for value in values:
            prefix, moment = parse_date_prefix(value)
            column = model.updated_at
            statement = statement.where({"eq": column == moment, "gt": column > moment,
                                         "lt": column < moment, "ge": column >= moment,
                                         "le": column <= moment}[prefix])
        return statement
    return handler.search_params[name].apply(statement, values)


def _audit_read(handler: ResourceHandler, obj: Any, actor: Actor, *, action: str) -> None:
    audit.record(actor=actor, action=action, resource_type=handler.resource_type,
                 resource_id=obj.id, subject_person_id=handler.subject_of(obj),
                 purpose=handler.purpose)


def _if_none_exist() -> str | None:
    """The conditional-create criteria: the standard header, or (as fhirpy's
    ``get_or_create`` sends them) search parameters on the POST's query string."""
    header = request.headers.get("If-None-Exist")
    if header:
        return header
    criteria = [(k, v) for k, v in request.args.items(multi=True) if k != "_format"]
    return urlencode(criteria) if criteria else None


def _handler(resource_type: str) -> ResourceHandler:
    handler = handler_for(resource_type)
    if handler is None:
        raise FhirError(404, f"resource type {resource_type} is not supported here",
                        code="not-supported")
    return handler


def _location(resource_type: str, resource: dict[str, Any]) -> str:
    return f"{base_url()}/{resource_type}/{resource['id']}/_history/{resource['meta']['versionId']}"


def _form_params() -> MultiDict:
    if request.mimetype != "application/x-www-form-urlencoded" and request.get_data():
        raise FhirError(415, "POST _search takes application/x-www-form-urlencoded",
                        code="not-supported")
    return MultiDict([*request.args.items(multi=True), *request.form.items(multi=True)])


def _query_pairs(query: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(query.lstrip("?"), keep_blank_values=False, strict_parsing=True)
    except ValueError:
        raise FhirError(400, "If-None-Exist must be a search query", code="invalid") from None
