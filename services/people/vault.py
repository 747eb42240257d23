"""Identity numbers at rest: encrypted for display, keyed-hashed for lookup.

A database dump alone reveals neither: the encryption keys and the hash key live outside the
database (environment / secret store). A plain SHA-256 would not do: 11-digit numbers with
known birth dates are few enough to brute-force, so the hash is an HMAC under a secret key.
Several encryption keys may be configured; the first encrypts, all decrypt (key rotation).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, MultiFernet


@dataclass(frozen=True)
class IdentityVault:
    hash_key: bytes
    encryption_keys: tuple[str, ...]

    def lookup_hash(self, number: str) -> str:
        return hmac.new(self.hash_key, number.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> bytes:
        return self._fernet.encrypt(number.encode())

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode()

    @functools.cached_property  # built once: every Patient a search returns is decrypted
    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(key) for key in self.encryption_keys])


_vault: IdentityVault | None = None


def configure_vault(*, hash_key: bytes, encryption_keys: tuple[str, ...]) -> None:
    """Set the process's keys; the app factory calls this from its configuration."""
    global _vault
    if not hash_key or not encryption_keys:
        raise ValueError("identity vault needs a hash key and at least one encryption key")
    _vault = IdentityVault(hash_key=hash_key, encryption_keys=encryption_keys)


def vault() -> IdentityVault:
    if _vault is None:
        raise RuntimeError("identity vault is not configured")
    return _vault
