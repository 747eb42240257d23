"""A small but real OpenID Connect provider for development and demos.

Discovery, JWKS, an authorization endpoint with a page to pick a demo person, a token
endpoint (authorization code + PKCE S256, client_secret_basic or _post), ES256-signed
id_tokens shaped like ID-porten's (``pid``, ``acr``, ``amr``) and an end-session endpoint.
Our own login clients talk to it over HTTP exactly as they talk to ID-porten.

Written out rather than built on Authlib's AuthorizationServer: that needs client, code and
token storage classes, and the provider needs no storage at all (see ``codes``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlencode

import sqlalchemy as sa
from flask import Response, current_app, g, jsonify, redirect, render_template, request, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from citizen.auth.current import person_label
from citizen.auth.devidp import codes, keys
from citizen.auth.devidp.clients import DEV_CLIENTS, DEV_IDP_PATH, DevClient
from citizen.babel_cache import gettext as _
from citizen.i18n import when
from services.db import db
from services.people.demo import (
    DEMO_STAFF,
    demo_citizen_description,
    demo_citizen_names,
    demo_staff_national_id,
)
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.models import Person, StaffMember
from services.people.service import find_staff, national_id_of

#: What the provider says it checked, unless the client asks for another level.
ACR = {"citizen": "idporten-loa-high", "staff": "Level4"}
#: What ID-porten's test environment says for its test identities.
AMR = ["TestID"]
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
ID_TOKEN_LIFETIME = 300
#: People listed on the login page.
MAX_CHOICES = 100
#: The request parameters the login page carries from GET to POST.
AUTH_PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
               "code_challenge", "code_challenge_method", "acr_values", "ui_locales")


def issuer() -> str:
    return current_app.config["PUBLIC_BASE_URL"] + DEV_IDP_PATH


def discovery():
    base = issuer()
    return jsonify({
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "jwks_uri": base + "/jwks",
        "end_session_endpoint": base + "/endsession",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [keys.ALG],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile"],
        "acr_values_supported": sorted(set(ACR.values())),
        "claims_supported": ["iss", "aud", "sub", "pid", "acr", "amr", "nonce", "name",
                             "given_name", "family_name", HPR_CLAIM],
        "ui_locales_supported": ["nb", "nn", "en"],
    })


def jwks():
    return jsonify(keys.public_jwks(current_app.config["INSTANCE_DIR"]))


@dataclass(frozen=True)
class AuthRequest:
    client: DevClient
    redirect_uri: str
    params: dict[str, str]


def _auth_request(values: MultiDict) -> AuthRequest | Response:
    """The checked request, or (once the redirect URI is trusted) an error redirect."""
    client = DEV_CLIENTS.get(values.get("client_id", ""))
    if client is None:
        raise BadRequest("unknown client_id")
    redirect_uri = values.get("redirect_uri", "")
    if redirect_uri != _callback_url(client):
        # Never redirect to an unregistered URI, not even with an error.
        raise BadRequest("redirect_uri is not registered for this client")
    params = {name: values[name] for name in AUTH_PARAMS if values.get(name)}
    if params.get("response_type") != "code":
        return _error_redirect(redirect_uri, "unsupported_response_type", params)
    if "openid" not in params.get("scope", "").split():
        return _error_redirect(redirect_uri, "invalid_scope", params)
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return _error_redirect(redirect_uri, "invalid_request", params,
                               description="PKCE with S256 is required")
    return AuthRequest(client=client, redirect_uri=redirect_uri, params=params)


def authorize():
    checked = _auth_request(request.values)
    if isinstance(checked, Response):
        return checked
    if request.method == "GET":
        return _login_page(checked)
    if request.form.get("action") == "cancel":
        return _error_redirect(checked.redirect_uri, "access_denied", checked.params)
    claims, error = _chosen_claims(checked.client)
    if claims is None:
        return _login_page(checked, error=error, status=400)
    code = codes.issue_code({
        "client_id": checked.client.client_id,
        "redirect_uri": checked.redirect_uri,
        "scope": checked.params["scope"],
        "nonce": checked.params.get("nonce"),
        "code_challenge": checked.params["code_challenge"],
        "auth_time": int(time.time()),
        "acr": _acr(checked),
        "claims": claims,
    }, secret_key=current_app.config["SECRET_KEY"])
    query = {"code": code, "iss": issuer()}
    if "state" in checked.params:
        query["state"] = checked.params["state"]
    return redirect(f"{checked.redirect_uri}?{urlencode(query)}")


def _acr(checked: AuthRequest) -> str:
    """The first level the client asked for: a demo login stands in for any of them."""
    asked = checked.params.get("acr_values", "").split()
    return asked[0] if asked else ACR[checked.client.audience]


def _login_page(checked: AuthRequest, *, error: str | None = None, status: int = 200):
    staff_client = checked.client.audience == "staff"
    # Shown again after a POST: the language links must keep the login request.
    g.page_query = checked.params
    html = render_template(
        "auth/devidp/authorize.html",
        params=checked.params,
        staff_client=staff_client,
        choices=_staff_choices() if staff_client else _person_choices(),
        error=error,
        form=request.form,
    )
    return Response(html, status=status, mimetype="text/html")


def _person_choices() -> list[tuple[str, str, str]]:
    """(value, label, who they are): born when, and what the demo made of them. The named
    demo people first, however many others the demo data holds; then the others by name
    (anyone further down logs in with their number)."""
    named = sa.tuple_(Person.given_name, Person.family_name).in_(demo_citizen_names())
    people = db.session.scalars(
        sa.select(Person).order_by(sa.case((named, 0), else_=1), Person.family_name,
                                   Person.given_name, Person.id).limit(MAX_CHOICES)
    )
    choices = []
    for person in people:
        about = [_("born %(date)s", date=when(person.birth_date))]
        if described := demo_citizen_description(person.given_name, person.family_name):
            about.insert(0, _(described))
        choices.append((f"person:{person.id}", person_label(person), ", ".join(about)))
    return choices


def _staff_choices() -> list[tuple[str, str, str]]:
    return [(f"staff:{index}", staff.name, _(DEMO_STAFF[index][3]))
            for index, staff in _demo_staff()]


def _demo_staff() -> list[tuple[int, StaffMember]]:
    """Seeded staff, whose numbers the demo recipe knows (staff rows store only a hash)."""
    found = []
    for index in range(len(DEMO_STAFF)):
        staff = find_staff(national_id=parse_national_id(demo_staff_national_id(index),
                                                         allow_synthetic=True))
        if staff is not None:
            found.append((index, staff))
    return found


def _chosen_claims(client: DevClient) -> tuple[dict | None, str | None]:
    """Claims about whoever was picked or typed in; or None and a message for the form."""
    choice = request.form.get("subject", "")
    kind, _sep, ref = choice.partition(":")
    if kind == "person" and ref.isdigit() and client.audience == "citizen":
        person = db.session.get(Person, int(ref))
        if person is not None:
            return _name_claims(person.given_name, person.family_name,
                                pid=national_id_of(person)), None
    if kind == "staff" and ref.isdigit() and client.audience == "staff":
        staff = dict(_demo_staff()).get(int(ref))
        if staff is not None:
            claims = {"pid": demo_staff_national_id(int(ref)), "name": staff.name}
            if staff.hpr_number:
                claims[HPR_CLAIM] = staff.hpr_number
            return claims, None
    raw = request.form.get("national_id", "").strip()
    if not raw:
        return None, _("Choose a person, or type an identity number.")
    try:
        number = parse_national_id(raw, allow_synthetic=True).value
    except InvalidNationalId:
        return None, _("That is not a valid fødselsnummer or D-number.")
    claims = _name_claims(request.form.get("given_name", "").strip(),
                          request.form.get("family_name", "").strip(), pid=number)
    if hpr := request.form.get("hpr_number", "").strip():
        claims[HPR_CLAIM] = hpr
    return claims, None


def _name_claims(given: str, family: str, *, pid: str) -> dict:
    """Each name the form had, as its own claim: either may be left out, as labelled."""
    claims: dict = {"pid": pid}
    if given:
        claims["given_name"] = given
    if family:
        claims["family_name"] = family
    if given or family:
        claims["name"] = " ".join(part for part in (given, family) if part)
    return claims


def token():
    client = _client_from_request()
    if client is None:
        response = _token_error("invalid_client", 401)
        response.headers["WWW-Authenticate"] = 'Basic realm="dev-idp"'
        return response
    if request.form.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    try:
        grant = codes.redeem_code(request.form.get("code", ""),
                                  secret_key=current_app.config["SECRET_KEY"])
    except codes.InvalidCode:
        return _token_error("invalid_grant")
    if (grant["client_id"] != client.client_id
            or grant["redirect_uri"] != request.form.get("redirect_uri")
            or not _pkce_matches(request.form.get("code_verifier", ""), grant["code_challenge"])):
        return _token_error("invalid_grant")
    return jsonify({"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                    "expires_in": ID_TOKEN_LIFETIME, "scope": grant["scope"],
                    "id_token": _id_token(client, grant)})


def _client_from_request() -> DevClient | None:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = unquote(auth.username or ""), unquote(auth.password or "")
    else:
        client_id = request.form.get("client_id", "")
        secret = request.form.get("client_secret", "")
    client = DEV_CLIENTS.get(client_id)
    if client is None or not hmac.compare_digest(secret.encode(), client.secret.encode()):
        return None
    return client


def _pkce_matches(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)


def _id_token(client: DevClient, grant: dict) -> str:
    now = int(time.time())
    claims = {
        **grant["claims"],
        "iss": issuer(),
        "aud": client.client_id,
        "sub": _pairwise_sub(client, grant["claims"]["pid"]),
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "auth_time": grant["auth_time"],
        "acr": grant.get("acr") or ACR[client.audience],
        "amr": AMR,
    }
    if grant.get("nonce"):
        claims["nonce"] = grant["nonce"]
    key = keys.signing_key(current_app.config["INSTANCE_DIR"])
    return jwt.encode({"alg": keys.ALG, "kid": key.kid, "typ": "JWT"}, claims, key)


def _pairwise_sub(client: DevClient, pid: str) -> str:
    """Like ID-porten: a stable subject per person and client that reveals no number."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), f"{client.client_id}:{pid}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def end_session():
    """RP-initiated logout: back to the client's logged-out page if the hint is ours."""
    target = request.args.get("post_logout_redirect_uri", "")
    allowed = {current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint)
               for endpoint in ("auth.logged_out", "auth.staff_logged_out")}
    if target in allowed and _is_our_token(request.args.get("id_token_hint", "")):
        state = request.args.get("state")
        return redirect(f"{target}?{urlencode({'state': state})}" if state else target)
    return render_template("auth/devidp/ended.html")


def _is_our_token(raw: str) -> bool:
    try:
        decoded = jwt.decode(raw, keys.signing_key(current_app.config["INSTANCE_DIR"]),
                             algorithms=[keys.ALG])
    except (JoseError, ValueError):
        return False
    return decoded.claims.get("iss") == issuer()


def _callback_url(client: DevClient) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(client.callback_endpoint)


def _error_redirect(redirect_uri: str, error: str, params: dict[str, str],
                    description: str | None = None) -> Response:
    query = {"error": error, "iss": issuer()}
    if description:
        query["error_description"] = description
    if "state" in params:
        query["state"] = params["state"]
    return redirect(f"{redirect_uri}?{urlencode(query)}")


def _token_error(error: str, status: int = 400) -> Response:
    response = jsonify(error=error)
    response.status_code = status
    return response
