"""The token endpoint (client-credentials grant) and our public keys."""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import unquote_plus

from flask import Response, current_app, g, jsonify, request
from marshmallow import ValidationError

from citizen.oauth import keys
from citizen.oauth.errors import OAuthError, no_store, oauth_error_response
from citizen.oauth.schemas import TOKEN_PARAMETERS, TokenRequestSchema
from services import clients
from services.actors import Actor
from services.clients.models import SystemClient
from services.clients.tokens import JWT_BEARER_ASSERTION, jwks_document

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


def token() -> Response:
    """Issue an access token to an authenticated system client."""
    params = _token_request()
    if params["grant_type"] != "client_credentials":
        raise OAuthError("unsupported_grant_type",
                         "only the client_credentials grant is supported")
    client = _authenticate_client(params)
    try:
        scope = clients.grant_scope(client=client, requested=params["scope"])
    except clients.ScopeNotAllowed as exc:
        raise OAuthError("invalid_scope", exc.description, client_id=client.client_id) from None
    issued = clients.issue_access_token(
        client=client, scope=scope, key=keys.signing_key(), issuer=keys.issuer(),
        audience=keys.api_audience(),
        actor=Actor.system(client.client_id, request_id=g.get("request_id")),
    )
    log.info("access token issued", extra={"client_id": client.client_id, "scope": scope})
    return no_store(jsonify({"access_token": issued.token, "token_type": "Bearer",
                             "expires_in": issued.expires_in, "scope": scope}))


def jwks() -> Response:
    """Our public signing keys, for anyone verifying the tokens we issue."""
    response = jsonify(jwks_document(keys.verification_keys()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def refused(exc: OAuthError) -> Response:
    """Answer with the RFC 6749 error, and log why (nothing personal is in a token request)."""
    log.info("token request refused", extra={"error": exc.error, "reason": exc.description,
                                             "client_id": exc.client_id})
    return oauth_error_response(exc)


def _token_request() -> dict:
    if request.mimetype != FORM:
        raise OAuthError("invalid_request", f"send the token request as {FORM}")
    form = request.form
    for name in TOKEN_PARAMETERS:
        if len(form.getlist(name)) > 1:
            raise OAuthError("invalid_request", f"{name} is given more than once")
    # RFC 6749 3.1: a parameter sent without a value is treated as omitted.
    present = {name: value for name, value in form.items() if value != ""}
    try:
        return TokenRequestSchema().load(present)
    except ValidationError as exc:
        field, messages = next(iter(exc.normalized_messages().items()))
        message = messages[0] if isinstance(messages, list) else messages
        raise OAuthError("invalid_request", f"{field}: {message}") from None


def _authenticate_client(params: dict) -> SystemClient:
    basic = _basic_credentials()
    uses_assertion = params["client_assertion"] is not None \
        or params["client_assertion_type"] is not None
    claimed = basic[0] if basic else params["client_id"]

    def failed(description: str) -> OAuthError:
        return OAuthError("invalid_client", description, status=401,
                          basic_challenge=basic is not None, client_id=claimed)

    if sum((basic is not None, uses_assertion, params["client_secret"] is not None)) > 1:
        raise failed("use exactly one way of client authentication")
    if params["client_secret"] is not None:
        raise failed("client_secret in the body is not supported; use private_key_jwt")
    try:
        if basic is not None:
            # Secrets are a development feature, as at creation (the CLI): a secret client
            # made in development gets no token once the same database runs in production.
            if not current_app.config["DEV_FEATURES"]:
                raise failed("client_secret_basic is a development feature; "
                             "authenticate with a client_assertion (private_key_jwt)")
            client_id, secret = basic
            if params["client_id"] not in (None, client_id):
                raise failed("client_id differs from the HTTP Basic user")
            return clients.authenticate_with_secret(client_id=client_id, secret=secret)
        if uses_assertion:
            if params["client_assertion_type"] != JWT_BEARER_ASSERTION:
                raise failed(f"client_assertion_type must be {JWT_BEARER_ASSERTION}")
            if params["client_assertion"] is None:
                raise failed("client_assertion is missing")
            return clients.authenticate_with_assertion(
                assertion=params["client_assertion"], audience=keys.token_endpoint(),
                client_id=params["client_id"])
    except clients.ClientAuthenticationFailed as exc:
        raise failed(exc.description) from None
    raise failed("authenticate the client with a client_assertion (private_key_jwt)")


def _basic_credentials() -> tuple[str, str] | None:
    """The client id and secret of an ``Authorization: Basic`` header (RFC 6749 2.3.1)."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")

    def malformed(description: str) -> OAuthError:
        return OAuthError("invalid_client", description, status=401, basic_challenge=True)

    if scheme.lower() != "basic":
        raise malformed("the token endpoint accepts only Basic in the Authorization header")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise malformed("the Basic credentials are not well-formed") from None
    client_id, colon, secret = decoded.partition(":")
    # Both parts are form-urlencoded before they are joined and encoded (RFC 6749 2.3.1).
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if not colon or not client_id or not clients.VSCHAR.fullmatch(client_id + secret):
        raise malformed("the Basic credentials are not well-formed")
    return client_id, secret
