"""Systems that call our APIs (hospital record system, helsenorge.no): OAuth2 clients."""

from services.clients.errors import (
    AssertionReplayed,
    ClientAuthenticationFailed,
    ClientError,
    InvalidClientRegistration,
    InvalidToken,
    ScopeNotAllowed,
)
from services.clients.service import (
    AUTH_METHODS,
    CLIENT_SECRET_BASIC,
    PRIVATE_KEY_JWT,
    VSCHAR,
    authenticate_bearer,
    authenticate_with_assertion,
    authenticate_with_secret,
    create_client,
    deactivate_client,
    get_active_client,
    grant_scope,
    issue_access_token,
    purge_used_assertions,
    record_assertion_jti,
    set_organisation,
)
from services.domain import Domain

DOMAIN = Domain("clients", models="services.clients.models",
                registers=("services.clients.tasks",))

__all__ = [
    "AUTH_METHODS",
    "CLIENT_SECRET_BASIC",
    "PRIVATE_KEY_JWT",
    "VSCHAR",
    "AssertionReplayed",
    "ClientAuthenticationFailed",
    "ClientError",
    "InvalidClientRegistration",
    "InvalidToken",
    "ScopeNotAllowed",
    "authenticate_bearer",
    "authenticate_with_assertion",
    "authenticate_with_secret",
    "create_client",
    "deactivate_client",
    "get_active_client",
    "grant_scope",
    "issue_access_token",
    "purge_used_assertions",
    "record_assertion_jti",
    "set_organisation",
]
