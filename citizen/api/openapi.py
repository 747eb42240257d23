"""``/api/v1/openapi.json``: OpenAPI 3.1 made from the URL map and each view's
``@operation``, with apispec's marshmallow plugin turning the schemas into components.

apispec rather than flask-smorest: smorest is a framework of its own (its Blueprint, its
argument parsing, its error handler), and the API would then read bodies and answer
errors in two ways. apispec only writes the document; the views keep
``citizen.payloads`` and ``citizen.errors`` like every other part of the app.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from werkzeug.routing import Rule

from citizen.api.operations import File, Operation, operation, operation_of
from citizen.api.schemas import PageQuerySchema, ProblemSchema
from citizen.auth.cookies import cookie_name
from citizen.errors import PROBLEM_JSON

PREFIX = "/api/v1"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1"
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_PARAMETER_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@operation(summary="This document", authenticated=False, tags=("meta",),
           responses={200: {"type": "object", "required": ["openapi", "paths"]}})
def document():
    """The API's OpenAPI 3.1 description."""
    return jsonify(document_for(current_app))


def document_for(app: Flask) -> dict[str, Any]:
    """The document for ``app``'s routes (built once: routes do not change after start)."""
    cached = app.extensions.get("openapi")
    if cached is None:
        cached = app.extensions["openapi"] = build(app)
    return cached


def build(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Min helse API", version=API_VERSION, openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": "Citizen services of Min helse. Conventions: docs/api.md."},
        servers=[{"url": app.config["PUBLIC_BASE_URL"]}],
    )
    with app.test_request_context():
        cookie = cookie_name()
    spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": cookie,
        "description": "The citizen's web session (log in at /auth/login).",
    })
    spec.components.schema("Problem", schema=ProblemSchema)
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        described = operation_of(app.view_functions[rule.endpoint])
        if described is None:
            continue  # tests/citizen/api/test_openapi.py names the route
        path, parameters = _path(rule)
        spec.path(path=path, parameters=parameters, operations={
            method.lower(): _operation(described, method)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})})
    return spec.to_dict()


def api_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/")]


def _path(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    parameters = [{"in": "path", "name": match["name"], "required": True,
                   "schema": _PARAMETER_TYPES.get(match["converter"], {"type": "string"})}
                  for match in _CONVERTER.finditer(rule.rule)]
    return _CONVERTER.sub(r"{\g<name>}", rule.rule), parameters


def _operation(described: Operation, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, body in described.responses.items():
        response: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if isinstance(body, File):
            response["content"] = {content_type: {
                "schema": {"type": "string", "contentMediaType": content_type}}
                for content_type in body.content_types}
        elif body is not None:
            response["content"] = {"application/json": {"schema": body}}
        if described.response_headers:
            response["headers"] = {name: {"description": what, "schema": {"type": "string"}}
                                   for name, what in described.response_headers.items()}
        responses[str(status)] = response
    for status, when in sorted(_problems(described, method).items()):
        responses[str(status)] = {"description": when,
                                  "content": {PROBLEM_JSON: {"schema": ProblemSchema}}}
    parameters: list[dict[str, Any]] = [
        {"in": "header", "name": name, "required": False, "description": what,
         "schema": {"type": "string"}}
        for name, what in described.request_headers.items()]
    if described.query is not None:
        parameters.append({"in": "query", "schema": described.query})
    result: dict[str, Any] = {
        "summary": described.summary, "responses": responses,
        "security": [{"session": []}] if described.authenticated else [],
    }
    if described.description:
        result["description"] = described.description
    if described.tags:
        result["tags"] = list(described.tags)
    if parameters:
        result["parameters"] = parameters
    if isinstance(described.body, File):
        result["requestBody"] = {"required": True, "content": {
            content_type: {"schema": {"type": "string", "contentMediaType": content_type}}
            for content_type in described.body.content_types}}
    elif described.body is not None:
        result["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": described.body}}}
    return result


def _problems(described: Operation, method: str) -> dict[int, str]:
    """The errors every call of this kind can get, then the operation's own."""
    problems: dict[int, str] = {}
    if described.authenticated:
        problems[401] = "Not logged in as a citizen."
    if method not in _SAFE:
        problems[403] = "Sent from another origin (docs/api.md: CSRF)."
        problems[415] = "The body is not application/json."
    if isinstance(described.body, File):
        problems[415] = f"The body is not {' or '.join(described.body.content_types)}."
    elif described.body is not None:
        problems[400] = "The body is not well-formed JSON."
        problems[422] = "The body has invalid fields (see errors)."
    if described.query is not None:
        problems[422] = "Invalid query parameters (see errors)."
        problems[414] = "The URL is too long (citizen/site/limits.py)."
        if issubclass(described.query, PageQuerySchema):
            problems[400] = "A cursor this list did not give out."
    return {**problems, **described.problems}
