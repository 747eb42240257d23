"""System clients: registration rules, secrets at rest, single-use jti, and the purge job."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.jwk import ECKey, RSAKey
from werkzeug.security import check_password_hash

from services import clients, jobs
from services.clients.models import SystemClient, UsedClientAssertion
from services.clients.tokens import load_signing_key
from services.clock import utcnow
from tests.oauth_support import generate_client_key, public_jwks
from tests.plugins.db import table_rows


def test_a_key_client_stores_its_public_keys_and_no_secret(db):
    key = generate_client_key()
    _, secret = clients.create_client(name=" DIPS Arena ",
                                      scopes="system/Patient.crus system/*.rs",
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    assert secret is None
    [stored] = table_rows(SystemClient)
    assert stored.name == "DIPS Arena"
    assert stored.scopes == "system/Patient.crus system/*.rs"
    assert stored.secret_hash is None and stored.is_active
    assert stored.jwks == public_jwks(key)


def test_keys_without_kid_get_their_thumbprint(db):
    key = ECKey.generate_key("P-256")
    client, _ = clients.create_client(name="x", scopes="system/*.r",
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    assert client.jwks["keys"][0]["kid"] == key.thumbprint()


def test_a_secret_client_stores_only_a_hash_of_its_secret(db):
    client, secret = clients.create_client(name="Dev", scopes=["system/Patient.rs"],
                                           auth_method="client_secret_basic")
    assert len(secret) >= 40
    assert secret not in client.secret_hash
    assert check_password_hash(client.secret_hash, secret)
    assert clients.authenticate_with_secret(client_id=client.client_id, secret=secret) is client
    with pytest.raises(clients.ClientAuthenticationFailed, match="secret is wrong"):
        clients.authenticate_with_secret(client_id=client.client_id, secret=secret + "x")


def _small_rsa_jwk() -> dict:
    # Built from cryptography: joserfc itself warns when handling a key this short.
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RSAKey.import_key(private.public_key()).as_dict()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "name"),
        ({"scopes": ""}, "at least one scope"),
        ({"scopes": "system/Patient.rs openid"}, "scopes look like"),
        ({"scopes": "system/Patient.sr"}, "in that order"),
        ({"auth_method": "client_secret_post"}, "auth_method must be"),
        ({"jwks": None}, "need a JWK Set"),
        ({"jwks": {}}, "non-empty"),
        ({"jwks": {"keys": "nope"}}, "non-empty"),
        ({"jwks": {"keys": ["nope"]}}, "JSON object"),
        ({"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}},
         "not a well-formed JWK"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "EC or RSA"),
        ({"jwks": "not a set"}, "non-empty"),
        ({"jwks": "ec-private"}, "private key"),
        ({"jwks": "enc"}, "use: sig"),
        ({"jwks": "hs-alg"}, "algorithm we do not accept"),
        ({"jwks": "small-rsa"}, "at least 2048 bits"),
        ({"jwks": "secp256k1"}, "P-256, P-384 or P-521"),
    ],
)
def test_clients_that_cannot_work_safely_are_refused(db, changes, message):
    key = generate_client_key()
    special = {
        "ec-private": {"keys": [key.as_dict(private=True)]},
        "enc": {"keys": [{**key.as_dict(private=False), "use": "enc"}]},
        "hs-alg": {"keys": [{**key.as_dict(private=False), "alg": "HS256"}]},
        "small-rsa": lambda: {"keys": [_small_rsa_jwk()]},
        "secp256k1": lambda: {"keys": [ECKey.generate_key("secp256k1").as_dict(private=False)]},
    }
    arguments = {"name": "System", "scopes": "system/Patient.rs",
                 "auth_method": "private_key_jwt", "jwks": public_jwks(key), **changes}
    if isinstance(arguments["jwks"], str) and arguments["jwks"] in special:
        value = special[arguments["jwks"]]
        arguments["jwks"] = value() if callable(value) else value
    with pytest.raises(clients.InvalidClientRegistration, match=message):
        clients.create_client(**arguments)
    assert table_rows(SystemClient) == []


def test_a_secret_client_may_not_bring_keys(db):
    with pytest.raises(clients.InvalidClientRegistration, match="no JWK Set"):
        clients.create_client(name="x", scopes="system/*.r", auth_method="client_secret_basic",
                              jwks=public_jwks(generate_client_key()))


def test_an_assertion_jti_is_accepted_once_per_client(db):
    expires = utcnow() + timedelta(seconds=65)
    clients.record_assertion_jti(client_id="a", jti="j-1", expires_at=expires)
    clients.record_assertion_jti(client_id="b", jti="j-1", expires_at=expires)
    with pytest.raises(clients.AssertionReplayed):
        clients.record_assertion_jti(client_id="a", jti="j-1", expires_at=expires)
    assert sorted((r.client_id, r.jti) for r in table_rows(UsedClientAssertion)) == [
        ("a", "j-1"), ("b", "j-1")]


def test_the_purge_job_forgets_only_expired_assertions(db, frozen_clock):
    now = utcnow()
    for jti, age in (("old", -10), ("just-expired", -1), ("live", 30)):
        clients.record_assertion_jti(client_id="a", jti=jti,
                                     expires_at=now + timedelta(seconds=age))
    [outcome] = jobs.run_due(only="clients.purge_used_assertions")
    assert outcome.ok and outcome.handled == 2
    assert [row.jti for row in table_rows(UsedClientAssertion)] == ["live"]

    frozen_clock.shift(timedelta(minutes=10))
    [outcome] = jobs.run_due(only="clients.purge_used_assertions")
    assert outcome.handled == 1
    assert table_rows(UsedClientAssertion) == []


def test_the_purge_job_is_registered_for_beat():
    assert jobs.registered_jobs()["clients.purge_used_assertions"].every == timedelta(minutes=10)


def test_grant_scope_defaults_to_everything_allowed_and_refuses_more(db):
    client, _ = clients.create_client(name="x", scopes="system/Patient.rs system/*.s",
                                      auth_method="client_secret_basic")
    assert clients.grant_scope(client=client, requested=None) == "system/Patient.rs system/*.s"
    assert clients.grant_scope(client=client, requested="system/Observation.s") == (
        "system/Observation.s")
    with pytest.raises(clients.ScopeNotAllowed):
        clients.grant_scope(client=client, requested="system/Observation.r")
    with pytest.raises(clients.ScopeNotAllowed, match="scopes look like"):
        clients.grant_scope(client=client, requested="offline_access")


def _pem(private) -> str:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


@pytest.mark.parametrize(
    ("make_private", "message"),
    [
        (ed25519.Ed25519PrivateKey.generate, "EC or RSA"),
        (lambda: ec.generate_private_key(ec.SECP256K1()), "curve secp256k1"),
        (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505
         "2048 bits"),
    ],
)
def test_our_signing_key_must_be_a_usable_ec_or_rsa_key(make_private, message):
    with pytest.raises(ValueError, match=message):
        load_signing_key(_pem(make_private()))


def test_a_p384_signing_key_signs_es384():
    key = load_signing_key(_pem(ec.generate_private_key(ec.SECP384R1())))
    assert key.alg == "ES384"
    assert key.public_jwk()["kid"] == key.kid == key.key.thumbprint()
    assert "d" not in key.public_jwk()
