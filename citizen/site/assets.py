"""Static files under fingerprinted addresses: ``/static/site.css?v=<content hash>``.

A changed file gets a new address, so a fingerprinted one may be cached for a year; the
bare address keeps Flask's revalidation. A query string rather than a renamed file: Flask
serves it as it is, and no build step has to write copies.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from flask import Response, current_app, has_request_context, request, url_for

YEAR = 365 * 24 * 3600


@cache
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def fingerprint(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    return _fingerprint(path, path.stat().st_mtime_ns)


def static_url(filename: str) -> str:
    """The file's fingerprinted address. Every page links the stylesheet, and building
    the address (a Path, ``url_for`` with a query) was ~20-40 µs of each: the app keeps
    it by script root, file and mtime. The file is still looked at on each call, so a
    changed one gets its new address at once."""
    if not has_request_context():
        return url_for("static", filename=filename, v=fingerprint(filename))
    app = current_app._get_current_object()
    key = (request.script_root, filename,
           os.stat(os.path.join(app.static_folder, filename)).st_mtime_ns)
    addresses = app.extensions.setdefault("static_addresses", {})
    found = addresses.get(key)
    if found is None:
        if len(addresses) > 256:  # a file edited over and over in development
            addresses.clear()
        found = addresses[key] = url_for("static", filename=filename,
                                         v=fingerprint(filename))
    return found


def cache_fingerprinted(response: Response) -> Response:
    if (request.endpoint == "static" and response.status_code == 200
            and request.args.get("v") == fingerprint(request.view_args["filename"])):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
