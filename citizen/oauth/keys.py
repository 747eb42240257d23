"""Our token signing key and the URLs our tokens name, from the app's configuration."""

from __future__ import annotations

from flask import current_app

from services.clients.tokens import SigningKey, load_signing_key

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


def issuer() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def token_endpoint() -> str:
    """Our token endpoint's URL: the audience client assertions must name."""
    return issuer() + TOKEN_PATH


def api_audience() -> str:
    """The audience of our access tokens: the FHIR API's base URL."""
    return issuer() + FHIR_BASE_PATH
