"""The built-in dev identity provider: a real OIDC provider, and only where dev features are on."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import urlencode

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from services.people.service import national_id_of
from tests.plugins.factories import make_person, make_staff
from tests.plugins.live import serving
from tests.plugins.login import csrf_token, local, query_of

BASE = "http://minhelse.test"
CITIZEN_CLIENT = ("minhelse-citizen-dev", "dev-idp-citizen-secret")


@pytest.fixture
def idp_client(make_app, db):
    return make_app(PUBLIC_BASE_URL=BASE).test_client()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def _authorize_params(challenge: str, *, client_id: str = CITIZEN_CLIENT[0],
                      callback: str = "/auth/callback", **extra) -> dict:
    return {"client_id": client_id, "redirect_uri": BASE + callback, "response_type": "code",
            "scope": "openid profile", "state": "st4te", "nonce": "n0nce",
            "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def _code_for(client, form: dict, **params) -> str:
    verifier, challenge = _pkce()
    query = urlencode(_authorize_params(challenge, **params))
    page = client.get(f"/dev-idp/authorize?{query}")
    assert page.status_code == 200
    answer = client.post(f"/dev-idp/authorize?{query}",
                         data={**form, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    back = query_of(answer.headers["Location"])
    assert back["state"] == "st4te"
    return back["code"], verifier


def _redeem(client, code: str, verifier: str, *, auth=CITIZEN_CLIENT,
            callback: str = "/auth/callback"):
    basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return client.post("/dev-idp/token", headers={"Authorization": f"Basic {basic}"}, data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": BASE + callback})


def test_discovery_and_keys_describe_an_es256_provider(idp_client):
    meta = idp_client.get("/dev-idp/.well-known/openid-configuration").json
    assert meta["issuer"] == f"{BASE}/dev-idp"
    assert meta["token_endpoint"] == f"{BASE}/dev-idp/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    [key] = idp_client.get("/dev-idp/jwks").json["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert "d" not in key


def test_a_picked_person_gets_a_signed_id_token_shaped_like_id_portens(idp_client):
    person = make_person(given_name="Ingrid", family_name="Berg")
    code, verifier = _code_for(idp_client, {"subject": f"person:{person.id}"})
    answer = _redeem(idp_client, code, verifier)
    assert answer.status_code == 200
    keys = KeySet.import_key_set(idp_client.get("/dev-idp/jwks").json)
    claims = jwt.decode(answer.json["id_token"], keys, algorithms=["ES256"]).claims
    assert claims["iss"] == f"{BASE}/dev-idp"
    assert claims["aud"] == CITIZEN_CLIENT[0]
    assert claims["pid"] == national_id_of(person)
    assert claims["sub"] != claims["pid"]
    assert claims["acr"] == "idporten-loa-high" and claims["amr"] == ["TestID"]
    assert claims["nonce"] == "n0nce"
    assert claims["name"] == "Ingrid Berg"


def test_a_code_works_once_and_only_with_its_verifier_and_client(idp_client):
    person = make_person()
    code, verifier = _code_for(idp_client, {"subject": f"person:{person.id}"})
    assert _redeem(idp_client, code, "x" * 50).json == {"error": "invalid_grant"}

    code, verifier = _code_for(idp_client, {"subject": f"person:{person.id}"})
    wrong_secret = _redeem(idp_client, code, verifier, auth=(CITIZEN_CLIENT[0], "guess"))
    assert wrong_secret.status_code == 401
    assert _redeem(idp_client, code, verifier).status_code == 200
    assert _redeem(idp_client, code, verifier).json == {"error": "invalid_grant"}
    assert _redeem(idp_client, code[:-4] + "AAAA", verifier).status_code == 400


def test_the_staff_client_logs_in_a_typed_in_identity_number(idp_client, db):
    from tests.plugins.factories import make_organisation

    staff = make_staff(make_organisation(), hpr_number="1234567")
    code, verifier = _code_for(
        idp_client, {"national_id": staff.test_national_id, "hpr_number": "1234567"},
        client_id="minhelse-staff-dev", callback="/staff/auth/callback")
    answer = _redeem(idp_client, code, verifier, auth=("minhelse-staff-dev",
                                                       "dev-idp-staff-secret"),
                     callback="/staff/auth/callback")
    claims = jwt.decode(answer.json["id_token"],
                        KeySet.import_key_set(idp_client.get("/dev-idp/jwks").json)).claims
    assert claims["pid"] == staff.test_national_id
    assert claims["helseid://claims/hpr/hpr_number"] == "1234567"


def test_an_invalid_typed_number_is_a_form_error(idp_client):
    _verifier, challenge = _pkce()
    query = urlencode(_authorize_params(challenge))
    page = idp_client.get(f"/dev-idp/authorize?{query}").get_data(as_text=True)
    answer = idp_client.post(f"/dev-idp/authorize?{query}",
                             data={"national_id": "12345678901", "csrf_token": csrf_token(page)})
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.get_data(as_text=True)
    assert "12345678901" not in answer.get_data(as_text=True)


def test_unregistered_redirect_uris_are_never_redirected_to(idp_client):
    _verifier, challenge = _pkce()
    params = _authorize_params(challenge, redirect_uri="https://evil.example/cb")
    answer = idp_client.get(f"/dev-idp/authorize?{urlencode(params)}")
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_pkce_is_required(idp_client):
    params = _authorize_params("", code_challenge_method="plain")
    answer = idp_client.get(f"/dev-idp/authorize?{urlencode(params)}")
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_cancel_sends_access_denied_back(idp_client):
    _verifier, challenge = _pkce()
    query = urlencode(_authorize_params(challenge))
    page = idp_client.get(f"/dev-idp/authorize?{query}").get_data(as_text=True)
    answer = idp_client.post(f"/dev-idp/authorize?{query}",
                             data={"action": "cancel", "csrf_token": csrf_token(page)})
    assert query_of(answer.headers["Location"])["error"] == "access_denied"
    assert local(answer.headers["Location"]).startswith("/auth/callback?")


def test_the_dev_provider_does_not_exist_without_dev_features(make_app, db):
    client = make_app(DEV_FEATURES=False).test_client()
    assert client.get("/dev-idp/.well-known/openid-configuration").status_code == 404
    assert client.get("/dev-idp/authorize").status_code == 404
    # With no provider configured, login says so instead of failing obscurely.
    assert client.get("/auth/login").status_code == 503


@pytest.fixture
def live_app(make_app, db):
    """The app on a real loopback HTTP server, so its login client can reach its own
    dev provider over HTTP, exactly as in ``make run``."""
    with serving(lambda base: make_app(PUBLIC_BASE_URL=base, SERVER_NAME=None)) as base:
        yield base


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def test_a_full_round_trip_through_the_dev_provider(live_app):
    person = make_person(given_name="Ola", family_name="Hansen")
    browser = requests.Session()

    login = browser.get(f"{live_app}/auth/login?next=/api/v1/me", allow_redirects=False,
                        timeout=10)
    assert login.headers["Location"].startswith(f"{live_app}/dev-idp/authorize?")
    page = browser.get(login.headers["Location"], timeout=10)
    assert "Ola Hansen" in page.text
    form = dict(_HIDDEN.findall(page.text))
    chosen = browser.post(f"{live_app}/dev-idp/authorize",
                          data={**form, "subject": f"person:{person.id}"},
                          allow_redirects=False, timeout=10)
    assert chosen.headers["Location"].startswith(f"{live_app}/auth/callback?code=")

    me = browser.get(chosen.headers["Location"], timeout=10)  # callback, then /api/v1/me
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Ola Hansen"

    account = browser.get(f"{live_app}/acting-for", timeout=10)
    out = browser.post(f"{live_app}/auth/logout", data={"csrf_token": csrf_token(account.text)},
                       allow_redirects=False, timeout=10)
    assert out.headers["Location"].startswith(f"{live_app}/dev-idp/endsession?")
    landed = browser.get(out.headers["Location"], timeout=10)
    assert landed.url.startswith(f"{live_app}/auth/logged-out")
    assert browser.get(f"{live_app}/api/v1/me", timeout=10).status_code == 401
