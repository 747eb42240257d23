"""Security headers on every response, and the identity vault's keys from configuration."""

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from services.people.vault import configure_vault

#: No inline script anywhere: pages work without JavaScript, and the CSP enforces it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SigningSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, building its signer once per secret key instead of
    on every request (that was a twentieth of what ``/healthz`` cost)."""

    def __init__(self) -> None:
        self._signers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]


def register_security(app: Flask) -> None:
    app.session_interface = SigningSessionInterface()
    configure_vault(hash_key=app.config["IDENTITY_HASH_KEY"],
                    encryption_keys=app.config["IDENTITY_ENCRYPTION_KEYS"])
    hops = app.config["PROXY_HOPS"]
    if hops:
        # The client's address, scheme and host as the proxy saw them: rate limits key on
        # the citizen, and redirects name the public https:// address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["APP_ENV"] == "production":
        defaults.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    defaults = [(name.lower(), name, value) for name, value in defaults]
    # Health data must not linger in shared caches or the browser's back-button cache.
    no_store = ("Cache-Control", "no-store")
    cacheable = frozenset(("text/css", "application/javascript"))

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Each header only where the view set none; one pass over the few headers present
        # (werkzeug's setdefault scans them and raises internally per header, and these
        # seven lookups were a tenth of /healthz).
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        for key, name, value in defaults:
            if key not in present:
                headers.add(name, value)
        if "cache-control" not in present and response.mimetype not in cacheable:
            headers.add(*no_store)
        return response
