"""Token endpoint errors as RFC 6749 section 5.2 JSON, never problem+json or a page."""

from __future__ import annotations

import re

from flask import Response, jsonify

#: RFC 6749 allows only these characters in ``error_description``.
_NOT_ALLOWED = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')


class OAuthError(Exception):
    """An OAuth2 error response: ``error`` code, a description, and the HTTP status."""

    def __init__(self, error: str, description: str, *, status: int = 400,
                 basic_challenge: bool = False, client_id: str | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        #: The client tried HTTP Basic: a 401 must then name the scheme (RFC 6749 5.2).
        self.basic_challenge = basic_challenge
        #: The client the request claimed to come from, if known (for the log only).
        self.client_id = client_id


def oauth_error_response(exc: OAuthError) -> Response:
    response = jsonify({"error": exc.error,
                        "error_description": _NOT_ALLOWED.sub("?", exc.description)})
    response.status_code = exc.status
    no_store(response)
    if exc.status == 401 and exc.basic_challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="oauth", charset="UTF-8"'
    return response


def no_store(response: Response) -> Response:
    """Token responses must not be cached anywhere (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
