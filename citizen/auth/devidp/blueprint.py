from flask import Blueprint

from citizen.auth.devidp import views
from citizen.auth.devidp.clients import DEV_IDP_PATH
from citizen.extensions import csrf

blueprint = Blueprint("devidp", __name__, url_prefix=DEV_IDP_PATH)
blueprint.add_url_rule("/.well-known/openid-configuration", view_func=views.discovery)
blueprint.add_url_rule("/jwks", view_func=views.jwks)
blueprint.add_url_rule("/authorize", view_func=views.authorize, methods=["GET", "POST"])
# Called server to server with client credentials, not from a page: no CSRF token.
blueprint.add_url_rule("/token", view_func=csrf.exempt(views.token), methods=["POST"])
blueprint.add_url_rule("/endsession", view_func=views.end_session)
