"""Logging in for tests: a real OpenID provider on loopback, and helpers that drive the flow.

The provider is ``oidc-provider-mock``, a separate process-local HTTP server: our app runs
behind Flask's test client, while Authlib fetches discovery, JWKS and tokens from the
provider over loopback HTTP, as it would from ID-porten.
"""

from __future__ import annotations

import re
import uuid
import warnings
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

HIGH = "idporten-loa-high"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class MockProvider:
    url: str

    def config(self) -> dict:
        """App configuration that points both logins at this provider."""
        return {
            "CITIZEN_OIDC": {"issuer": self.url, "client_id": "minhelse-citizen",
                             "client_secret": "citizen-secret", "acr": HIGH},
            "STAFF_OIDC": {"issuer": self.url, "client_id": "minhelse-staff",
                           "client_secret": "staff-secret", "acr": HIGH},
        }

    def approve(self, authorize_url: str, claims: dict) -> str:
        """Log in at the provider as someone with ``claims``; return where it sends us back."""
        sub = uuid.uuid4().hex
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False,
                               timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


@pytest.fixture(scope="session")
def _oidc_provider_server():
    with warnings.catch_warnings(record=True):
        # The mock imports authlib.jose and httpx_client, which Authlib deprecates; Authlib
        # forces "always" for its own when first imported: record rather than show those.
        warnings.simplefilter("ignore", DeprecationWarning)
        from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield MockProvider(f"http://localhost:{server.server_port}")


#: Deprecations inside the mock provider (it still uses Authlib's pre-joserfc APIs). Its
#: server thread shares the process's warning filters, where warnings are errors.
MOCK_DEPRECATIONS = (
    r"get_jwt_config\(self, grant\) is deprecated",
)


@pytest.fixture
def oidc_provider(_oidc_provider_server):
    """The provider, one per test session; its known deprecations are quiet for this test."""
    for message in MOCK_DEPRECATIONS:
        warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)
    return _oidc_provider_server


@pytest.fixture
def login_app(make_app, oidc_provider):
    """An app whose citizen and staff logins use the mock provider."""
    return make_app(**oidc_provider.config())


@pytest.fixture
def login_client(login_app, db):
    return login_app.test_client()


def citizen_claims(national_id: str, *, acr: str | None = HIGH, **extra) -> dict:
    claims = {"pid": national_id, **extra}
    if acr is not None:
        claims["acr"] = acr
    return claims


def local(url: str) -> str:
    """Path and query of ``url``: the test client does not care about the host."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def log_in(client, provider: MockProvider, claims: dict, *, next: str | None = None,
           start: str = "/auth/login"):
    """Run the whole login; return the app's answer to the callback."""
    begin = client.get(f"{start}?{urlencode({'next': next})}" if next else start)
    assert begin.status_code == 302, begin.get_data(as_text=True)
    back = provider.approve(begin.headers["Location"], claims)
    return client.get(local(back))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def session_cookie(client) -> str | None:
    """The session token the browser holds now."""
    from citizen.auth.cookies import NAME

    cookie = client.get_cookie(NAME, domain=_host(client))
    return cookie.value if cookie else None


def set_session_cookie(client, value: str) -> None:
    from citizen.auth.cookies import NAME

    client.set_cookie(NAME, value, domain=_host(client))


def _host(client) -> str:
    return client.application.config["SERVER_NAME"] or "localhost"


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)
