"""System clients: register them, authenticate them, grant scopes, issue and check tokens."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from services import audit
from services.actors import Actor
from services.clients import tokens
from services.clients.errors import (
    AssertionReplayed,
    ClientAuthenticationFailed,
    InvalidClientRegistration,
    InvalidToken,
    ScopeNotAllowed,
)
from services.clients.models import SystemClient, UsedClientAssertion
from services.clients.scopes import InvalidScope, format_scopes, not_covered, parse_scopes
from services.clock import utcnow
from services.db import db

log = logging.getLogger(__name__)

PRIVATE_KEY_JWT = "private_key_jwt"
#: A shared secret over HTTP Basic: simple to try out, so allowed in development only
#: (the CLI refuses it in production); real systems sign assertions with their own key.
CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name, not a secret
AUTH_METHODS = (PRIVATE_KEY_JWT, CLIENT_SECRET_BASIC)
#: RFC 6749 appendix A: client ids, secrets and every token parameter are VSCHARs, printable
#: ASCII. Anything else (a NUL, which PostgreSQL refuses in text) names no client of ours.
VSCHAR = re.compile(r"[\x20-\x7e]*\Z")


def create_client(*, name: str, scopes: str | Iterable[str], auth_method: str,
                  jwks: Mapping[str, Any] | None = None,
                  organisation_id: int | None = None) -> tuple[SystemClient, str | None]:
    """Register a client; return it and, for ``client_secret_basic``, its secret (shown once).

    ``scopes`` are the SMART system scopes the client may ever be granted; ``jwks`` is the
    JWK Set of its public keys, required for ``private_key_jwt`` and refused otherwise.
    ``organisation_id``: the organisation whose own system it is (a hospital's record
    system); None for a system acting for citizens (helsenorge).
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidClientRegistration("the name must be 1 to 200 characters")
    try:
        allowed = parse_scopes(scopes)
    except InvalidScope as exc:
        raise InvalidClientRegistration(str(exc)) from None
    if not allowed:
        raise InvalidClientRegistration("a client needs at least one scope")
    secret = secret_hash = stored_jwks = None
    if auth_method == PRIVATE_KEY_JWT:
        if jwks is None:
            raise InvalidClientRegistration("private_key_jwt clients need a JWK Set")
        stored_jwks = tokens.validated_client_jwks(jwks)
    elif auth_method == CLIENT_SECRET_BASIC:
        if jwks is not None:
            raise InvalidClientRegistration("client_secret_basic clients have no JWK Set")
        secret = secrets.token_urlsafe(32)
        secret_hash = generate_password_hash(secret)
    else:
        raise InvalidClientRegistration(f"auth_method must be one of {', '.join(AUTH_METHODS)}")
    client = SystemClient(client_id=str(uuid.uuid4()), name=name, scopes=format_scopes(allowed),
                          auth_method=auth_method, secret_hash=secret_hash, jwks=stored_jwks,
                          is_active=True, organisation_id=organisation_id)
    db.session.add(client)
    db.session.flush()
    log.info("system client created",
             extra={"client_id": client.client_id, "auth_method": auth_method})
    return client, secret


def deactivate_client(*, client_id: str) -> SystemClient:
    """Stop a client: no new tokens; its unexpired tokens stop working at once in this
    process and within ``_ACTIVE_FOR_SECONDS`` in the others."""
    client = db.session.scalar(sa.select(SystemClient).where(SystemClient.client_id == client_id))
    if client is None:
        raise LookupError(client_id)
    client.is_active = False
    db.session.flush()
    _recently_active.pop(client_id, None)
    log.info("system client deactivated", extra={"client_id": client_id})
    return client


def set_organisation(*, client_id: str, organisation_id: int | None) -> SystemClient:
    """Make the client its organisation's own system (None: nobody's). It then sees every
    record document of that organisation, blocks or not (services/records/access.py)."""
    client = db.session.scalar(sa.select(SystemClient).where(SystemClient.client_id == client_id))
    if client is None:
        raise LookupError(client_id)
    client.organisation_id = organisation_id
    db.session.flush()
    log.info("system client's organisation set", extra={"client_id": client_id})
    return client


def get_active_client(*, client_id: str) -> SystemClient | None:
    if not VSCHAR.fullmatch(client_id):
        return None
    return db.session.scalar(
        sa.select(SystemClient).where(SystemClient.client_id == client_id,
                                      SystemClient.is_active.is_(True))
    )


def authenticate_with_secret(*, client_id: str, secret: str) -> SystemClient:
    """Authenticate a ``client_secret_basic`` client; raise ``ClientAuthenticationFailed``."""
    client = _active_client(client_id)
    if client.auth_method != CLIENT_SECRET_BASIC or not client.secret_hash:
        raise ClientAuthenticationFailed(
            f"this client must authenticate with {client.auth_method}")
    if not check_password_hash(client.secret_hash, secret):
        raise ClientAuthenticationFailed("the client secret is wrong")
    return client


