"""Reading request bodies (JSON or posted forms) through a schema, or a clear 4xx."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import BadRequest

from citizen.errors import ApiError

JSON_TYPES = ("application/json", "application/problem+json", "application/merge-patch+json")


def load_json(schema: Schema, *, content_types: tuple[str, ...] = JSON_TYPES) -> Any:
    """Parse the request body with ``schema``: 415 wrong type, 400 malformed, 422 invalid."""
    if request.mimetype not in content_types:
        raise ApiError(415, f"send the body as {content_types[0]}")
    raw = request.get_json(silent=True, cache=True)
    if raw is None:
        raise ApiError(400, "the body is not well-formed JSON")
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
