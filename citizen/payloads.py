"""Reading request bodies (JSON or posted forms) through a schema, or a clear 4xx."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import BadRequest

from citizen.errors import ApiError

JSON_TYPES = ("application/json", "application/problem+json", "application/merge-patch+json")
#: No body of ours nests deeper (a QuestionnaireResponse's items inside answers: about 12).
MAX_DEPTH = 32


def load_json(schema: Schema, *, content_types: tuple[str, ...] = JSON_TYPES) -> Any:
    """Parse the request body with ``schema``: 415 wrong type, 400 malformed, 422 invalid."""
    if request.mimetype not in content_types:
        raise ApiError(415, f"send the body as {content_types[0]}")
    try:
        raw = request.get_json(silent=True, cache=True)
    except RecursionError:  # the parser's own guard: far deeper than MAX_DEPTH
        raw = None
    if raw is None:
        raise ApiError(400, "the body is not well-formed JSON")
    if _depth(raw) > MAX_DEPTH:
        raise ApiError(400, f"the JSON nests deeper than {MAX_DEPTH} levels")
    try:
        return schema.load(raw)
    except ValidationError as exc:
        errors = exc.normalized_messages()
        raise ApiError(422, "the body has invalid fields", errors=errors) from None


def load_form(schema: Schema) -> Any:
    """Parse the posted form with ``schema``; 400 naming the fields that are wrong."""
    try:
        return schema.load(request.form)
    except ValidationError as exc:
        names = ", ".join(sorted(exc.normalized_messages()))
        raise BadRequest(f"invalid form field: {names}") from None


def _depth(document: Any) -> int:
    """How deep objects and arrays nest in ``document`` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            stack.extend((value, depth + 1)
                         for value in (node.values() if isinstance(node, dict) else node))
    return deepest
