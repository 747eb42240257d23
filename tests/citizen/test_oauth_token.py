"""The token endpoint: client credentials with private_key_jwt (and Basic in development)."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey
from werkzeug.datastructures import MultiDict

from citizen.extensions import limiter
from services import clients
from services.audit.models import AuditEvent
from services.clients.models import UsedClientAssertion
from tests.oauth_support import (
    OMIT,
    assertion_form,
    generate_client_key,
    public_jwks,
    sign_assertion,
)
from tests.plugins.clock import T0
from tests.plugins.db import table_rows

SCOPES = "system/Patient.rs system/Appointment.crus"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The limiter counts per address across tests; each test starts with a clean slate."""
    limiter.reset()


@pytest.fixture
def key():
    return generate_client_key()


@pytest.fixture
def system(db, key):
    client, _ = clients.create_client(name="Hospital record system", scopes=SCOPES,
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    # Committed (a SAVEPOINT release): a refused request's rollback must not take it away.
    db.session.commit()
    return client


@pytest.fixture
def token_url(app):
    return app.config["PUBLIC_BASE_URL"] + "/oauth/token"


@pytest.fixture
def assertion(key, system, token_url):
    """Sign an assertion for ``system``; keyword arguments override claims."""

    def sign(signing_key=None, **claims):
        return sign_assertion(signing_key or key, client_id=system.client_id,
                              audience=token_url, **claims)

    return sign


def refused(response, status: int, error: str, description: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.json["error"] == error
    if description is not None:
        assert description in response.json["error_description"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_signed_assertion_gets_a_token_verifiable_with_our_jwks(app, client, system,
                                                                   assertion, frozen_clock):
    signed = assertion()
    response = client.post("/oauth/token", data=assertion_form(signed),
                           headers={"X-Request-ID": "req-token-0001"})

    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == SCOPES

    published = client.get("/.well-known/jwks.json").json
    decoded = jwt.decode(body["access_token"], KeySet.import_key_set(published),
                         algorithms=["ES256"])
    [our_key] = published["keys"]
    assert decoded.header == {"typ": "at+jwt", "alg": "ES256", "kid": our_key["kid"]}
    base = app.config["PUBLIC_BASE_URL"]
    now = int(time.time())
    claims = decoded.claims
    assert claims == {
        "iss": base, "aud": base + "/fhir/R4", "sub": system.client_id,
        "client_id": system.client_id, "scope": SCOPES, "iat": now, "exp": now + 300,
        "jti": claims["jti"],
    }

    [event] = table_rows(AuditEvent)
    assert (event.actor_kind, event.actor_id) == ("system", system.client_id)
    assert (event.action, event.resource_type, event.purpose) == (
        "login", "OAuthToken", "system-access")
    assert event.resource_id == claims["jti"]
    assert event.request_id == "req-token-0001"

    [used] = table_rows(UsedClientAssertion)
    assert used.client_id == system.client_id
    assert used.jti == jwt.decode(signed, KeySet.import_key_set(system.jwks)).claims["jti"]
    assert used.expires_at == T0 + timedelta(seconds=60 + 5)  # exp plus clock skew


def test_our_jwks_holds_only_the_public_key_with_its_thumbprint(app, client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [published] = response.json["keys"]
    assert "d" not in published
    assert (published["kty"], published["alg"], published["use"]) == ("EC", "ES256", "sig")
    assert published["kid"] == ECKey.import_key(app.config["TOKEN_SIGNING_KEY"]).thumbprint()


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        ("system/Patient.r", "system/Patient.r"),
        ("system/Appointment.cu system/Patient.s", "system/Appointment.cu system/Patient.s"),
        ("system/Patient.read", "system/Patient.read"),
        ("   ", SCOPES),
    ],
)
def test_a_narrower_scope_is_granted_as_asked(client, assertion, requested, granted):
    response = client.post("/oauth/token", data=assertion_form(assertion(), scope=requested))
    assert response.status_code == 200, response.json
    assert response.json["scope"] == granted


@pytest.mark.parametrize("requested", [
    "system/Patient.c", "system/*.r", "system/Observation.rs", "system/Patient.rs openid",
    "patient/Patient.rs", "system/Patient.sr",
])
def test_scopes_beyond_the_clients_are_invalid_scope(client, assertion, requested):
    response = client.post("/oauth/token", data=assertion_form(assertion(), scope=requested))
    refused(response, 400, "invalid_scope")
    assert table_rows(AuditEvent) == []
    assert table_rows(UsedClientAssertion) == []


def test_a_replayed_assertion_is_refused(client, assertion):
    signed = assertion()
    assert client.post("/oauth/token", data=assertion_form(signed)).status_code == 200
    again = client.post("/oauth/token", data=assertion_form(signed))
    refused(again, 401, "invalid_client", "already used")
    assert len(table_rows(AuditEvent)) == 1


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"aud": "https://elsewhere.example/oauth/token"}, "aud must be"),
        ({"aud": OMIT}, "lacks the aud claim"),
        ({"jti": OMIT}, "lacks the jti claim"),
        ({"jti": ""}, "lacks the jti claim"),
        ({"jti": 12345}, "jti must be a string"),
        ({"jti": "x" * 256}, "jti must be a string"),
        ({"jti": "x\x00y"}, "printable characters"),
        ({"exp": OMIT}, "lacks the exp claim"),
        ({"exp": "tomorrow"}, "exp claim must be a number"),
        ({"exp": 10**400}, "exp claim must be a number"),
        ({"sub": "someone-else"}, "iss and sub must be the client_id"),
        ({"sub": OMIT}, "lacks the sub claim"),
        ({"iat": 2_000_000_000}, "iat is in the future"),
        ({"nbf": 2_000_000_000}, "not valid yet"),
    ],
)
def test_assertions_with_bad_claims_are_invalid_client(client, assertion, claims, description):
    response = client.post("/oauth/token", data=assertion_form(assertion(**claims)))
    refused(response, 401, "invalid_client", description)
    assert table_rows(UsedClientAssertion) == []


