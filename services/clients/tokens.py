"""Every JOSE operation of the client-credentials flow, in one place.

Reading and verifying client assertions (RFC 7523 ``private_key_jwt``), signing our access
tokens (RFC 9068 shape: ``typ: at+jwt``), verifying them again when a system calls an API,
and publishing our public keys. Built on joserfc, Authlib's JOSE library.

Nothing here touches the database or Flask; callers pass keys, URLs and ``now``.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError, SecurityWarning
from joserfc.jwk import ECKey, KeySet, RSAKey

from services.clients.errors import (
    ClientAuthenticationFailed,
    InvalidClientRegistration,
    InvalidToken,
)
from services.clients.scopes import InvalidScope, SmartScope, parse_scopes

#: RFC 7523 assertion type for ``private_key_jwt``.
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Client assertions must be signed with a private key: never HMAC (the "key" would be a
#: shared secret we store) and never ``none``. EdDSA is left out until a client needs it.
ASSERTION_ALGORITHMS = ("ES256", "ES384", "ES512", "PS256", "PS384", "PS512",
                        "RS256", "RS384", "RS512")
#: Longest an assertion may live, from ``iat`` (or from now, when it has no ``iat``).
MAX_ASSERTION_LIFETIME = 60
#: Allowed difference between the client's clock and ours, in seconds.
CLOCK_SKEW = 5
#: Longest ``jti`` we store (the column's width).
MAX_JTI_LENGTH = 255
#: RFC 9068 ``typ`` header of our access tokens: anything else we sign lacks it, so it
#: cannot pass for an access token.
ACCESS_JWT_TYP = "at+jwt"
#: Access tokens live five minutes: long enough for a batch, short enough that a
#: deactivated client or a leaked token stops mattering soon.
ACCESS_TOKEN_LIFETIME = 300
MIN_RSA_BITS = 2048
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_JWK_CURVES = {"P-256", "P-384", "P-521"}
#: Everything joserfc (or the JSON inside a token) raises for input that is not a good JWT.
#: RecursionError: JSON nested deeper than Python recurses; the form field's length limit
#: bounds what that costs.
_UNREADABLE = (JoseError, ValueError, TypeError, KeyError, RecursionError)
#: A token that is not a JWT, is signed by a key we do not hold, or does not verify: the
#: caller learns no more than that.
_NOT_VERIFIED = "the access token is malformed or its signature does not verify"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----[^-]+-----END [A-Z ]+-----")


# --- our signing key -----------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """One of our keys, the algorithm it signs with, and its RFC 7638 thumbprint as ``kid``.
    The current key is private and signs; a retired one may be public only: it verifies the
    tokens it signed until they expire."""

    key: ECKey | RSAKey
    alg: str
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), "kid": self.kid, "use": "sig",
                "alg": self.alg}


def load_signing_key(pem: str) -> SigningKey:
    """Load a PEM private key: EC P-256/384/521 signs ES256/384/512, RSA signs RS256."""
    return _key_of(load_pem_private_key(pem.encode(), password=None))


def load_retired_keys(pems: str) -> list[SigningKey]:
    """The keys that signed before the current one (PEM blocks, private or public, one
    after the other): they still verify, and the JWK Set still publishes them, until the
    last token they signed has expired (``ACCESS_TOKEN_LIFETIME``)."""
    found = []
    for block in _PEM_BLOCK.findall(pems):
        loaded = (load_pem_public_key(block.encode()) if "PUBLIC KEY-----" in block
                  else load_pem_private_key(block.encode(), password=None))
        found.append(_key_of(loaded))
    if pems.strip() and not found:
        raise ValueError("no PEM key found")
    return found


def _key_of(loaded: Any) -> SigningKey:
    key: ECKey | RSAKey
    if isinstance(loaded, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if loaded.curve.name not in _EC_ALGORITHMS:
            raise ValueError(f"the token signing key's curve {loaded.curve.name} is not usable")
        key, alg = ECKey.import_key(loaded), _EC_ALGORITHMS[loaded.curve.name]
    elif isinstance(loaded, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if loaded.key_size < MIN_RSA_BITS:
            raise ValueError(f"the token signing key needs at least {MIN_RSA_BITS} bits")
        key, alg = RSAKey.import_key(loaded), "RS256"
    else:
        raise ValueError("the token signing key must be an EC or RSA key")
    return SigningKey(key=key, alg=alg, kid=key.thumbprint())


def jwks_document(keys: list[SigningKey]) -> dict[str, list[dict[str, Any]]]:
    """A JWK Set of the public halves of ``keys``."""
    return {"keys": [key.public_jwk() for key in keys]}


# --- client keys ---------------------------------------------------------------------


def validated_client_jwks(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Check a client's JWK Set holds only public EC/RSA signing keys; return it normalised.

    Keys without ``kid`` get their thumbprint, so an assertion may name its key either way.
    """
    raw_keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(raw_keys, list) or not raw_keys:
        raise InvalidClientRegistration("the JWK Set needs a non-empty \"keys\" list")
    keys = []
    for raw in raw_keys:
        if not isinstance(raw, Mapping):
            raise InvalidClientRegistration("each key in the JWK Set must be a JSON object")
        keys.append(_public_signing_key(raw))
    return KeySet(keys).as_dict(private=False)


