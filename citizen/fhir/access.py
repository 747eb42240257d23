"""Who may do what on the FHIR API: the caller's token, its SMART scopes, its rate limit.

A whole request that its scopes do not allow ends with 403 (and the Bearer challenge); an
entry of a batch Bundle is refused on its own (:func:`require_in_entry`), so one refused
entry does not refuse the batch.
"""

from __future__ import annotations

import functools
import time

from flask import current_app, g
from limits import parse_many

from citizen.extensions import limiter
from citizen.fhir.errors import FhirError
from citizen.oauth import bearer
from services.actors import Actor
from services.clients.scopes import allows


def caller() -> Actor:
    """The authenticated client (any scope), within its rate limit."""
    access = bearer.authenticate()
    _within_rate_limit(access.client_id)
    return g.actor


def require(resource_type: str, interaction: str) -> Actor:
    """The caller, if its scopes allow ``interaction`` on ``resource_type``; else 403."""
    caller()
    return bearer.check_scope(resource_type, interaction)


def permits(resource_type: str, interaction: str) -> bool:
    """Whether the authenticated caller's scopes allow ``interaction`` (no refusal)."""
    return allows(g.access_token.scopes, resource_type, interaction)


def require_in_entry(resource_type: str, interaction: str, path: str) -> Actor:
    """As :func:`require` for one Bundle entry: a refusal is that entry's 403."""
    if not permits(resource_type, interaction):
        needed = bearer.refused_scope(resource_type, interaction)
        raise FhirError(403, f"{path}: the access token lacks the scope {needed}",
                        code="forbidden", expression=[f"{path}.request"])
    return g.actor


def _within_rate_limit(client_id: str) -> None:
    """Per client, in the limiter's store (shared by every process in production)."""
    if not limiter.enabled:
        return
    for limit in _limits(current_app.config["FHIR_RATE_LIMIT"]):
        if not limiter.limiter.hit(limit, "fhir", client_id):
            reset, _remaining = limiter.limiter.get_window_stats(limit, "fhir", client_id)
            raise FhirError(429, f"rate limit {limit} exceeded for this client",
                            code="throttled",
                            headers={"Retry-After": str(max(1, int(reset - time.time())))})


@functools.lru_cache(maxsize=4)
def _limits(text: str):
    return parse_many(text)

