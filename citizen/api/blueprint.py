"""Every route of ``/api/v1``; the views live with their features."""

from flask import Blueprint

from citizen.api import openapi, origin
from citizen.auth import views as auth
from citizen.extensions import csrf
from citizen.notifications import api as notifications

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
# No CSRF tokens in JSON calls: the origin rule stands in for them (citizen/api/origin.py).
csrf.exempt(blueprint)
blueprint.before_request(origin.refuse_cross_origin)

blueprint.add_url_rule("/openapi.json", view_func=openapi.document)
blueprint.add_url_rule("/me", view_func=auth.me)

blueprint.add_url_rule("/notification-settings", view_func=notifications.get_settings)
blueprint.add_url_rule("/notification-settings", view_func=notifications.put_settings,
                       methods=["PUT"])
blueprint.add_url_rule("/notification-settings/preview", view_func=notifications.preview)