def _public_signing_key(raw: Mapping[str, Any]) -> ECKey | RSAKey:
    kty = raw.get("kty")
    if kty not in ("EC", "RSA"):
        raise InvalidClientRegistration("client keys must be EC or RSA public keys")
    if "d" in raw:
        raise InvalidClientRegistration(
            "the JWK Set contains a private key; send only the public keys")
    if raw.get("use", "sig") != "sig":
        raise InvalidClientRegistration("client keys must be for signatures (use: sig)")
    if "alg" in raw and raw["alg"] not in ASSERTION_ALGORITHMS:
        raise InvalidClientRegistration("a client key names an algorithm we do not accept")
    if kty == "EC" and raw.get("crv") not in _JWK_CURVES:
        raise InvalidClientRegistration("EC client keys must use P-256, P-384 or P-521")
    try:
        with warnings.catch_warnings():
            # A short RSA key warns; we refuse it below with a clearer message.
            warnings.simplefilter("ignore", SecurityWarning)
            key = (ECKey if kty == "EC" else RSAKey).import_key(dict(raw))
            key.as_dict(private=False)
    except _UNREADABLE:
        raise InvalidClientRegistration("a client key is not a well-formed JWK") from None
    if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
        raise InvalidClientRegistration(f"RSA client keys need at least {MIN_RSA_BITS} bits")
    return key


# --- client assertions (RFC 7523) ----------------------------------------------------


@dataclass(frozen=True)
class VerifiedAssertion:
    jti: str
    #: From this instant the assertion's ``exp`` refuses it anyway (exp + clock skew), so
    #: its used-``jti`` row need not be kept longer.
    refused_after: datetime


def assertion_issuer(assertion: str) -> str:
    """The unverified ``iss`` of a client assertion: only to find whose keys verify it."""
    claims = _unverified_claims(assertion)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise ClientAuthenticationFailed("the client assertion lacks the iss claim")
    return issuer


def verify_client_assertion(assertion: str, *, jwks: Mapping[str, Any], client_id: str,
                            audience: str, now: datetime) -> VerifiedAssertion:
    """Verify a client assertion's signature against ``jwks`` and check its claims.

    iss and sub must be ``client_id``, aud must name ``audience`` (our token endpoint), exp
    must be in the future but at most ``MAX_ASSERTION_LIFETIME`` seconds after iat, and a
    jti must be present (the caller makes sure it is used only once).
    """
    header = _unverified_header(assertion)
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        raise ClientAuthenticationFailed(
            "the client assertion must be signed with an asymmetric algorithm such as "
            "ES256, PS256 or RS256")
    registry = jws.JWSRegistry(algorithms=ASSERTION_ALGORITHMS, strict_check_header=False)
    try:
        key_set = KeySet.import_key_set(dict(jwks))
        claims = jwt.decode(assertion, key_set, registry=registry).claims
    except InvalidKeyIdError:
        raise ClientAuthenticationFailed(
            "no registered key of this client matches the assertion's kid") from None
    except BadSignatureError:
        raise ClientAuthenticationFailed(
            "the client assertion's signature does not verify with the client's keys") from None
    except _UNREADABLE:
        raise ClientAuthenticationFailed(
            "the client assertion cannot be verified with the client's keys") from None

    for name in ("iss", "sub", "aud", "exp", "jti"):
        if claims.get(name) in (None, "", []):
            raise ClientAuthenticationFailed(f"the client assertion lacks the {name} claim")
    if claims["iss"] != client_id or claims["sub"] != client_id:
        raise ClientAuthenticationFailed("the client assertion's iss and sub must be the client_id")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if audience not in audiences:
        raise ClientAuthenticationFailed(f"the client assertion's aud must be {audience}")
    jti = claims["jti"]
    if not isinstance(jti, str) or len(jti) > MAX_JTI_LENGTH or not jti.isprintable():
        raise ClientAuthenticationFailed(
            f"the client assertion's jti must be a string of at most {MAX_JTI_LENGTH} "
            "printable characters")

    timestamp = now.timestamp()
    exp, iat = _numeric(claims, "exp"), _numeric(claims, "iat")
    nbf = _numeric(claims, "nbf")
    if exp <= timestamp - CLOCK_SKEW:
        raise ClientAuthenticationFailed("the client assertion has expired")
    if iat is not None and iat > timestamp + CLOCK_SKEW:
        raise ClientAuthenticationFailed("the client assertion's iat is in the future")
    if nbf is not None and nbf > timestamp + CLOCK_SKEW:
        raise ClientAuthenticationFailed("the client assertion is not valid yet (nbf)")
    start = iat if iat is not None else timestamp
    if exp - start > MAX_ASSERTION_LIFETIME:
        raise ClientAuthenticationFailed(
            f"the client assertion's exp may be at most {MAX_ASSERTION_LIFETIME} seconds "
            "after its iat")
    return VerifiedAssertion(jti=jti, refused_after=_instant(exp + CLOCK_SKEW))


