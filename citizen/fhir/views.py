"""Generic FHIR interactions; each resource type plugs in through the registry.

Semantics that hold for every resource type (FHIR R4 RESTful API with SMART v2 scopes):

- ``create`` (scope ``c``) always makes a new resource. A business identifier that is
  already stored is 409 Conflict: a create never updates (that is ``update``, scope ``u``).
- A create that a type answers with what it stores already in the place of the new one
  (``registry.Existing``: a case's one QuestionnaireResponse, sent again) is 200 with it,
  shown as a conditional create's match is.
- A conditional create (``If-None-Exist``, or fhirpy's query-string form) that matches one
  resource answers 200 without creating. The body is that resource only if the token may
  also read the type (``r``); otherwise the answer is 200 with an empty body and the
  ``Location`` and ``ETag`` of the match, and the audit row says ``match``, not ``read``.
  Two matches are 412. A race between identical conditional creates ends the same way for
  the loser: it gets the winner's resource.
- The response and the audit row tell one story: ``create`` 201, ``update`` 200, ``read``
  only when a body is returned.
- What a handler's ``visible`` hides from the caller is not there on any path: a read or an
  update of it is 404, a search does not find it, a condition does not match it.
- An interaction the type does not offer (``ResourceHandler.interactions``) is 405.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from citizen.fhir import access, capability
from citizen.fhir.errors import FhirError, not_found
from citizen.fhir.params import (
    AnyOf,
    DateValue,
    bindable,
    bound_values,
    parsed_filter,
    split_values,
)
from citizen.fhir.registry import Conflict, Existing, ResourceHandler, Stored, handler_for
from citizen.fhir.search import page_link, parse_date_prefix, parse_search
from citizen.fhir.wire import check_accept, fhir_response, parse_etag, read_body
from services import audit, driver
from services.actors import Actor
from services.db import db


def base_url() -> str:
    """Links name the configured public address, never the request's Host header."""
    return current_app.config["PUBLIC_BASE_URL"] + "/fhir/R4"


def metadata() -> Response:
    check_accept()
    return fhir_response(capability.capability_statement(base_url()))


