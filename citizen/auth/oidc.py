"""OpenID Connect login: Authlib clients for citizens (ID-porten) and staff (HelseID style).

Authorization code flow with PKCE (S256), configured from the provider's discovery document.
Authlib checks state, nonce, the id_token's signature (JWKS), issuer, audience and expiry;
we add what ID-porten expects of a relying party: the authentication level (``acr``) and a
valid national identity number (``pid``). With no issuer configured and ``DEV_FEATURES``
on, the built-in dev provider (``citizen.auth.devidp``) stands in, over real HTTP, so the
code path below is the production one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, current_app
from flask import session as flask_session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError

from citizen.auth.devidp.clients import DEV_IDP_PATH, dev_client_for
from services.people.identity import InvalidNationalId, NationalId, parse_national_id

log = logging.getLogger(__name__)

CITIZEN = "citizen"
STAFF = "staff"
AUDIENCES = (CITIZEN, STAFF)
#: Seconds to wait for the provider (discovery, JWKS, token) before giving up.
PROVIDER_TIMEOUT = 10


class LoginFailed(Exception):
    """The login cannot go on; ``message`` is safe to show, ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str, *, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.message = message
        #: A short code for logs and tests; never contains claims.
        self.reason = reason


def _unavailable(reason: str) -> LoginFailed:
    return LoginFailed(503, _l("Login is unavailable just now. Please try again later."),
                       reason=reason)


@dataclass(frozen=True)
class VerifiedLogin:
    """What a checked id_token told us."""

    national_id: NationalId
    claims: dict[str, Any]
    id_token: str
    acr: str | None


def provider_settings(app: Flask, audience: str) -> dict[str, Any] | None:
    """Issuer, client id/secret and required acr; None when no provider is configured."""
    settings = dict(app.config[f"{audience.upper()}_OIDC"])
    if settings.get("issuer"):
        settings["issuer"] = settings["issuer"].rstrip("/")
        return settings
    if not app.config["DEV_FEATURES"]:
        return None
    client = dev_client_for(audience)
    return {**settings, "issuer": app.config["PUBLIC_BASE_URL"] + DEV_IDP_PATH,
            "client_id": client.client_id, "client_secret": client.secret}


def register_oidc_clients(app: Flask) -> None:
    """One Authlib registry per app (tests build several apps), holding both clients."""
    oauth = OAuth(app)
    for audience in AUDIENCES:
        settings = provider_settings(app, audience)
        if settings is None:
            continue
        oauth.register(
            audience,
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            server_metadata_url=settings["issuer"] + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                           "default_timeout": PROVIDER_TIMEOUT},
        )


def begin_login(audience: str, *, callback_url: str) -> Response:
    """Redirect to the provider; Authlib keeps state, nonce and PKCE verifier in the session."""
    client, settings = _client(audience)
    _metadata(client, settings)
    _forget_pending_logins(audience)
    params = {"ui_locales": str(get_locale() or "nb")}
    if settings.get("acr"):
        params["acr_values"] = settings["acr"]
    return client.authorize_redirect(callback_url, **params)


def finish_login(audience: str) -> VerifiedLogin:
    """Exchange the code and check the id_token; raise ``LoginFailed`` with a clear reason."""
    client, settings = _client(audience)
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise LoginFailed(400, _l("The login could not be completed. Please start again."),
                          reason="state") from None
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise LoginFailed(400, _l("The login was cancelled."), reason="cancelled") from None
        log.warning("login refused by provider", extra={"oauth_error": exc.error})
        raise LoginFailed(400, _l("The login could not be completed. Please start again."),
                          reason="provider-error") from None
    except requests.RequestException:
        log.warning("identity provider unreachable at callback", exc_info=True)
        raise _unavailable("provider-unreachable") from None
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        log.warning("id_token refused", extra={"error_type": type(exc).__name__})
        raise LoginFailed(400, _l("The login could not be completed. Please start again."),
                          reason="id-token") from None
    claims = dict(token.get("userinfo") or {})
    if not claims or "id_token" not in token:
        raise LoginFailed(400, _l("The login could not be completed. Please start again."),
                          reason="no-id-token")
    required_acr = settings.get("acr")
    if required_acr and claims.get("acr") != required_acr:
        log.warning("login refused: authentication level", extra={"acr": claims.get("acr")})
        raise LoginFailed(
            403, _l("This service needs a login on a high security level, such as BankID. "
                    "Please log in again with such a method."),
            reason="acr")
    try:
        national_id = parse_national_id(str(claims.get("pid") or ""),
                                        allow_synthetic=current_app.config["DEV_FEATURES"])
    except InvalidNationalId:
        raise LoginFailed(400, _l("We could not read your national identity number."),
                          reason="pid") from None
    return VerifiedLogin(national_id=national_id, claims=claims, id_token=token["id_token"],
                         acr=claims.get("acr"))


def logout_url(audience: str, *, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None if it has none."""
    if not id_token:
        return None
    try:
        client, settings = _client(audience)
        _metadata(client, settings)
        return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                        id_token_hint=id_token)["url"]
    except (LoginFailed, RuntimeError):
        # No end_session_endpoint, or the provider is down: the local session has ended
        # anyway; the user lands on our logged-out page.
        return None


def _forget_pending_logins(audience: str) -> None:
    """Keep one login in progress per browser: Authlib stores each attempt's state in the
    cookie-backed session, and twenty restarts would outgrow the 4 KB cookie limit. A login
    started earlier in another tab then fails its state check and can simply be retried."""
    prefix = f"_state_{audience}_"
    for key in [k for k in flask_session if k.startswith(prefix)]:
        del flask_session[key]


def _client(audience: str):
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    client = oauth.create_client(audience)
    settings = provider_settings(current_app, audience)
    if client is None or settings is None:
        raise _unavailable("not-configured")
    return client, settings


def _metadata(client, settings: dict[str, Any]) -> dict[str, Any]:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        log.warning("identity provider discovery failed", exc_info=True)
        raise _unavailable("discovery") from None
    if metadata.get("issuer") != settings["issuer"]:
        # A discovery document naming another issuer is a misconfiguration or a mix-up
        # attack; Authlib would then check id_tokens against the wrong issuer.
        log.error("identity provider issuer mismatch")
        raise _unavailable("issuer-mismatch")
    return metadata