def test_an_expired_assertion_is_refused(client, assertion, frozen_clock):
    now = int(time.time())
    signed = assertion(iat=now - 100, exp=now - 40)
    refused(client.post("/oauth/token", data=assertion_form(signed)),
            401, "invalid_client", "has expired")

    # Within the allowed clock skew the same shape passes.
    fresh = assertion(iat=now - 62, exp=now - 2)
    assert client.post("/oauth/token", data=assertion_form(fresh)).status_code == 200


@pytest.mark.parametrize("lifetime", [61, 3600])
def test_an_assertion_living_longer_than_60_seconds_is_refused(client, assertion, frozen_clock,
                                                               lifetime):
    now = int(time.time())
    response = client.post("/oauth/token",
                           data=assertion_form(assertion(iat=now, exp=now + lifetime)))
    refused(response, 401, "invalid_client", "at most 60 seconds")


def test_without_iat_exp_may_be_at_most_60_seconds_from_now(client, assertion, frozen_clock):
    now = int(time.time())
    far = assertion(iat=OMIT, exp=now + 120)
    refused(client.post("/oauth/token", data=assertion_form(far)), 401, "invalid_client")
    near = assertion(iat=OMIT, exp=now + 30)
    assert client.post("/oauth/token", data=assertion_form(near)).status_code == 200


def test_an_hmac_signed_assertion_is_refused(client, system, token_url):
    secret = OctKey.generate_key(256, auto_kid=True)
    signed = sign_assertion(secret, client_id=system.client_id, audience=token_url, alg="HS256")
    refused(client.post("/oauth/token", data=assertion_form(signed)),
            401, "invalid_client", "asymmetric algorithm")


def test_an_unsigned_assertion_is_refused(client, system, token_url):
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(
        f'{{"iss":"{system.client_id}","sub":"{system.client_id}","aud":"{token_url}",'
        f'"exp":{int(time.time()) + 30},"jti":"abc"}}'.encode()).rstrip(b"=").decode()
    refused(client.post("/oauth/token", data=assertion_form(f"{header}.{payload}.")),
            401, "invalid_client", "asymmetric algorithm")


def test_an_assertion_signed_with_another_key_is_refused(client, key, assertion):
    stranger = generate_client_key()
    refused(client.post("/oauth/token", data=assertion_form(assertion(stranger))),
            401, "invalid_client", "no registered key")
    # The same kid does not help: the signature is checked against the registered key.
    impostor = assertion(stranger, header={"kid": key.kid})
    refused(client.post("/oauth/token", data=assertion_form(impostor)),
            401, "invalid_client", "signature does not verify")


