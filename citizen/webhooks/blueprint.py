from flask import Blueprint

from citizen.extensions import csrf, limiter
from citizen.webhooks import views

#: Per client address, counting only refused requests: Twilio's signed callbacks are never
#: held back (a burst of delivery receipts is normal), someone guessing signatures is.
REFUSED_RATE_LIMIT = "30 per minute"

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")
# Authenticated by Twilio's signature over the request, never by a cookie: nothing to forge.
csrf.exempt(blueprint)
blueprint.before_request(views.limit_body_size)


def _limited(view):
    return limiter.limit(REFUSED_RATE_LIMIT,
                         deduct_when=lambda response: response.status_code == 403)(view)


blueprint.add_url_rule("/twilio/status", view_func=_limited(views.twilio_status),
                       methods=["POST"])
blueprint.add_url_rule("/twilio/inbound", view_func=_limited(views.twilio_inbound),
                       methods=["POST"])
