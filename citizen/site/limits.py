"""Addresses and headers too long to serve get our page (414, 431), not gunicorn's bare
one: gunicorn's own limits (docker/gunicorn.conf.py) sit above these, so requests reach
us. Our own links keep well below (one ``next``, never nested)."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

#: What every browser and proxy handles (RFC 9110 recommends at least 8000 octets).
MAX_URL = 4000
#: All header values together; our cookies stay far below (a 4 KB Flask session at most).
MAX_HEADERS = 12000


def refuse_oversized() -> None:
    # Measured on the WSGI environ as received: building ``request.full_path`` and the
    # header names cost every request (/healthz included) more than the check itself.
    environ = request.environ
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL:
        raise RequestURITooLarge()
    size = 0
    for key, value in environ.items():  # a plain loop: half the cost of sum() over a generator
        if key.startswith("HTTP_"):
            size += len(key) + len(value)
    if size > MAX_HEADERS:
        raise RequestHeaderFieldsTooLarge()
