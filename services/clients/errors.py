"""Domain errors of system clients; the web layer maps each to an OAuth2 error code.

Every ``description`` is safe to send to the caller: it names what was wrong with the
request, never a stored secret, and never echoes what the caller sent.
"""

from __future__ import annotations


class ClientError(Exception):
    description = "the request was refused"

    def __init__(self, description: str | None = None) -> None:
        if description is not None:
            self.description = description
        super().__init__(self.description)


class InvalidClientRegistration(ClientError, ValueError):
    """A client cannot be created as described (bad scopes, keys or method)."""


class ClientAuthenticationFailed(ClientError):
    """The client could not be authenticated (OAuth2 ``invalid_client``)."""

    description = "client authentication failed"


class AssertionReplayed(ClientAuthenticationFailed):
    """A client assertion's ``jti`` was presented before."""

    description = "the client assertion was already used; sign a new one with a fresh jti"


class ScopeNotAllowed(ClientError):
    """The client asked for scopes it may not have (OAuth2 ``invalid_scope``)."""

    description = "the requested scope is not allowed for this client"


class InvalidToken(ClientError):
    """An access token that is malformed, expired, not ours or not for this API."""

    description = "the access token is not valid"
