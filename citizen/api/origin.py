"""CSRF for the JSON API without tokens (the idea of Go's ``http.CrossOriginProtection``).

A state-changing call must come from our own origin and carry a JSON body. Browsers say
where a request comes from (``Sec-Fetch-Site``; ``Origin`` in older ones), and a page on
another site cannot send ``Content-Type: application/json`` without a CORS preflight, which
we never answer with permission. A call with neither header was not sent by a browser on
someone else's page (curl, a test client): nobody's cookie is being ridden on, so it passes.
GET, HEAD and OPTIONS never change anything and are never refused here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from citizen.errors import ApiError
from citizen.payloads import JSON_TYPES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``same-site`` is refused too: a sibling subdomain is another application, not us.
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


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
    if request.mimetype not in JSON_TYPES:
        raise ApiError(415, f"send the body as {JSON_TYPES[0]}",
                       title="Unsupported Media Type")


def public_origin() -> str:
    """``scheme://host[:port]`` of PUBLIC_BASE_URL, as a browser writes it in ``Origin``."""
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()
