"""``require_scope``: API views accept our access tokens with the right SMART scopes only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from joserfc import jwt
from joserfc.jwk import ECKey

from citizen.extensions import csrf
from citizen.oauth import keys
from citizen.oauth.bearer import authorize, require_scope
from services import clients
from services.audit.models import SecurityEvent
from services.clients import tokens
from services.clients.tokens import SigningKey
from services.clock import utcnow
from tests.plugins.db import table_rows


@pytest.fixture
def probe(make_app, db):
    app = make_app()

    @app.get("/fhir/R4/Patient/<pid>")
    @require_scope("Patient", "read")
    def read_patient(pid):
        return {"pid": pid, "actor": g.actor.id, "kind": g.actor.kind,
                "request_id": g.actor.request_id}

    @app.post("/fhir/R4/Appointment")
    @csrf.exempt
    @require_scope("Appointment", "create")
    def create_appointment():
        return {"created": True}, 201

    # Outside /fhir/R4: the real FHIR blueprint owns /fhir/R4/<resource_type>.
    @app.get("/api/v1/search/<resource_type>")
    def search(resource_type):
        actor = authorize(resource_type, "search")
        return {"searched": resource_type, "actor": actor.id}

    @app.get("/api/v1/probe")
    @require_scope("Patient", "s")
    def api_probe():
        return {"ok": True}

    return app


@pytest.fixture
def http(probe):
    return probe.test_client()


def make_system(db, scopes: str):
    system, _ = clients.create_client(name="System", scopes=scopes,
                                      auth_method="client_secret_basic")
    db.session.commit()
    return system


@pytest.fixture
def issue(probe):
    """Sign an access token as the token endpoint would; keywords change what it says."""

    def sign(client_id: str, scope: str, *, key: SigningKey | None = None,
             audience: str | None = None, issuer: str | None = None, lifetime: int = 300):
        with probe.app_context():
            base = probe.config["PUBLIC_BASE_URL"]
            return tokens.issue_access_token(
                key=key or keys.signing_key(), issuer=issuer or base,
                audience=audience or base + "/fhir/R4", client_id=client_id, scope=scope,
                now=utcnow(), lifetime=lifetime,
            ).token

    return sign


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_with_the_scope_reaches_the_view_as_a_system_actor(db, http, issue):
    system = make_system(db, "system/Patient.rs")
    response = http.get("/fhir/R4/Patient/42", headers={**bearer(issue(system.client_id,
                                                                       "system/Patient.rs")),
                                                       "X-Request-ID": "req-bearer-01"})
    assert response.status_code == 200, response.json
    assert response.json == {"pid": "42", "actor": system.client_id, "kind": "system",
                             "request_id": "req-bearer-01"}


def test_no_token_is_401_with_a_bare_bearer_challenge(http):
    response = http.get("/fhir/R4/Patient/42")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="minhelse"'
    assert response.mimetype == "application/fhir+json"
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "login"


def invalid_token(response, description: str) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="minhelse", error="invalid_token"')
    assert description in challenge
    assert description in response.json["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        ("Bearer not-a-jwt", "malformed"),
        ("Bearer a.b.c", "malformed"),
        ("Bearer ", "must be Bearer"),
        ("Basic dXNlcjpwYXNz", "must be Bearer"),
        ("Bearer " + "x" * 9000, "must be Bearer"),
    ],
)
def test_malformed_tokens_are_invalid_token(http, authorization, description):
    invalid_token(http.get("/fhir/R4/Patient/42", headers={"Authorization": authorization}),
                  description)


def test_an_expired_token_is_invalid_token(db, http, issue, frozen_clock):
    system = make_system(db, "system/Patient.rs")
    token = issue(system.client_id, "system/Patient.rs")
    frozen_clock.shift(timedelta(seconds=299))
    assert http.get("/fhir/R4/Patient/42", headers=bearer(token)).status_code == 200
    frozen_clock.shift(timedelta(seconds=1))
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(token)), "has expired")


def test_a_token_for_another_audience_or_issuer_is_invalid_token(db, http, issue):
    system = make_system(db, "system/Patient.rs")
    other_api = issue(system.client_id, "system/Patient.rs",
                      audience="https://other.example/fhir/R4")
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(other_api)),
                  "not meant for this API")
    elsewhere = issue(system.client_id, "system/Patient.rs", issuer="https://other.example")
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(elsewhere)),
                  "not issued here")


def test_a_token_signed_by_another_key_is_invalid_token(db, http, issue):
    system = make_system(db, "system/Patient.rs")
    stranger = ECKey.generate_key("P-256")
    forged = issue(system.client_id, "system/Patient.rs",
                   key=SigningKey(key=stranger, alg="ES256", kid=stranger.thumbprint()))
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(forged)), "malformed")


def test_another_jwt_we_signed_is_not_an_access_token(db, http, probe):
    system = make_system(db, "system/Patient.rs")
    with probe.app_context():
        key = keys.signing_key()
        base = probe.config["PUBLIC_BASE_URL"]
    # Say, an ID token of the dev identity provider: our key, but no at+jwt type.
    id_token = jwt.encode({"alg": key.alg}, {
        "iss": base, "aud": base + "/fhir/R4", "client_id": system.client_id,
        "scope": "system/Patient.rs", "exp": 2**40, "jti": "x"}, key.key)
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(id_token)),
                  "not an access token")


def test_a_token_of_a_deactivated_client_stops_working(db, http, issue):
    system = make_system(db, "system/Patient.rs")
    token = issue(system.client_id, "system/Patient.rs")
    clients.deactivate_client(client_id=system.client_id)
    db.session.commit()
    invalid_token(http.get("/fhir/R4/Patient/42", headers=bearer(token)), "no longer active")


def test_a_token_without_the_scope_is_403_insufficient_scope(db, http, issue):
    system = make_system(db, "system/Patient.rs system/Appointment.rs")
    token = issue(system.client_id, "system/Patient.s system/Appointment.rs")
    response = http.get("/fhir/R4/Patient/42", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="minhelse", error="insufficient_scope", '
        'error_description="the access token lacks the scope system/Patient.r", '
        'scope="system/Patient.r"')
    assert response.json["issue"][0]["code"] == "forbidden"

    create = http.post("/fhir/R4/Appointment", headers=bearer(token))
    assert create.status_code == 403


def test_a_refused_scope_is_in_the_security_log_after_the_rollback(db, http, issue):
    system = make_system(db, "system/Patient.rs")
    token = issue(system.client_id, "system/Patient.s")
    response = http.get("/fhir/R4/Patient/42?identifier=01017012345",
                        headers={**bearer(token), "X-Request-ID": "req-refused-01"})
    assert response.status_code == 403
    [event] = table_rows(SecurityEvent)
    assert (event.kind, event.actor_kind, event.actor_id, event.target, event.request_id) == (
        "insufficient_scope", "system", system.client_id, "system/Patient.r", "req-refused-01")
    assert event.occurred_at is not None
    assert "01017012345" not in repr(vars(event))

    assert http.get("/fhir/R4/Patient/42", headers=bearer(issue(system.client_id,
                                                                "system/Patient.rs"))
                    ).status_code == 200
    assert http.get("/fhir/R4/Patient/42").status_code == 401  # no token: nobody to name
    assert len(table_rows(SecurityEvent)) == 1


@pytest.mark.parametrize(
    ("scope", "read_patient", "create_appointment", "search_observation"),
    [
        ("system/*.rs", 200, 403, 200),
        ("system/*.cruds", 200, 201, 200),
        ("system/Appointment.c", 403, 201, 403),
        ("system/Patient.read", 200, 403, 403),
        ("system/*.write", 403, 201, 403),
        ("system/Observation.s system/Patient.r", 200, 403, 200),
    ],
)
def test_scopes_decide_per_resource_type_and_interaction(db, http, issue, scope, read_patient,
                                                         create_appointment,
                                                         search_observation):
    system = make_system(db, "system/*.cruds")
    headers = bearer(issue(system.client_id, scope))
    assert http.get("/fhir/R4/Patient/1", headers=headers).status_code == read_patient
    assert http.post("/fhir/R4/Appointment", headers=headers).status_code == create_appointment
    assert http.get("/api/v1/search/Observation", headers=headers).status_code == search_observation


def test_json_api_refusals_are_problem_json(db, http):
    response = http.get("/api/v1/probe")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_interaction_fails_when_the_view_is_declared():
    with pytest.raises(ValueError, match="unknown interaction"):
        require_scope("Patient", "obliterate")


def test_a_token_from_the_endpoint_works_on_the_api(db, make_app):
    """End to end: Basic credentials in, token out, token accepted by a protected view."""
    app = make_app()

    @app.get("/fhir/R4/Patient/<pid>")
    @require_scope("Patient", "read")
    def read_patient(pid):
        return {"actor": g.actor.id}

    system, secret = clients.create_client(name="Dev", scopes="system/Patient.r",
                                           auth_method="client_secret_basic")
    db.session.commit()
    http = app.test_client()
    issued = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(system.client_id, secret))
    assert issued.status_code == 200, issued.json
    response = http.get("/fhir/R4/Patient/7", headers=bearer(issued.json["access_token"]))
    assert response.status_code == 200
    assert response.json == {"actor": system.client_id}


def _pem(key: ECKey, *, private: bool) -> str:
    return key.as_pem(private=private).decode()


@pytest.mark.parametrize("retired_as", ["private", "public"])
def test_a_rotated_key_verifies_its_tokens_until_it_is_removed(db, probe, issue, retired_as):
    """Rotation: the new key signs, the old one (its private PEM as it was, or its public
    half) verifies what it signed and stays in the JWK Set; once removed, its tokens fail."""
    system = make_system(db, "system/Patient.rs")
    old = ECKey.generate_key("P-256")
    old_key = SigningKey(key=old, alg="ES256", kid=old.thumbprint())
    signed_before = issue(system.client_id, "system/Patient.rs", key=old_key)
    signed_now = issue(system.client_id, "system/Patient.rs")
    client = probe.test_client()

    probe.config["TOKEN_RETIRED_KEYS"] = _pem(old, private=retired_as == "private")
    for token in (signed_before, signed_now):
        assert client.get("/fhir/R4/Patient/42", headers=bearer(token)).status_code == 200
    published = client.get("/.well-known/jwks.json").json["keys"]
    with probe.app_context():
        current = keys.signing_key().kid
    assert [k["kid"] for k in published] == [current, old.thumbprint()]
    assert all("d" not in k for k in published)  # public halves only

    probe.config["TOKEN_RETIRED_KEYS"] = ""
    invalid_token(client.get("/fhir/R4/Patient/42", headers=bearer(signed_before)),
                  "signature does not verify")
    assert client.get("/fhir/R4/Patient/42", headers=bearer(signed_now)).status_code == 200
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json["keys"]] == [current]


def test_the_token_endpoint_signs_with_the_current_key_only(db, probe):
    old = ECKey.generate_key("P-256")
    probe.config["TOKEN_RETIRED_KEYS"] = _pem(old, private=True)
    system, secret = clients.create_client(name="System", scopes="system/Patient.rs",
                                           auth_method="client_secret_basic")
    db.session.commit()
    answer = probe.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "scope": "system/Patient.rs"},
        auth=(system.client_id, secret))
    assert answer.status_code == 200, answer.json
    header = jwt.decode(answer.json["access_token"], ECKey.import_key(
        probe.test_client().get("/.well-known/jwks.json").json["keys"][0])).header
    with probe.app_context():
        assert header["kid"] == keys.signing_key().kid != old.thumbprint()


@pytest.mark.parametrize("value", [
    "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_retired_keys_that_are_not_keys_stop_the_start(value):
    from pydantic import ValidationError

    from citizen.config import Settings

    with pytest.raises(ValidationError, match="must be PEM keys"):
        Settings(token_retired_keys=value)
