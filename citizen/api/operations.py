"""``@operation``: what an API view takes and answers, for the OpenAPI document.

The document is made from these declarations and the URL map, so a route and its
description cannot drift apart silently: tests/citizen/api/test_openapi.py fails for an
``/api/v1`` route without one, and checks every answer the API tests get against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema


@dataclass(frozen=True)
class File:
    """An answer that is a file, not JSON (``text/calendar``, ``application/pdf``)."""

    content_type: str
    #: Other types the same answer may have (a document's content: PDF, HTML or text).
    also: tuple[str, ...] = ()

    @property
    def content_types(self) -> tuple[str, ...]:
        return (self.content_type, *self.also)


#: A marshmallow schema (class or instance), a plain JSON Schema, a file, or None for no body.
Body = type[Schema] | Schema | Mapping[str, Any] | File | None

_ATTRIBUTE = "api_operation"


@dataclass(frozen=True)
class Operation:
    summary: str
    #: Success statuses and their bodies.
    responses: Mapping[int, Body]
    description: str | None = None
    #: The JSON body it reads (``citizen.payloads.load_json`` with this schema).
    body: Body = None
    #: Its query parameters, as a schema (``PageQuerySchema``).
    query: type[Schema] | None = None
    #: Request headers it reads: name -> what for.
    request_headers: Mapping[str, str] = field(default_factory=dict)
    #: Headers of its success responses: name -> what they say.
    response_headers: Mapping[str, str] = field(default_factory=dict)
    #: Error statuses of its own (beyond those every call of its kind can get), each
    #: answered with problem details: status -> when.
    problems: Mapping[int, str] = field(default_factory=dict)
    #: False: no session needed (the OpenAPI document itself).
    authenticated: bool = True
    tags: tuple[str, ...] = ()


def operation(**declared: Any) -> Callable[[Callable], Callable]:
    """Describe an API view: ``@operation(summary=..., responses={200: ItemSchema})``.

    Put it above the access decorators (``@login_required``), so it marks the view Flask
    routes to.
    """
    described = Operation(**declared)

    def mark(view: Callable) -> Callable:
        setattr(view, _ATTRIBUTE, described)
        return view

    return mark


def operation_of(view: Callable) -> Operation | None:
    return getattr(view, _ATTRIBUTE, None)
