"""Helpers for tests of system clients: client keys and signed client assertions."""

from __future__ import annotations

import time
import uuid
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from services.clients.tokens import JWT_BEARER_ASSERTION

#: Pass as a claim's value to leave the claim out of the assertion.
OMIT = object()


def generate_client_key() -> ECKey:
    """A client's private EC P-256 key, with a ``kid``."""
    return ECKey.generate_key("P-256", auto_kid=True)


def public_jwks(*keys) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys]}


def sign_assertion(key, *, client_id: str, audience: str, alg: str = "ES256",
                   header: dict | None = None, **claims: Any) -> str:
    """An RFC 7523 client assertion valid for 60 s; ``claims`` override or ``OMIT`` claims."""
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 60,
            "jti": uuid.uuid4().hex}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not OMIT}
    return jwt.encode({"alg": alg, "kid": key.kid, **(header or {})}, body, key,
                      algorithms=[alg])


def assertion_form(assertion: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER_ASSERTION,
            "client_assertion": assertion, **extra}
