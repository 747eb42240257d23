"""Our token signing key and the URLs our tokens name, from the app's configuration."""

from __future__ import annotations

from flask import current_app

from services.clients.tokens import SigningKey, load_retired_keys, load_signing_key

#: Where access tokens may be used: the FHIR API's base, relative to PUBLIC_BASE_URL.
FHIR_BASE_PATH = "/fhir/R4"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret


def signing_key() -> SigningKey:
    """The parsed ``TOKEN_SIGNING_KEY``, loaded once per app."""
    pem = current_app.config["TOKEN_SIGNING_KEY"]
    cached = current_app.extensions.get("oauth_signing_key")
    if cached is None or cached[0] != pem:
        cached = (pem, load_signing_key(pem))
        current_app.extensions["oauth_signing_key"] = cached
    return cached[1]


def verification_keys() -> list[SigningKey]:
    """The keys our access tokens are verified with and the JWK Set publishes: the current
    one first, then ``TOKEN_RETIRED_KEYS`` (those that signed before it, kept until their
    last token has expired)."""
    retired = current_app.config["TOKEN_RETIRED_KEYS"]
    cached = current_app.extensions.get("oauth_retired_keys")
    if cached is None or cached[0] != retired:
        cached = (retired, load_retired_keys(retired))
        current_app.extensions["oauth_retired_keys"] = cached
    current = signing_key()
    return [current, *(key for key in cached[1] if key.kid != current.kid)]


def issuer() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def token_endpoint() -> str:
    """Our token endpoint's URL: the audience client assertions must name."""
    return issuer() + TOKEN_PATH


def api_audience() -> str:
    """The audience of our access tokens: the FHIR API's base URL."""
    return issuer() + FHIR_BASE_PATH