def test_an_rsa_client_signing_ps256_is_accepted(db, client, token_url):
    key = RSAKey.generate_key(2048, auto_kid=True)
    system, _ = clients.create_client(name="helsenorge.no", scopes="system/*.rs",
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    signed = sign_assertion(key, client_id=system.client_id, audience=token_url, alg="PS256")
    response = client.post("/oauth/token", data=assertion_form(signed))
    assert response.status_code == 200, response.json
    assert response.json["scope"] == "system/*.rs"


def _segment(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


_DEEP = "[" * 1000 + "]" * 1000
_ES256 = _segment('{"alg":"ES256"}')


@pytest.mark.parametrize("garbage", [
    "not-a-jwt", "a.b.c", "a.b", "....", "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln",
    "eyJhbGciOiJFUzI1NiJ9.WzFd.c2ln", "W10.e30.c2ln", "\u00e6\u00f8\u00e5.x.y", "a.b\x00.c",
    # JSON nested a thousand levels deep, in the payload, a claim, and the header
    _ES256 + "." + _segment(_DEEP) + ".c2ln",
    _ES256 + "." + _segment('{"iss": "x", "aud": ' + _DEEP + "}") + ".c2ln",
    _segment(_DEEP) + "." + _segment('{"iss": "x"}') + ".c2ln",
])
def test_garbage_assertions_are_invalid_client(client, garbage):
    refused(client.post("/oauth/token", data=assertion_form(garbage)), 401, "invalid_client")


def test_unknown_and_inactive_clients_are_refused_alike(db, client, key, system, assertion,
                                                        token_url):
    for client_id in ("no-such-client", "no\x00such", "\u00e6\u00f8\u00e5"):
        unknown = sign_assertion(key, client_id=client_id, audience=token_url)
        refused(client.post("/oauth/token", data=assertion_form(unknown)),
                401, "invalid_client", "unknown or inactive client")

    clients.deactivate_client(client_id=system.client_id)
    db.session.commit()
    refused(client.post("/oauth/token", data=assertion_form(assertion())),
            401, "invalid_client", "unknown or inactive client")


@pytest.mark.parametrize(
    ("change", "status", "error", "description"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type", "client_credentials"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type", None),
        ({"grant_type": ""}, 400, "invalid_request", "grant_type"),
        ({"grant_type": None}, 400, "invalid_request", "grant_type"),
        ({"client_assertion_type": "urn:example:other"}, 401, "invalid_client",
         "client_assertion_type must be"),
        ({"client_assertion_type": None}, 401, "invalid_client", "client_assertion_type"),
        ({"client_assertion": None}, 401, "invalid_client", "client_assertion is missing"),
        ({"client_id": "another-client"}, 401, "invalid_client", "client_id differs"),
        ({"client_secret": "s3cret"}, 401, "invalid_client", "use exactly one way"),
        ({"client_assertion": "x" * 20_000}, 400, "invalid_request", "client_assertion"),
        # RFC 6749 appendix A: parameters are printable ASCII (a NUL was a 500 on PostgreSQL)
        ({"client_id": "x\x00y"}, 400, "invalid_request", "client_id: only printable ASCII"),
        ({"scope": "system/Patient.r\x00"}, 400, "invalid_request", "scope: only printable"),
        ({"grant_type": "client_credentials\u00e6"}, 400, "invalid_request", "grant_type"),
    ],
)
def test_malformed_token_requests_get_rfc6749_errors(client, assertion, change, status, error,
                                                      description):
    form = {**assertion_form(assertion()), **change}
    form = {name: value for name, value in form.items() if value is not None}
    refused(client.post("/oauth/token", data=form), status, error, description)


def test_a_repeated_parameter_is_invalid_request(client, assertion):
    form = [(name, value) for name, value in assertion_form(assertion()).items()]
    form.append(("grant_type", "client_credentials"))
    refused(client.post("/oauth/token", data=MultiDict(form)), 400, "invalid_request",
            "more than once")


def test_json_instead_of_a_form_is_invalid_request(client, assertion):
    response = client.post("/oauth/token", json=assertion_form(assertion()))
    refused(response, 400, "invalid_request", "application/x-www-form-urlencoded")


def test_no_client_authentication_is_invalid_client(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": "someone"})
    refused(response, 401, "invalid_client", "authenticate the client")
    assert "WWW-Authenticate" not in response.headers


def test_get_is_not_allowed(client):
    response = client.get("/oauth/token")
    assert response.status_code == 405


def test_the_token_endpoint_needs_no_csrf_token_but_is_rate_limited(client, assertion):
    statuses = [client.post("/oauth/token", data={"grant_type": "password"}).status_code
                for _ in range(30)]
    assert statuses == [400] * 30
    limited = client.post("/oauth/token", data=assertion_form(assertion()))
    assert limited.status_code == 429
    assert table_rows(AuditEvent) == []


# --- client_secret_basic (development) ------------------------------------------------


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.fixture
def dev_client(db):
    created = clients.create_client(name="Local test system", scopes="system/Patient.rs",
                                    auth_method="client_secret_basic")
    db.session.commit()
    return created


def test_a_secret_client_gets_a_token_with_basic(client, dev_client):
    system, secret = dev_client
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic(system.client_id, secret))
    assert response.status_code == 200, response.json
    assert response.json["scope"] == "system/Patient.rs"
    [event] = table_rows(AuditEvent)
    assert event.actor_id == system.client_id


@pytest.mark.parametrize(
    ("header", "description"),
    [
        (None, "the client secret is wrong"),
        ({"Authorization": "Basic not base64!"}, "not well-formed"),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
         "not well-formed"),
        ({"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
         "not well-formed"),
        ({"Authorization": "Basic " + base64.b64encode(b"a\x00b:x").decode()},
         "not well-formed"),
        ({"Authorization": "Basic " + base64.b64encode(b"a%00b:x").decode()},
         "not well-formed"),
        ({"Authorization": "Basic " + base64.b64encode("a:\u00e6".encode()).decode()},
         "not well-formed"),
        ({"Authorization": "Bearer abc"}, "accepts only Basic"),
    ],
)
def test_bad_basic_credentials_are_401_with_a_basic_challenge(client, dev_client, header,
                                                              description):
    system, _ = dev_client
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=header or basic(system.client_id, "wrong"))
    refused(response, 401, "invalid_client", description)
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_a_key_client_cannot_use_basic_and_a_secret_client_cannot_use_assertions(
    client, dev_client, system, key, token_url
):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic(system.client_id, "guess"))
    refused(response, 401, "invalid_client", "must authenticate with private_key_jwt")

    secret_client, _ = dev_client
    signed = sign_assertion(key, client_id=secret_client.client_id, audience=token_url)
    refused(client.post("/oauth/token", data=assertion_form(signed)),
            401, "invalid_client", "must authenticate with client_secret_basic")