def read(resource_type: str, resource_id: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = access.require(resource_type, "read")
    offered(handler, "read")
    row = load(handler, resource_id, actor=actor)
    if row is None:
        raise not_found(resource_type, resource_id)
    _audit(handler, row, actor, action="read")
    return fhir_response(handler.to_fhir(row))


def search(resource_type: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = access.require(resource_type, "search")
    offered(handler, "search-type")
    params = request.args if request.method == "GET" else _form_params()
    bundle = run_search(handler, params, actor=actor)
    return fhir_response(bundle)


def create(resource_type: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = access.require(resource_type, "create")
    offered(handler, "create")
    resource = read_body(resource_type)
    outcome = create_resource(handler, resource, actor=actor, if_none_exist=_if_none_exist())
    location = _location(resource_type, outcome.row)
    if not outcome.disclosed:
        return _without_body(outcome.status, location, outcome.row)
    return fhir_response(handler.to_fhir(outcome.row), outcome.status, location=location)


def update(resource_type: str, resource_id: str) -> Response:
    check_accept()
    handler = _handler(resource_type)
    actor = access.require(resource_type, "update")
    offered(handler, "update")
    resource = read_body(resource_type)
    row = update_resource(handler, resource_id, resource, actor=actor,
                          if_match=request.headers.get("If-Match"))
    return fhir_response(handler.to_fhir(row), 200, location=_location(resource_type, row))


def conditional_update(resource_type: str) -> Response:
    """``PUT /<type>?<search>``: update the one resource the search finds, or create it."""
    check_accept()
    handler = _handler(resource_type)
    actor = access.require(resource_type, "update")
    offered(handler, "update")
    resource = read_body(resource_type)
    status, row = conditional_update_resource(
        handler, request.query_string.decode("utf-8", "replace"), resource, actor=actor,
        if_match=request.headers.get("If-Match"), in_entry=None)
    return fhir_response(handler.to_fhir(row), status, location=_location(resource_type, row))


def conditional_update_resource(handler: ResourceHandler, query: str, resource: dict[str, Any],
                                *, actor: Actor, if_match: str | None,
                                in_entry: str | None) -> tuple[int, Stored]:
    """Update the one match of ``query`` (200), or create the resource where there is none
    (201, which needs the create scope too); two matches are 412. The idempotent way for a
    sending system to say "this is how it is now" by its business identifier.

    ``in_entry`` names the Bundle entry, whose refusals are its own."""
    criteria = _criteria(handler, query, "a conditional update")
    for attempt in range(2):
        matches = _matching(handler, criteria, limit=2, actor=actor)
        if len(matches) > 1:
            raise FhirError(412, "the conditional update matches more than one resource",
                            code="multiple-matches")
        if matches:
            match = matches[0]
            if resource.get("id") not in (None, str(match.id)):
                raise FhirError(400, "the resource id is not that of the resource found",
                                code="invalid", expression=[f"{handler.resource_type}.id"])
            return 200, update_resource(handler, str(match.id),
                                        {**resource, "id": str(match.id)}, actor=actor,
                                        if_match=if_match)
        if resource.get("id") is not None:
            raise FhirError(400, "nothing matches, and ids are assigned by this server: "
                                 "leave out the id to create", code="invalid",
                            expression=[f"{handler.resource_type}.id"])
        if in_entry is not None:
            access.require_in_entry(handler.resource_type, "create", in_entry)
        else:
            access.require(handler.resource_type, "create")
        offered(handler, "create")
        try:
            created = create_resource(handler, resource, actor=actor, if_none_exist=None)
        except FhirError as exc:
            if exc.status != 409 or attempt:
                raise
            continue  # created by another request after we looked: update that one
        return 201, created.row
    raise AssertionError("unreachable")  # pragma: no cover


def offered(handler: ResourceHandler, interaction: str) -> None:
    """405 for an interaction the resource type does not offer."""
    if interaction not in handler.interactions:
        allowed = ", ".join(handler.interactions)
        raise FhirError(405, f"{handler.resource_type} offers {allowed} only",
                        code="not-supported")


def load(handler: ResourceHandler, resource_id: str | int, *,
         actor: Actor | None = None) -> Stored | None:
    """The stored row, as ``actor`` may see it (None: as stored, for reading back what a
    write just stored)."""
    number = handler.parse_id(str(resource_id))
    if number is None:
        return None
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # a create or update just made it: read what it wrote
    connection = session.connection()
    statement = _by_id(handler)
    if actor is not None:
        statement = handler.visible(statement, actor=actor)
    if connection.dialect.name == "postgresql" and statement is _by_id(handler):
        found = driver.rows(connection, statement, {_ID: number})
        return found[0] if found else None
    return connection.execute(statement, {_ID: number}).first()


def run_search(handler: ResourceHandler, params: MultiDict, *, actor: Actor) -> dict[str, Any]:
    """Keyset-paged search: stable pages however the data changes between them."""
    query = parse_search(params, _known(handler), parse_id=handler.parse_id)
    rows = _matching(handler, query.filters, limit=query.count + 1, after_id=query.after_id,
                     actor=actor)
    page, more = rows[: query.count], len(rows) > query.count
    audit.record_many(actor=actor, action="search", resource_type=handler.resource_type,
                      accesses=[(row.id, handler.subject_of(row)) for row in page],
                      purpose=handler.purpose)  # one statement for the page's rows
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
            {"fullUrl": f"{url}/{row.id}", "resource": handler.to_fhir(row),
             "search": {"mode": "match"}}
            for row in page
        ],
    }


@dataclass(frozen=True)
class Created:
    """What a create did: 201 (new) or 200 (an existing match), and what the caller sees."""

    status: int
    row: Stored
    #: Whether the caller may see the resource (a match without ``r`` is not disclosed).
    disclosed: bool


def create_resource(handler: ResourceHandler, resource: dict[str, Any], *, actor: Actor,
                    if_none_exist: str | None, return_body: bool = True) -> Created:
    """Create, or with ``If-None-Exist`` answer with the one existing match.

    ``return_body`` False (a Bundle entry, answered with its location only) never discloses
    a match, so it never needs ``r``."""
    criteria = _condition(handler, if_none_exist) if if_none_exist else None
    if criteria is not None:
        match = _one_match(handler, criteria, actor=actor)
        if match is not None:
            return _matched(handler, match, actor, return_body=return_body)
    try:
        with db.session.begin_nested():
            new_id = handler.create(resource, actor=actor)
    except (Conflict, sa.exc.IntegrityError) as exc:
        # Stored by another request after we looked (IntegrityError: after the handler
        # looked too): as if it had come first. A conditional create gets its resource.
        match = _one_match(handler, criteria, actor=actor) if criteria is not None else None
        if match is None:
            raise conflict_error(exc) from None
        return _matched(handler, match, actor, return_body=return_body)
    if isinstance(new_id, Existing):
        return _matched(handler, _stored(handler, new_id.id), actor, return_body=return_body)
    return Created(201, _stored(handler, new_id), disclosed=return_body)


def update_resource(handler: ResourceHandler, resource_id: str, resource: dict[str, Any], *,
                    actor: Actor, if_match: str | None) -> Stored:
    if resource.get("id") != resource_id:
        raise FhirError(400, "the resource id must match the URL", code="invalid",
                        expression=[f"{handler.resource_type}.id"])
    row = load(handler, resource_id, actor=actor)
    if row is None:
        raise FhirError(404, f"{handler.resource_type}/{resource_id} is not known; "
                             "ids are assigned by this server (create with POST)")
    expected = parse_etag(if_match)
    if expected is not None and expected != str(row.version_id):
        raise FhirError(412, f"version {expected} is not the current version "
                             f"{row.version_id}", code="conflict")
    try:
        with db.session.begin_nested():
            handler.update(row, resource, actor=actor)
    except (StaleDataError, sa.exc.IntegrityError):
        raise FhirError(409, "the resource changed while it was being updated",
                        code="conflict") from None
    return _stored(handler, row.id)


def conflict_error(exc: Exception) -> FhirError:
    expression = getattr(exc, "expression", None)
    reason = str(exc) if isinstance(exc, Conflict) else (
        "a resource with this business identifier was stored concurrently")
    return FhirError(409, f"{reason} (a create never updates: use a conditional create, or "
                          "update the existing resource)", code="duplicate",
                     expression=[expression] if expression else None)


def _matched(handler: ResourceHandler, row: Stored, actor: Actor, *,
             return_body: bool) -> Created:
    disclosed = return_body and access.permits(handler.resource_type, "read")
    _audit(handler, row, actor, action="read" if disclosed else "match")
    return Created(200, row, disclosed=disclosed)


def _stored(handler: ResourceHandler, resource_id: int) -> Stored:
    row = load(handler, resource_id)
    if row is None:  # the handler returned an id it did not store: a programming error
        raise LookupError(f"{handler.resource_type}/{resource_id} was not stored")
    return row


def _condition(handler: ResourceHandler, if_none_exist: str) -> dict[str, list[str]]:
    return _criteria(handler, if_none_exist, "If-None-Exist")


def _criteria(handler: ResourceHandler, query: str, what: str) -> dict[str, list[str]]:
    pairs = [(k, v) for k, v in _query_pairs(query, what) if k != "_format"]
    criteria = parse_search(MultiDict(pairs), _known(handler), parse_id=handler.parse_id)
    if not criteria.filters:
        raise FhirError(400, f"{what} must name at least one search parameter",
                        code="invalid")
    return criteria.filters


def _one_match(handler: ResourceHandler, filters: dict[str, list[str]], *,
               actor: Actor) -> Stored | None:
    matches = _matching(handler, filters, limit=2, actor=actor)
    if len(matches) > 1:
        raise FhirError(412, "If-None-Exist matches more than one resource", code="duplicate")
    return matches[0] if matches else None


def _known(handler: ResourceHandler) -> set[str]:
    chains = {f"{name}.{chained}"
              for name, param in handler.search_params.items() if param.type == "reference"
              for chained in _chainable(param.target)}
    return set(handler.search_params) | chains | {"_id", "_lastUpdated"}


def _chainable(target: str | None) -> set[str]:
    handler = handler_for(target or "")
    return {name for name, p in handler.search_params.items()
            if p.type != "reference"} if handler else set()


def _matching(handler: ResourceHandler, filters: dict[str, list[str]], *, limit: int,
              actor: Actor, after_id: int = 0) -> list[Stored]:
    """Rows matching the search ``filters`` that ``actor`` may see, in id order, after
    ``after_id``.

    Plain rows with the model's columns, not ORM objects: search results are only read, and
    skipping the unit of work's bookkeeping is a good part of a search's cost.
    """
    bound = tuple(name for name in filters if _any_of(handler, name) is not None)
    connection = db.session.connection()
    # Every filter bound into a statement built once: on PostgreSQL it runs on the cursor.
    on_driver = connection.dialect.name == "postgresql" and len(bound) == len(filters)
    values: dict[str, Any] = {_AFTER: after_id, _LIMIT: limit}
    for name in bound:
        values[_bound_name(name)] = bound_values(handler, _any_of(handler, name), name,
                                                 filters[name])
    one = tuple(name for name in bound if on_driver and len(values[_bound_name(name)]) == 1)
    for name in one:
        [values[_bound_name(name)]] = values[_bound_name(name)]
    statement = _search_base(handler, bound, as_array=on_driver, one=one)
    if on_driver:
        shown = handler.visible(statement, actor=actor)
        if shown is statement:
            return driver.rows(connection, statement, values)
        return list(connection.execute(shown, values))
    for name, raw in filters.items():
        if name not in bound:
            statement = _filter(handler, statement, name, raw)
    return list(connection.execute(handler.visible(statement, actor=actor), values))


# Names of the bound values of the cached statements below (unlikely in a handler's filters).
_ID, _AFTER, _LIMIT = "fhir_id", "fhir_after_id", "fhir_limit"


# The parts of a read and a search that are the same on every request, built once per
# handler with bound parameters: building the Select of a model's columns and its paging
# clauses anew was a tenth of a search's CPU. (Selects are immutable: ``where`` copies.)
@functools.lru_cache(maxsize=64)
def _by_id(handler: ResourceHandler) -> sa.Select:
    return handler.base_query().where(handler.model.id == sa.bindparam(_ID))


@functools.lru_cache(maxsize=256)
def _search_base(handler: ResourceHandler, bound: tuple[str, ...], *,
                 as_array: bool = False, one: tuple[str, ...] = ()) -> sa.Select:
    """Paging, and the filters named in ``bound`` (:class:`AnyOf`) with their values to bind:
    a search by those binds values instead of building a Select. ``as_array``: bound as
    PostgreSQL arrays, for the driver's cursor (``services.driver``), except those in
    ``one``, which have a single value."""
    model = handler.model
    statement = (handler.base_query().where(model.id > sa.bindparam(_AFTER))
                 .order_by(model.id).limit(sa.bindparam(_LIMIT, type_=sa.Integer)))
    for name in bound:
        statement = statement.where(_any_of(handler, name).condition(
            _bound_name(name), as_array=as_array, one=name in one))
    return statement


@functools.lru_cache(maxsize=256)
def _any_of(handler: ResourceHandler, name: str) -> AnyOf | None:
    return bindable(handler, name)


def _bound_name(name: str) -> str:
    return f"fhir_{name.replace('.', '__')}"  # a chain's dot is no bound name's


def _filter(handler: ResourceHandler, statement: sa.Select, name: str,
            values: list[str]) -> sa.Select:
    model = handler.model
    if ":" in name:
        raise FhirError(400, f"search modifiers are not supported ({name})", code="not-supported")
    if name == "_id":
        ids = [i for v in split_values(values) if (i := handler.parse_id(v)) is not None]
        return statement.where(model.id.in_(ids))
    if name == "_lastUpdated":
        for value in values:
            statement = statement.where(DateValue(*parse_date_prefix(value))
                                        .condition(handler.last_updated()))
        return statement
    return handler.search_params[name.partition(".")[0]].apply(
        statement, parsed_filter(handler, name, values))


def _audit(handler: ResourceHandler, row: Stored, actor: Actor, *, action: str) -> None:
    audit.append(actor=actor, action=action, resource_type=handler.resource_type,
                 resource_id=row.id, subject_person_id=handler.subject_of(row),
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


def _location(resource_type: str, row: Stored) -> str:
    return f"{base_url()}/{resource_type}/{row.id}/_history/{row.version_id}"


def _without_body(status: int, location: str, row: Stored) -> Response:
    """An answer that names the resource and its version but shows none of it."""
    response = Response(status=status)
    response.headers.update({"Location": location, "ETag": f'W/"{row.version_id}"',
                             "Last-Modified": row.updated_at.isoformat(timespec="milliseconds")})
    return response


def _form_params() -> MultiDict:
    if request.mimetype != "application/x-www-form-urlencoded" and request.get_data():
        raise FhirError(415, "POST _search takes application/x-www-form-urlencoded",
                        code="not-supported")
    return MultiDict([*request.args.items(multi=True), *request.form.items(multi=True)])


def _query_pairs(query: str, what: str = "If-None-Exist") -> list[tuple[str, str]]:
    try:
        return parse_qsl(query.lstrip("?"), keep_blank_values=False, strict_parsing=True)
    except ValueError:
        raise FhirError(400, f"{what} must be a search query", code="invalid") from None
