"""The dev provider's signing key: EC P-256 (ES256), generated once into the instance folder.

One key per checkout, so id_tokens stay verifiable across restarts and across the web
processes of ``make run``; it is written atomically because several processes may start
at once.
"""

from __future__ import annotations

import contextlib
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

KEY_FILE = "dev_idp_key.pem"
ALG = "ES256"


def signing_key(instance_dir: str) -> ECKey:
    return _load(Path(instance_dir) / KEY_FILE)


def public_jwks(instance_dir: str) -> dict:
    return {"keys": [signing_key(instance_dir).as_dict(private=False)]}


@cache
def _load(path: Path) -> ECKey:
    if not path.exists():
        _generate(path)
    pem = path.read_bytes()
    key = ECKey.import_key(pem)
    return ECKey.import_key(pem, {"kid": key.thumbprint(), "use": "sig", "alg": ALG})


def _generate(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(temporary, path)  # fails if another process won the race: keep theirs
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
