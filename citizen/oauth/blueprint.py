from flask import Blueprint

from citizen.extensions import csrf, limiter
from citizen.oauth import views
from citizen.oauth.errors import OAuthError

#: Per client address; a system needs a token every few minutes, not every second.
TOKEN_RATE_LIMIT = "30 per minute"  # noqa: S105 - a rate, not a secret

blueprint = Blueprint("oauth", __name__)
# Systems authenticate each request themselves and carry no cookies: nothing to forge.
csrf.exempt(blueprint)
blueprint.register_error_handler(OAuthError, views.refused)
blueprint.add_url_rule("/oauth/token", view_func=limiter.limit(TOKEN_RATE_LIMIT)(views.token),
                       methods=["POST"])
blueprint.add_url_rule("/.well-known/jwks.json", view_func=views.jwks)
