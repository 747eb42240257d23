"""CSRF for the JSON API without tokens (the idea of Go's ``http.CrossOriginProtection``).

A state-changing call must come from our own origin and carry a JSON body. Browsers say
where a request comes from (``Sec-Fetch-Site``; ``Origin`` in older ones), and a page on
another site cannot send ``Content-Type: application/json`` without a CORS preflight, which
we never answer with permission. A call with neither header was not sent by a browser on
someone else's page (curl, a test client): nobody's cookie is being ridden on, so it passes.
GET, HEAD and OPTIONS never change anything and are never refused here.

An endpoint that takes a file as its body (a photo: ``@operation(body=File(...))``)
takes the file's own types instead of JSON. Only types a page elsewhere cannot send
without a preflight qualify: ``multipart/form-data``, ``text/plain`` and
``application/x-www-form-urlencoded`` are what any site's ``<form>`` sends, so they are
never taken, whatever an operation declares.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from citizen.api.operations import File, operation_of
from citizen.errors import ApiError
from citizen.payloads import JSON_TYPES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``same-site`` is refused too: a sibling subdomain is another application, not us.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
#: What an HTML form on any site can send without asking (the CORS-safelisted types).
FORM_TYPES = frozenset({"multipart/form-data", "text/plain",
                        "application/x-www-form-urlencoded"})


def refuse_cross_origin() -> None:
    """Before every API request: 403 from another origin, 415 without a JSON body."""
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if (fetch_site is not None and fetch_site.lower() not in ALLOWED_FETCH_SITES) or (
            origin is not None and origin.lower() != public_origin()):
        raise ApiError(403, "cross-origin requests may not change anything",
                       title="Forbidden")
    accepted = body_types()
    if request.mimetype not in accepted:
        raise ApiError(415, f"send the body as {accepted[0]}", title="Unsupported Media Type")


def body_types() -> tuple[str, ...]:
    """The body types this request's endpoint takes: JSON, or the file it declares."""
    view = current_app.view_functions.get(request.endpoint or "")
    described = operation_of(view) if view is not None else None
    if described is not None and isinstance(described.body, File):
        declared = tuple(t for t in described.body.content_types if t not in FORM_TYPES)
        if declared:
            return declared
    return JSON_TYPES


def public_origin() -> str:
    """``scheme://host[:port]`` of PUBLIC_BASE_URL, as a browser writes it in ``Origin``."""
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()