def authenticate_with_assertion(*, assertion: str, audience: str, client_id: str | None = None,
                                now: datetime | None = None) -> SystemClient:
    """Authenticate a ``private_key_jwt`` client by its signed assertion (RFC 7523).

    ``audience`` is our token endpoint's URL. The assertion's jti is recorded, so the same
    assertion is refused a second time; the caller's commit makes that stick.
    """
    now = now or utcnow()
    issuer = tokens.assertion_issuer(assertion)
    if client_id is not None and client_id != issuer:
        raise ClientAuthenticationFailed("client_id differs from the client assertion's iss")
    client = _active_client(issuer)
    if client.auth_method != PRIVATE_KEY_JWT or not client.jwks:
        raise ClientAuthenticationFailed(
            f"this client must authenticate with {client.auth_method}")
    verified = tokens.verify_client_assertion(assertion, jwks=client.jwks,
                                              client_id=client.client_id, audience=audience,
                                              now=now)
    record_assertion_jti(client_id=client.client_id, jti=verified.jti,
                         expires_at=verified.refused_after)
    return client


def record_assertion_jti(*, client_id: str, jti: str, expires_at: datetime) -> UsedClientAssertion:
    """Remember a used assertion ``jti``; raise ``AssertionReplayed`` if it was used before."""
    seen = sa.select(UsedClientAssertion.id).where(UsedClientAssertion.client_id == client_id,
                                                   UsedClientAssertion.jti == jti)
    if db.session.scalar(seen) is not None:
        raise AssertionReplayed()
    row = UsedClientAssertion(client_id=client_id, jti=jti, expires_at=expires_at)
    try:
        # Two requests racing with the same assertion: the unique constraint decides.
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise AssertionReplayed() from None
    return row


def purge_used_assertions(*, now: datetime) -> int:
    """Delete used-``jti`` rows whose assertions would be refused as expired anyway."""
    result = db.session.execute(
        sa.delete(UsedClientAssertion).where(UsedClientAssertion.expires_at < now)
    )
    return result.rowcount or 0


def grant_scope(*, client: SystemClient, requested: str | None) -> str:
    """The scope to grant: all the client's scopes if none was asked for, else the request.

    Each requested scope must be covered by an allowed one (``system/Patient.r`` is covered by
    ``system/Patient.rs`` and ``system/*.rs``); otherwise ``ScopeNotAllowed``.
    """
    allowed = parse_scopes(client.scopes)
    if not requested or not requested.strip():
        return format_scopes(allowed)
    try:
        wanted = parse_scopes(requested)
    except InvalidScope as exc:
        raise ScopeNotAllowed(str(exc)) from None
    if not_covered(wanted, allowed):
        raise ScopeNotAllowed()
    return format_scopes(wanted)


def issue_access_token(*, client: SystemClient, scope: str, key: tokens.SigningKey,
                       issuer: str, audience: str, actor: Actor,
                       now: datetime | None = None) -> tokens.IssuedToken:
    """Sign an access token for ``client`` and record the issue in the audit trail."""
    issued = tokens.issue_access_token(key=key, issuer=issuer, audience=audience,
                                       client_id=client.client_id, scope=scope,
                                       now=now or utcnow())
    audit.record(actor=actor, action="login", resource_type="OAuthToken",
                 resource_id=issued.jti, purpose="system-access")
    return issued


def authenticate_bearer(*, token: str, keys: Sequence[tokens.SigningKey], issuer: str,
                        audience: str, now: datetime | None = None) -> tokens.AccessToken:
    """Verify an access token with ``keys`` (the current one first, then the retired ones)
    and that its client is still active; raise ``InvalidToken``."""
    now = now or utcnow()
    cache_key = (token, tuple(k.kid for k in keys), issuer, audience)
    access = _verified.get(cache_key)
    if access is None:
        access = tokens.verify_access_token(token, keys=keys, issuer=issuer,
                                            audience=audience, now=now)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.pop(next(iter(_verified)))
        _verified[cache_key] = access
    elif access.expires_at <= now:
        raise InvalidToken("the access token has expired")
    if not _known_active(access.client_id):
        raise InvalidToken("the client of this access token is no longer active")
    return access


#: Tokens whose signature and claims were checked, until they expire: a client sends the
#: same token with every call, and checking an ECDSA signature each time costs more than
#: the lookup. Bounded; the oldest entry goes first.
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, tuple[str, ...], str, str], tokens.AccessToken] = {}

#: client_id -> monotonic time until which it is known to be active. Every API call would
#: otherwise look the client up; a deactivation reaches other processes within this time
#: (and this process at once, see ``deactivate_client``).
_ACTIVE_FOR_SECONDS = 10.0
_recently_active: dict[str, float] = {}


def _known_active(client_id: str) -> bool:
    if _recently_active.get(client_id, 0.0) > time.monotonic():
        return True
    if get_active_client(client_id=client_id) is None:
        _recently_active.pop(client_id, None)
        return False
    _recently_active[client_id] = time.monotonic() + _ACTIVE_FOR_SECONDS
    return True


def _active_client(client_id: str) -> SystemClient:
    client = get_active_client(client_id=client_id)
    if client is None:
        # One answer for unknown and deactivated clients: which ids exist is nobody's business.
        raise ClientAuthenticationFailed("unknown or inactive client")
    return client
