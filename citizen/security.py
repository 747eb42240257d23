"""Security headers on every response, and the identity vault's keys from configuration."""

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from services.people.vault import configure_vault

#: No inline script anywhere: pages work without JavaScript, and the CSP enforces it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def register_security(app: Flask) -> None:
    configure_vault(hash_key=app.config["IDENTITY_HASH_KEY"],
                    encryption_keys=app.config["IDENTITY_ENCRYPTION_KEYS"])
    hops = app.config["PROXY_HOPS"]
    if hops:
        # The client's address, scheme and host as the proxy saw them: rate limits key on
        # the citizen, and redirects name the public https:// address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["APP_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if response.mimetype not in ("text/css", "application/javascript"):
            # Health data must not linger in shared caches or the browser's back-button cache.
            headers.setdefault("Cache-Control", "no-store")
        return response
