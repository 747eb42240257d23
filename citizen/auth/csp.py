"""Let the logout form's redirect reach the identity provider through the CSP.

Browsers apply ``form-action`` to the redirects that follow a form submission, so with
``form-action 'self'`` the redirect from ``POST /auth/logout`` to the provider's
end-session endpoint would be blocked. Pages shown to a logged-in user therefore also allow
that provider's origin (and only it) as a form target. Rejected: logging out with a GET
link (cross-site requests could log people out) or a page that asks for a second click.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from citizen.auth.current import current_session, current_session_kind
from citizen.auth.oidc import provider_settings
from citizen.security import CONTENT_SECURITY_POLICY


def register_logout_csp(app: Flask) -> None:
    @app.after_request
    def allow_provider_logout(response: Response) -> Response:
        web_session = current_session()
        if web_session is None or response.mimetype != "text/html" \
                or "Content-Security-Policy" in response.headers:
            return response  # not a page, or one whose view set its own (stricter) policy
        settings = provider_settings(app, current_session_kind())
        if settings is None:
            return response
        parts = urlsplit(settings["issuer"])
        origin = f"{parts.scheme}://{parts.netloc}"
        # Runs before citizen.security's hook, which only sets the header when it is absent.
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {origin}")
        return response
