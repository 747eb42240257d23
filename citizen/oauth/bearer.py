"""Protect an API view with our access tokens and their SMART scopes (RFC 6750).

    @blueprint.get("/Patient/<pid>")
    @require_scope("Patient", "read")
    def read_patient(pid):
        actor = g.actor  # Actor.system(<client_id>)

A missing or bad token is 401, a token without the needed scope 403, each with the
``WWW-Authenticate: Bearer`` challenge and the error body of the path's audience
(OperationOutcome under ``/fhir``, problem+json under ``/api``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

from flask import abort, g, request

from citizen.errors import render_error
from citizen.oauth import keys
from services import audit
from services.actors import Actor
from services.clients import InvalidToken, authenticate_bearer
from services.clients.scopes import allows, permission_for
from services.clients.tokens import AccessToken

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def require_scope(resource_type: str,
                  interaction: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let the view run only for a valid access token whose scopes allow ``interaction``.

    ``interaction`` is a SMART permission letter (``c r u d s``) or a FHIR interaction name
    (``create``, ``read``, ``vread``, ``history``, ``update``, ``patch``, ``delete``,
    ``search``). The view finds the caller in ``g.actor`` and the token in ``g.access_token``.
    """
    permission_for(interaction)  # an unknown interaction fails at import, not per request

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def protected(*args: P.args, **kwargs: P.kwargs) -> R:
            authorize(resource_type, interaction)
            return view(*args, **kwargs)

        return protected

    return decorate


def authorize(resource_type: str, interaction: str) -> Actor:
    """Check the request's bearer token allows ``interaction`` on ``resource_type``.

    For views that learn the resource type from the URL; ends the request with 401/403
    otherwise. Sets and returns ``g.actor``; ``g.access_token`` holds the verified token.
    """
    authenticate()
    return check_scope(resource_type, interaction)


def check_scope(resource_type: str, interaction: str) -> Actor:
    """After :func:`authenticate`: 403 (noted in the security log) unless the token's
    scopes allow ``interaction`` on ``resource_type``."""
    if not allows(g.access_token.scopes, resource_type, interaction):
        needed = refused_scope(resource_type, interaction)
        _refuse(403, "insufficient_scope", f"the access token lacks the scope {needed}",
                scope=needed, client_id=g.access_token.client_id)
    return g.actor


def refused_scope(resource_type: str, interaction: str) -> str:
    """Note in the security log that the caller lacks the scope; the scope it lacks."""
    needed = f"system/{resource_type}.{permission_for(interaction)}"
    audit.record_refusal(actor=g.actor, kind="insufficient_scope", target=needed)
    return needed


def authenticate() -> AccessToken:
    """Verify the request's bearer token (any scope); set ``g.actor`` and ``g.access_token``."""
    token = _bearer_token()
    try:
        access = authenticate_bearer(token=token, keys=keys.verification_keys(),
                                     issuer=keys.issuer(), audience=keys.api_audience())
    except InvalidToken as exc:
        _refuse(401, "invalid_token", exc.description)
    g.access_token = access
    g.actor = Actor.system(access.client_id, request_id=g.get("request_id"))
    return access


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header:
        # RFC 6750 3.1: a request without credentials gets the challenge but no error code.
        _refuse(401, None, "send an access token: Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 8192:
        _refuse(401, "invalid_token", "the Authorization header must be Bearer <token>")
    return token.strip()


def _refuse(status: int, error: str | None, description: str, *, scope: str | None = None,
            client_id: str | None = None) -> NoReturn:
    log.info("bearer token refused", extra={"error": error or "no_token", "reason": description,
                                            "client_id": client_id})
    response = render_error(status, description)
    challenge = 'Bearer realm="minhelse"'
    if error:
        challenge += f', error="{error}", error_description="{description}"'
    if scope:
        challenge += f', scope="{scope}"'
    response.headers["WWW-Authenticate"] = challenge
    abort(response)
