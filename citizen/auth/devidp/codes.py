"""Authorization codes that need no shared store: the code is the grant itself, encrypted.

A code carries who logged in (including the identity number), the client, redirect URI,
PKCE challenge and nonce, Fernet-encrypted (AES + HMAC) under a key derived from
SECRET_KEY, so it is opaque and tamper-proof in the browser's address bar and in logs, and
any web process can redeem it. It lives 60 seconds.

Single use is enforced by a replay set in this process. Rejected: an in-memory code store
(a code issued by one gunicorn worker could not be redeemed by another) and a new table
(migrations for a development tool). The replay set does not span workers, so a stolen code
could in theory be redeemed once per worker within the minute, but only together with the
PKCE verifier and the client secret, which an attacker who saw the URL does not have.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time

from cryptography.fernet import Fernet, InvalidToken

CODE_TTL_SECONDS = 60

_lock = threading.Lock()
#: jti -> time after which the code is expired anyway and the entry may go.
_redeemed: dict[str, float] = {}


class InvalidCode(ValueError):
    """Unknown, expired, tampered with, or already used."""


def issue_code(grant: dict, *, secret_key: str) -> str:
    payload = {**grant, "jti": secrets.token_urlsafe(16)}
    return _fernet(secret_key).encrypt(json.dumps(payload).encode()).decode()


def redeem_code(code: str, *, secret_key: str) -> dict:
    """The grant inside ``code``; each code works once."""
    try:
        grant = json.loads(_fernet(secret_key).decrypt(code.encode(), ttl=CODE_TTL_SECONDS))
    except (InvalidToken, ValueError):
        raise InvalidCode("invalid or expired code") from None
    now = time.time()
    with _lock:
        for jti in [j for j, until in _redeemed.items() if until < now]:
            del _redeemed[jti]
        if grant["jti"] in _redeemed:
            raise InvalidCode("code already used")
        _redeemed[grant["jti"]] = now + CODE_TTL_SECONDS + 5
    return grant


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"dev-idp authorization codes:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
