"""One error shape per audience: problem+json for the JSON API, OperationOutcome for FHIR,
a friendly page for people. Nothing internal (stack, SQL, ids of other people) leaks out."""

from __future__ import annotations

import logging
import math
import time
from http import HTTPStatus

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from citizen.babel_cache import gettext as _
from citizen.extensions import limiter

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
FHIR_JSON = "application/fhir+json"

#: FHIR OperationOutcome issue codes for the statuses we answer with.
_FHIR_ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
    406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 413: "too-long",
    415: "not-supported", 422: "processing", 429: "throttled",
}


class ApiError(HTTPException):
    """An error with a problem-details body; ``errors`` names offending fields, ``headers``
    go on the response (a 429's ``Retry-After``)."""

    def __init__(self, status: int, detail: str, *, errors: dict | None = None,
                 title: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.errors = errors
        self.extra_headers = headers or {}


def wants_fhir() -> bool:
    return request.path == "/fhir" or request.path.startswith("/fhir/")


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/oauth/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in ("application/json", PROBLEM_JSON)


def problem(status: int, title: str, detail: str | None = None, **extra) -> Response:
    """An RFC 9457 problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["request_id"] = g.get("request_id")
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def operation_outcome(status: int, diagnostics: str, *, expression: list[str] | None = None,
                      code: str | None = None) -> Response:
    issue = {
        "severity": "error" if status < 500 else "fatal",
        "code": code or _FHIR_ISSUE_CODES.get(status, "exception"),
        "diagnostics": diagnostics,
    }
    if expression:
        issue["expression"] = expression
    response = jsonify({"resourceType": "OperationOutcome", "issue": [issue]})
    response.status_code = status
    response.mimetype = FHIR_JSON
    return response


def _page(status: int, exc: Exception | None = None) -> Response:
    titles = {
        400: _("Something in the request was wrong"),
        401: _("You need to log in"),
        403: _("You do not have access to this page"),
        404: _("We could not find the page"),
        405: _("That is not possible here"),
        413: _("The file or form is too large"),
        414: _("The address is too long"),
        415: _("We could not read what was sent"),
        429: _("Too many attempts"),
        431: _("Your browser sent too much data"),
    }
    title = titles.get(status, _("Something went wrong on our side") if status >= 500
                       else _("Something in the request was wrong"))
    template, extra = "errors/error.html", {}
    if isinstance(exc, CSRFError):
        template, title = "errors/form_expired.html", _("The form has expired")
    elif status == 429:
        template, extra = "errors/too_many.html", {"minutes": _minutes_to_wait()}
    html = render_template(template, status=status, title=title,
                           request_id=g.get("request_id"), **extra)
    return Response(html, status=status, mimetype="text/html")


def _minutes_to_wait() -> int:
    """Whole minutes until the limit that was hit lets the caller in again (at least 1)."""
    limit = limiter.current_limit
    seconds = int(limit.reset_at - time.time()) if limit is not None else 60
    return max(1, math.ceil(seconds / 60))


def render_error(status: int, detail: str, *, title: str | None = None,
                 errors: dict | None = None, api: bool = False,
                 exc: Exception | None = None) -> Response:
    if wants_fhir():
        return operation_outcome(status, detail)
    if api or wants_json():
        return problem(status, title or HTTPStatus(status).phrase, detail, errors=errors)
    return _page(status, exc)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        response = render_error(
            exc.code or 500,
            exc.description or "",
            title=getattr(exc, "title", None),
            errors=getattr(exc, "errors", None),
            api=isinstance(exc, ApiError),
            exc=exc,
        )
        if exc.code == 405 and (allowed := exc.get_headers()):
            response.headers.update({k: v for k, v in allowed if k == "Allow"})
        response.headers.update(getattr(exc, "extra_headers", {}))
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        # Logged with the request id so support can find it; the body reveals nothing.
        log.exception("unhandled error")
        return render_error(500, InternalServerError.description)