def test_production_refuses_a_secret_client_made_in_development(db, make_app, dev_client):
    system, secret = dev_client
    production = make_app(APP_ENV="production", DEV_FEATURES=False).test_client()
    for credentials in (secret, "wrong"):  # the same answer, whether the secret is right
        response = production.post("/oauth/token", data={"grant_type": "client_credentials"},
                                   headers=basic(system.client_id, credentials))
        refused(response, 401, "invalid_client", "client_secret_basic is a development feature")
    assert table_rows(AuditEvent) == []


def test_basic_and_an_assertion_together_are_refused(client, dev_client, assertion):
    system, secret = dev_client
    response = client.post("/oauth/token", data=assertion_form(assertion()),
                           headers=basic(system.client_id, secret))
    refused(response, 401, "invalid_client", "exactly one way")


# --- an RSA signing key of ours ------------------------------------------------------


def test_an_rsa_signing_key_signs_rs256(db, make_app, key):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    app = make_app(TOKEN_SIGNING_KEY=pem)
    system, _ = clients.create_client(name="DIPS", scopes="system/Patient.rs",
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    http = app.test_client()
    signed = sign_assertion(key, client_id=system.client_id,
                            audience=app.config["PUBLIC_BASE_URL"] + "/oauth/token")
    response = http.post("/oauth/token", data=assertion_form(signed))
    assert response.status_code == 200, response.json

    published = http.get("/.well-known/jwks.json").json
    [our_key] = published["keys"]
    assert (our_key["kty"], our_key["alg"]) == ("RSA", "RS256")
    assert "d" not in our_key and "p" not in our_key
    decoded = jwt.decode(response.json["access_token"], KeySet.import_key_set(published),
                         algorithms=["RS256"])
    assert decoded.header["kid"] == our_key["kid"] == RSAKey.import_key(private).thumbprint()

