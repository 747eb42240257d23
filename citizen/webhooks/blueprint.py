from flask import Blueprint

from citizen.extensions import csrf
from citizen.webhooks import views

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")
# Authenticated by Twilio's signature over the request, never by a cookie: nothing to forge.
csrf.exempt(blueprint)
blueprint.before_request(views.limit_body_size)
blueprint.add_url_rule("/twilio/status", view_func=views.twilio_status, methods=["POST"])
blueprint.add_url_rule("/twilio/inbound", view_func=views.twilio_inbound, methods=["POST"])