# --- access tokens (RFC 9068 shape) --------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int
    expires_at: datetime


@dataclass(frozen=True)
class AccessToken:
    """A verified access token: who presented it and what it allows."""

    client_id: str
    scopes: tuple[SmartScope, ...]
    jti: str
    expires_at: datetime


def issue_access_token(*, key: SigningKey, issuer: str, audience: str, client_id: str,
                       scope: str, now: datetime,
                       lifetime: int = ACCESS_TOKEN_LIFETIME) -> IssuedToken:
    """Sign an access token for ``client_id`` granting ``scope`` at ``audience``."""
    issued_at = int(now.timestamp())
    jti = secrets.token_urlsafe(18)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": client_id,
        "client_id": client_id,
        "scope": scope,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": jti,
    }
    header = {"alg": key.alg, "kid": key.kid, "typ": ACCESS_JWT_TYP}
    token = jwt.encode(header, claims, key.key, algorithms=[key.alg])
    return IssuedToken(token=token, jti=jti, expires_in=lifetime,
                       expires_at=_instant(issued_at + lifetime))


def verify_access_token(token: str, *, keys: Sequence[SigningKey], issuer: str,
                        audience: str, now: datetime) -> AccessToken:
    """Verify one of our access tokens with the key its ``kid`` names among ``keys`` (the
    current one first); raise ``InvalidToken`` saying what is wrong."""
    try:
        kid = jws.extract_compact(token.encode()).headers().get("kid")
        key = keys[0] if kid is None else next(k for k in keys if k.kid == kid)
        decoded = jwt.decode(token, key.key, algorithms=[key.alg])
    except (*_UNREADABLE, StopIteration, AttributeError):
        raise InvalidToken(_NOT_VERIFIED) from None
    if decoded.header.get("typ") != ACCESS_JWT_TYP:
        raise InvalidToken("the token is not an access token")
    claims = decoded.claims
    for name in ("iss", "aud", "exp", "client_id", "scope", "jti"):
        if claims.get(name) in (None, ""):
            raise InvalidToken(f"the access token has no {name} claim")
    if claims["iss"] != issuer:
        raise InvalidToken("the access token was not issued here")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if audience not in audiences:
        raise InvalidToken("the access token is not meant for this API")
    try:
        exp = _numeric(claims, "exp")
        scopes = parse_scopes(claims["scope"])
    except (ClientAuthenticationFailed, InvalidScope, TypeError):
        raise InvalidToken("the access token's claims are malformed") from None
    if exp <= now.timestamp():
        raise InvalidToken("the access token has expired")
    client_id, jti = claims["client_id"], claims["jti"]
    if not isinstance(client_id, str) or not isinstance(jti, str):
        raise InvalidToken("the access token's claims are malformed")
    return AccessToken(client_id=client_id, scopes=scopes, jti=jti, expires_at=_instant(exp))


# --- helpers -------------------------------------------------------------------------


def _unverified_header(value: str) -> dict[str, Any]:
    try:
        header = jws.extract_compact(value.encode()).headers()
    except _UNREADABLE:
        raise ClientAuthenticationFailed("the client assertion is not a well-formed JWT") from None
    if not isinstance(header, dict):
        raise ClientAuthenticationFailed("the client assertion is not a well-formed JWT")
    return header


def _unverified_claims(value: str) -> dict[str, Any]:
    try:
        claims = json.loads(jws.extract_compact(value.encode()).payload)
    except _UNREADABLE:
        raise ClientAuthenticationFailed("the client assertion is not a well-formed JWT") from None
    if not isinstance(claims, dict):
        raise ClientAuthenticationFailed("the client assertion is not a well-formed JWT")
    return claims


def _numeric(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim, or None when absent; booleans, NaN and strings are refused."""
    value = claims.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(name)
        number = float(value)
    except (TypeError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        raise ClientAuthenticationFailed(f"the {name} claim must be a number of seconds")
    return number


def _instant(timestamp: float) -> datetime:
    # Clamp absurd values so a far-future exp cannot overflow datetime.
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=min(timestamp, 253_402_300_799))
