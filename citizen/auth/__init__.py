"""Login for citizens and staff (OpenID Connect), server-side sessions, and the dev provider.

``citizen.auth.current`` is what other features use: ``login_required``,
``staff_required(role=...)``, ``current_citizen()``, ``acting_for()``, and ``g.actor``.
"""

from flask import Flask

from citizen.auth.blueprint import blueprint
from citizen.auth.csp import register_logout_csp
from citizen.auth.current import register_current_user
from citizen.auth.oidc import register_oidc_clients


def register_auth(app: Flask) -> None:
    """Login clients, the current user before each request, and the login pages."""
    register_oidc_clients(app)
    register_current_user(app)
    register_logout_csp(app)
    app.register_blueprint(blueprint)
    if app.config["DEV_FEATURES"]:
        from citizen.auth import devidp

        app.register_blueprint(devidp.blueprint)


__all__ = ["blueprint", "register_auth"]
